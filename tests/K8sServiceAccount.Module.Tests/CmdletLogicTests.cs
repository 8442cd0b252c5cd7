using System.Reflection;
using K8sServiceAccount.Completion;
using K8sServiceAccount.Internal;

namespace K8sServiceAccount.Module.Tests;

/// <summary>
/// The cmdlet layer's logic that needs no runspace, run from the staged assembly. Client types, where needed,
/// come from Dependencies/ through the module's private load context, as in PowerShell.
/// </summary>
public class CmdletLogicTests
{
    [Theory]
    [InlineData("kind-dev", "kind-dev")]
    [InlineData("arn:aws:eks:eu-west-1:123456789012:cluster/prod", "arn:aws:eks:eu-west-1:123456789012:cluster/prod")]
    [InlineData("admin@prod", "admin@prod")]
    [InlineData("gke_project_europe-west1_main", "gke_project_europe-west1_main")]
    [InlineData("my context", "'my context'")]
    [InlineData("it's", "'it''s'")]
    [InlineData("it\u2019s", "'it\u2019\u2019s'")]
    [InlineData("1kb", "'1kb'")]
    [InlineData("-dash", "'-dash'")]
    [InlineData("@splat", "'@splat'")]
    [InlineData("$var", "'$var'")]
    [InlineData("a;b", "'a;b'")]
    [InlineData("a,b", "'a,b'")]
    public void CompletionQuotesOnlyWhatPowerShellWouldMisread(string name, string expected)
    {
        Assert.Equal(expected, CompletionText.Quote(name));
    }

    [Fact]
    public void CompletionMatchesByCaseInsensitivePrefixKeepingOrderAndDroppingDuplicates()
    {
        var candidates = new[] { "Prod-EU", "dev", "prod-us", "prod-us", "staging" };
        Assert.Equal(["Prod-EU", "prod-us"], CompletionText.Complete(candidates, "PROD").Select(m => m.ListItemText));
        Assert.Equal(5 - 1, CompletionText.Complete(candidates, "").Count());
        Assert.Equal(["prod-us"], CompletionText.Complete(candidates, "'prod-u").Select(m => m.ListItemText));
        Assert.Equal(["'my ctx'"], CompletionText.Complete(["my ctx"], "\"my").Select(m => m.CompletionText));
        Assert.Empty(CompletionText.Complete(candidates, "x"));
    }

    [Theory]
    [InlineData(null, null, false, true, true, "Session")]
    [InlineData(null, null, false, false, true, "Automatic")]
    [InlineData(null, null, false, true, false, "Automatic")]
    [InlineData("/k", null, false, true, true, "Parameters")]
    [InlineData(null, "ctx", false, true, true, "Parameters")]
    [InlineData(null, null, true, true, true, "Parameters")]
    public void PerCallParametersBeatTheSessionWhichBeatsAutomatic(string? kubeconfig, string? context, bool inCluster, bool sessionExists, bool sessionAllowed, string expected)
    {
        var parameters = new ConnectionParameters(kubeconfig, context, inCluster);
        Assert.Equal(expected, ConnectionSelection.Choose(parameters, sessionExists, sessionAllowed).ToString());
    }

    [Fact]
    public void RunspacesNeverSeeEachOthersSession()
    {
        var store = new RunspaceStore<string>();
        object first = new(), second = new();
        store.Set(first, "a");
        Assert.Equal("a", store.Get(first));
        Assert.Null(store.Get(second));
        store.Set(first, "b");
        Assert.Equal("b", store.Get(first));
        Assert.Equal("b", store.Remove(first));
        Assert.Null(store.Get(first));
        Assert.Null(store.Remove(first));
    }

    [Fact]
    public void CacheKeysCompareByValue()
    {
        var a = new ConnectionCacheKey(["https://a", null, "ctx"]);
        var same = new ConnectionCacheKey(["https://a", null, "ctx"]);
        var other = new ConnectionCacheKey(["https://a", "", "ctx"]);
        Assert.Equal(a, same);
        Assert.Equal(a.GetHashCode(), same.GetHashCode());
        Assert.NotEqual(a, other);
    }

    [Fact]
    public void FileStampChangesWhenAFileIsRewritten()
    {
        var dir = Directory.CreateTempSubdirectory("k8ssa-stamp-");
        try
        {
            var file = Path.Combine(dir.FullName, "config");
            File.WriteAllText(file, "token: one");
            var before = ConnectionCacheKey.StampOf(file);
            Assert.Equal(before, ConnectionCacheKey.StampOf(file));
            File.WriteAllText(file, "token: second");
            Assert.NotEqual(before, ConnectionCacheKey.StampOf(file));
            Assert.Equal("missing", ConnectionCacheKey.StampOf(Path.Combine(dir.FullName, "absent")));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void CacheReusesConnectionsAndDropsTheLeastRecentlyUsed()
    {
        var cache = new ConnectionCache<object>(capacity: 2);
        var created = 0;
        object Create() { created++; return new object(); }
        ConnectionCacheKey Key(string s) => new([s]);

        var a = cache.GetOrCreate(Key("a"), Create);
        Assert.Same(a, cache.GetOrCreate(Key("a"), Create));
        var b = cache.GetOrCreate(Key("b"), Create);
        cache.GetOrCreate(Key("a"), Create); // a is now the most recent
        cache.GetOrCreate(Key("c"), Create); // evicts b
        Assert.Equal(2, cache.Count);
        Assert.Same(a, cache.GetOrCreate(Key("a"), Create));
        Assert.NotSame(b, cache.GetOrCreate(Key("b"), Create));
        Assert.Equal(4, created);
    }

    [Fact]
    public void ConcurrentCallersGetOneConnection()
    {
        var cache = new ConnectionCache<object>(capacity: 4);
        var created = 0;
        var results = new object[16];
        Parallel.For(0, results.Length, i => results[i] = cache.GetOrCreate(new ConnectionCacheKey(["same"]), () => { Interlocked.Increment(ref created); Thread.Sleep(5); return new object(); }));
        Assert.Equal(1, created);
        Assert.All(results, r => Assert.Same(results[0], r));
    }

    [Fact]
    public void LogLinesFromOtherThreadsAreWrittenOnTheWaitingThreadInOrder()
    {
        PipelineThread.Run(() =>
        {
            var log = new PipelineLog();
            var pipelineThread = Environment.CurrentManagedThreadId;
            var written = new List<(LogLine Line, int Thread)>();
            var task = Task.Run(async () =>
            {
                log.Enqueue(LogLevel.Verbose, "GET /api/v1/namespaces");
                await Task.Delay(10);
                log.Enqueue(LogLevel.Debug, "200 OK");
                log.Enqueue(LogLevel.Warning, "server warning");
                return 42;
            });

            Assert.Equal(42, log.RunAndDrain(task, line => written.Add((line, Environment.CurrentManagedThreadId))));
            Assert.Equal(
                [new LogLine(LogLevel.Verbose, "GET /api/v1/namespaces"), new LogLine(LogLevel.Debug, "200 OK"), new LogLine(LogLevel.Warning, "server warning")],
                written.Select(w => w.Line));
            Assert.All(written, w => Assert.Equal(pipelineThread, w.Thread));
        });
    }

    [Fact]
    public void ItemsStreamToTheWaitingThreadAsTheyArriveWithTheLogBeforeThem()
    {
        PipelineThread.Run(() =>
        {
            var log = new PipelineLog();
            var pipelineThread = Environment.CurrentManagedThreadId;
            var items = new System.Collections.Concurrent.ConcurrentQueue<int>();
            var seen = new List<string>();
            using var firstItemSeen = new ManualResetEventSlim();
            var task = Task.Run(() =>
            {
                log.Enqueue(LogLevel.Verbose, "page 1");
                items.Enqueue(1);
                log.Wake();
                // The second item waits until the first was handed over: the results stream rather than batch.
                Assert.True(firstItemSeen.Wait(TimeSpan.FromSeconds(10)));
                items.Enqueue(2);
                log.Wake();
            });

            log.RunAndDrain(task, line => seen.Add(line.Message), () =>
            {
                while (items.TryDequeue(out var item))
                {
                    Assert.Equal(pipelineThread, Environment.CurrentManagedThreadId);
                    seen.Add("item " + item);
                    firstItemSeen.Set();
                }
            });

            Assert.Equal(["page 1", "item 1", "item 2"], seen);
        });
    }

    [Fact]
    public void AConsumerThatStopsEndsTheWaitAtOnce()
    {
        PipelineThread.Run(() =>
        {
            var log = new PipelineLog();
            using var release = new ManualResetEventSlim();
            var task = Task.Run(() => { log.Wake(); release.Wait(TimeSpan.FromSeconds(10)); });
            Assert.Throws<OperationCanceledException>(() => log.RunAndDrain(task, _ => { }, () => throw new OperationCanceledException()));
            release.Set();
        });
    }

    [Fact]
    public void AFailedOperationRethrowsItsOwnExceptionAfterItsLog()
    {
        PipelineThread.Run(() =>
        {
            var log = new PipelineLog();
            var written = new List<LogLine>();
            Func<int> fail = () =>
            {
                log.Enqueue(LogLevel.Verbose, "before the failure");
                throw new InvalidOperationException("boom");
            };
            var task = Task.Run(fail);

            var thrown = Assert.Throws<InvalidOperationException>(() => log.RunAndDrain(task, written.Add));
            Assert.Equal("boom", thrown.Message);
            Assert.Equal("before the failure", Assert.Single(written).Message);
        });
    }

    [Fact]
    public void TheClientLogTellsTheClientWhichStreamsTheCommandShows()
    {
        var log = new PipelineLog();
        K8sServiceAccount.Client.IClientLog quiet = new ClientLog(log, verbose: false, debug: false);
        K8sServiceAccount.Client.IClientLog debugOnly = new ClientLog(log, verbose: false, debug: true);
        var written = new List<LogLine>();

        quiet.Warning("still shown");
        log.Drain(written.Add);

        Assert.False(quiet.IsVerboseEnabled);
        Assert.False(quiet.IsDebugEnabled);
        Assert.False(debugOnly.IsVerboseEnabled);
        Assert.True(debugOnly.IsDebugEnabled);
        Assert.Equal(new LogLine(LogLevel.Warning, "still shown"), Assert.Single(written));
    }

    // PowerShell's rules (MshCommandRuntime.VerbosePreference/DebugPreference): -Verbose or -Debug given (also as :$false)
    // decides; without -Verbose, -Debug shows verbose output too; else the preference variable.
    [Theory]
    [InlineData(true, null, false, true)]
    [InlineData(false, null, true, false)]
    [InlineData(false, true, true, false)]
    [InlineData(null, true, false, true)]
    [InlineData(null, false, true, true)]
    [InlineData(null, false, false, false)]
    [InlineData(null, null, true, true)]
    [InlineData(null, null, false, false)]
    public void VerboseLinesAreFormattedWhenPowerShellWouldShowThem(bool? verboseSwitch, bool? debugSwitch, bool preferenceShows, bool shown)
    {
        Assert.Equal(shown, ClientLog.VerboseShown(verboseSwitch, debugSwitch, preferenceShows));
    }

    [Theory]
    [InlineData(true, false, true)]
    [InlineData(false, true, false)]
    [InlineData(null, true, true)]
    [InlineData(null, false, false)]
    public void DebugLinesAreFormattedWhenPowerShellWouldShowThem(bool? debugSwitch, bool preferenceShows, bool shown)
    {
        Assert.Equal(shown, ClientLog.DebugShown(debugSwitch, preferenceShows));
    }

    [Fact]
    public void ClientExceptionsKeepTheirIdCategoryMessageAndTarget()
    {
        var exception = NewClientException("KubeconfigContextNotFound", "ObjectNotFound", "context \"x\" not found in /home/u/.kube/config", target: "x");
        var description = ErrorMapping.Describe(exception, fallbackTarget: "fallback");
        Assert.Equal(new ErrorDescription("KubeconfigContextNotFound", "ObjectNotFound", "x"), description);

        var withoutTarget = NewClientException("KubeconfigNotFound", "ObjectNotFound", "no kubeconfig", target: null);
        Assert.Equal("fallback", ErrorMapping.Describe(withoutTarget, "fallback").Target);
    }

    [Fact]
    public void ApiErrorsMapFromTheServersReasonAndKeepItsMessage()
    {
        var apiType = ClientType("K8sServiceAccount.Client.Http.KubernetesApiException");
        var exception = (Exception)Activator.CreateInstance(apiType, 403, null, "serviceaccounts is forbidden: User \"u\" cannot list resource", null)!;
        var description = ErrorMapping.Describe(exception, "sample-sa");
        // No reason from the server: the usual reason for the code (ResponseErrors.ReasonForCode), as for a server reason that is not one CamelCase word.
        Assert.Equal(new ErrorDescription("KubernetesForbidden", "PermissionDenied", "sample-sa"), description);
        Assert.Equal("serviceaccounts is forbidden: User \"u\" cannot list resource", exception.Message);
    }

    [Theory]
    [InlineData(typeof(OperationCanceledException), "OperationCanceled", "OperationStopped")]
    [InlineData(typeof(TimeoutException), "OperationTimedOut", "OperationTimeout")]
    [InlineData(typeof(ArgumentException), "InvalidArgument", "InvalidArgument")]
    [InlineData(typeof(FileNotFoundException), "IOError", "ReadError")]
    [InlineData(typeof(NullReferenceException), "NullReferenceException", "NotSpecified")]
    public void OtherExceptionsGetStableIdsToo(Type exceptionType, string errorId, string category)
    {
        var description = ErrorMapping.Describe((Exception)Activator.CreateInstance(exceptionType)!, "t");
        Assert.Equal(new ErrorDescription(errorId, category, "t"), description);
    }

    private static Type ClientType(string fullName) =>
        Type.GetType(fullName + ", K8sServiceAccount.Client", throwOnError: true)!;

    private static Exception NewClientException(string errorId, string category, string message, string? target)
    {
        var type = ClientType("K8sServiceAccount.Client.K8sClientException");
        var categoryValue = Enum.Parse(ClientType("K8sServiceAccount.Client.K8sErrorCategory"), category);
        var exception = (Exception)Activator.CreateInstance(type, errorId, categoryValue, message, null)!;
        type.GetProperty("Target", BindingFlags.Public | BindingFlags.Instance)!.SetValue(exception, target);
        return exception;
    }
}
