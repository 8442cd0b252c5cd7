using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using K8sServiceAccount.Client.Config;
using K8sServiceAccount.Client.Http;
using K8sServiceAccount.Client.Permissions;
using K8sServiceAccount.Internal;
using K8sServiceAccount.LocalApiServer;
using static K8sServiceAccount.Bench.BenchStats;

namespace K8sServiceAccount.Bench;

/// <summary>
/// The cmdlets' way to a connection, without PowerShell: automatic resolution (KUBECONFIG), the shared
/// connection cache keyed as ConnectionSelection.ConnectionFor keys it, then the operation run on the thread
/// pool while the caller waits (K8sClusterCmdlet.Invoke). The connection is instrumented: every TCP connection
/// it opens and every HTTP request it sends (retries included) is counted.
/// </summary>
internal sealed class CmdletPath
{
    private readonly ConnectionCache<KubernetesConnection> _connections = new(capacity: 16);
    private readonly ISystemEnvironment _environment;
    private readonly PipelineLog _log = new();
    // As a command run with PowerShell's default preferences (SilentlyContinue): verbose and debug lines are not shown.
    private readonly ClientLog _clientLog;
    private int _tcpConnections;
    private long _requests;

    public CmdletPath(string kubeconfigPath)
    {
        _environment = new KubeconfigEnvironment(kubeconfigPath);
        _clientLog = new ClientLog(_log, verbose: false, debug: false);
    }

    /// <summary>The log a command's client operations write to (verbose and debug declined, as by default).</summary>
    public K8sServiceAccount.Client.IClientLog Log => _clientLog;

    /// <summary>TCP connections opened so far by connections from this path.</summary>
    public int TcpConnections => Volatile.Read(ref _tcpConnections);

    /// <summary>HTTP requests sent so far (each retry is one more).</summary>
    public long Requests => Interlocked.Read(ref _requests);

    private ConnectionHandle? _session;

    /// <summary>
    /// Connect-K8sCluster: resolve once and keep the settings and the connection for the runspace; later calls
    /// use them as K8sClusterCmdlet does with a session (no per-call resolution).
    /// </summary>
    public void ConnectSession()
    {
        ResolvedConnection settings = ConnectionSelection.AsSession(
            ConnectionResolver.Resolve(new ConnectionRequest(), _environment), K8sConnectionScope.Process, DateTimeOffset.UtcNow);
        _session = new ConnectionHandle(settings, CachedConnection(settings));
    }

    /// <summary>Back to automatic resolution per call (Disconnect-K8sCluster).</summary>
    public void DisconnectSession() => _session = null;

    /// <summary>
    /// What a cmdlet does before its operation: with a session, its connection (the -Namespace override is a
    /// record copy); otherwise resolve the settings, then look the connection up.
    /// </summary>
    public KubernetesConnection Connection()
    {
        if (_session is { } session)
        {
            _ = ConnectionSelection.WithNamespace(session.Settings, null);
            return session.Connection;
        }

        return CachedConnection(ConnectionResolver.Resolve(new ConnectionRequest(), _environment));
    }

    private KubernetesConnection CachedConnection(ResolvedConnection settings)
    {
        return _connections.GetOrCreate(
            ConnectionCacheKey.For(settings, ConnectionCacheKey.StampOf),
            () => KubernetesConnection.Create(settings, new KubernetesConnectionOptions { WrapHandler = Instrument }));
    }

    /// <summary>
    /// One cmdlet invocation (K8sClusterCmdlet.Invoke): connection lookup, then the operation on the pool with the
    /// invocation's log in scope, the caller blocked on it through the module's PipelineLog as the pipeline thread is.
    /// </summary>
    public T Invoke<T>(Func<KubernetesConnection, Task<T>> operation) => Invoke(Connection(), operation);

    /// <summary>A further operation of the same invocation, which keeps the connection it looked up first.</summary>
    public T Invoke<T>(KubernetesConnection connection, Func<KubernetesConnection, Task<T>> operation)
    {
        Task<T> task;
        using (connection.UseLog(_clientLog))
        {
            task = Task.Run(() => operation(connection));
        }

        return _log.RunAndDrain(task, static _ => { });
    }

    /// <summary>The next item of a streamed list, handed off to the pool for every item (K8sClusterCmdlet.Invoke per MoveNext).</summary>
    public bool MoveNextPerItemHandOff<T>(KubernetesConnection connection, IAsyncEnumerator<T> items) =>
        Invoke(connection, _ => items.MoveNextAsync().AsTask());

    /// <summary>
    /// The next item of a streamed list as K8sClusterCmdlet.MoveNext takes it: on the calling thread when it is
    /// already in memory, waited for through the PipelineLog only when a page has to be fetched.
    /// </summary>
    public bool MoveNext<T>(KubernetesConnection connection, IAsyncEnumerator<T> items)
    {
        ValueTask<bool> next;
        using (connection.UseLog(_clientLog))
        {
            next = items.MoveNextAsync();
        }

        return next.IsCompletedSuccessfully ? next.Result : _log.RunAndDrain(next.AsTask(), static _ => { });
    }

    /// <summary>
    /// Test-K8sPermission with piped rows, on the calling thread as on the pipeline thread: each check is added to a
    /// PermissionBatch as ProcessRecord adds it (started at once on this thread, or, while -ThrottleLimit outcomes are
    /// pending, once a wake-up has taken a finished one: WriteObject's place), and EndProcessing waits for the rest.
    /// Returns the outcomes by input position.
    /// </summary>
    public PermissionCheckOutcome[] CheckPipeline(KubernetesConnection connection, IPermissionEvaluator evaluator, IReadOnlyList<PermissionCheck> checks, int throttleLimit)
    {
        var outcomes = new PermissionCheckOutcome[checks.Count];
        // As Test-K8sPermission makes it: outcomes in input order.
        var batch = new PermissionBatch(evaluator, throttleLimit, _log.Wake, inputOrder: true);
        void Take()
        {
            while (batch.TryTake(out var outcome))
            {
                outcomes[outcome.Index] = outcome;
            }
        }

        foreach (var check in checks)
        {
            using (connection.UseLog(_clientLog))
            {
                PipelineAdmission.Add(batch, check, Take, (task, drain) => _log.RunAndDrain(task, static _ => { }, drain));
            }
        }

        batch.Complete();
        _log.RunAndDrain(batch.Completion, static _ => { }, Take);
        batch.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return outcomes;
    }

    private HttpMessageHandler Instrument(HttpMessageHandler inner)
    {
        if (inner is SocketsHttpHandler sockets)
        {
            sockets.ConnectCallback = async (context, cancellationToken) =>
            {
                Interlocked.Increment(ref _tcpConnections);
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(context.DnsEndPoint, cancellationToken).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
        }

        return new CountingHandler(inner, () => Interlocked.Increment(ref _requests));
    }

    private sealed class CountingHandler(HttpMessageHandler inner, Action onRequest) : DelegatingHandler(inner)
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            onRequest();
            return base.SendAsync(request, cancellationToken);
        }
    }

    /// <summary>The real machine, with KUBECONFIG naming the local server's kubeconfig (the process environment is left alone).</summary>
    private sealed class KubeconfigEnvironment(string kubeconfigPath) : ISystemEnvironment
    {
        public string? GetEnvironmentVariable(string name) =>
            name == "KUBECONFIG" ? kubeconfigPath : SystemEnvironment.Instance.GetEnvironmentVariable(name);

        public bool FileExists(string path) => SystemEnvironment.Instance.FileExists(path);

        public byte[] ReadAllBytes(string path) => SystemEnvironment.Instance.ReadAllBytes(path);

        public string? HomeDirectory => SystemEnvironment.Instance.HomeDirectory;

        public string CurrentDirectory => SystemEnvironment.Instance.CurrentDirectory;

        public DateTimeOffset UtcNow => SystemEnvironment.Instance.UtcNow;
    }
}

/// <summary>Runs kubectl as a whole process per call, KUBECONFIG set in the child's environment only.</summary>
internal sealed class KubectlRunner(string executable, string kubeconfigPath)
{
    public string Executable { get; } = executable;

    /// <summary>Runs once; returns the wall time in ms and standard output. A failed run throws with kubectl's message.</summary>
    public (double Milliseconds, string Output) Run(IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        start.Environment["KUBECONFIG"] = kubeconfigPath;
        long started = Stopwatch.GetTimestamp();
        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        double elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Executable} {string.Join(' ', start.ArgumentList)} failed ({process.ExitCode}): {error.Result.Trim()}");
        }

        return (elapsed, output.Result);
    }

    /// <summary>One uncounted run with a fresh cache directory (reported as the cold figure), then <paramref name="runs"/> warm runs.</summary>
    public (double Cold, double[] Warm) Measure(IReadOnlyList<string> arguments, int runs, Action<string> check)
    {
        string cacheDirectory = Directory.CreateTempSubdirectory("sabench-kubectl-cache-").FullName;
        try
        {
            string[] withCache = [.. arguments, "--cache-dir", cacheDirectory];
            (double cold, string coldOutput) = Run(withCache);
            check(coldOutput);
            var warm = new double[runs];
            for (int i = 0; i < runs; i++)
            {
                (warm[i], string output) = Run(withCache);
                check(output);
            }

            return (cold, warm);
        }
        finally
        {
            Directory.Delete(cacheDirectory, recursive: true);
        }
    }
}

/// <summary>Order statistics and machine state for the ServiceAccount benchmarks.</summary>
internal static class BenchStats
{
    public static double Median(IReadOnlyCollection<double> values) => Percentile(values, 0.5);

    public static double Percentile(IReadOnlyCollection<double> values, double fraction)
    {
        double[] sorted = values.Order().ToArray();
        if (sorted.Length == 0) return double.NaN;
        double rank = fraction * (sorted.Length - 1);
        int low = (int)Math.Floor(rank);
        int high = (int)Math.Ceiling(rank);
        return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
    }

    /// <summary>The 1-minute load average (the machine is shared, so every figure carries it).</summary>
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";

    /// <summary>
    /// What the server's injected delay (Task.Delay) really lasts on this machine right now: timer granularity and
    /// scheduling under load stretch it, and every request pays it.
    /// </summary>
    public static List<double> RealizedDelays(int milliseconds, int count)
    {
        var delays = new List<double>(count);
        for (int i = 0; i < count; i++)
        {
            long started = Stopwatch.GetTimestamp();
            Task.Run(() => Task.Delay(milliseconds)).GetAwaiter().GetResult();
            delays.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        return delays;
    }

    public static TimeSpan ProcessCpu() => Process.GetCurrentProcess().TotalProcessorTime;

    public static string Ms(double value) => value.ToString("F3", CultureInfo.InvariantCulture);

    public static int ParseInt(string value) => int.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture);
}

/// <summary>
/// The options of the scenarios that time single calls on a warm connection against kubectl (sa-warm, sa-token):
/// how many calls, the injected latency, how many kubectl runs and which kubectl.
/// </summary>
internal sealed record WarmCallOptions(int Calls, int LatencyMilliseconds, int KubectlRuns, string Kubectl)
{
    /// <summary>The options in <paramref name="args"/>; null, after printing the usage of <paramref name="scenario"/>, for anything else.</summary>
    public static WarmCallOptions? Parse(string scenario, IReadOnlyList<string> args)
    {
        int calls = 200, latency = 2, kubectlRuns = 20;
        string kubectl = "/usr/lib/google-cloud-sdk/bin/kubectl.1.28";
        for (int i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--calls": calls = ParseInt(args[++i]); break;
                case "--latency-ms": latency = ParseInt(args[++i]); break;
                case "--kubectl-runs": kubectlRuns = ParseInt(args[++i]); break;
                case "--kubectl": kubectl = args[++i]; break;
                default:
                    Console.Error.WriteLine($"usage: {scenario} [--calls 200] [--latency-ms 2] [--kubectl-runs 20] [--kubectl PATH]");
                    return null;
            }
        }

        return new WarmCallOptions(calls, latency, kubectlRuns, kubectl);
    }
}

/// <summary>The local API server as the ServiceAccount scenarios set it up: the bare admin client of the server baseline, and fixtures made with it.</summary>
internal static class BenchServer
{
    /// <summary>
    /// A bare HttpClient for the admin (system:masters) that asks for HTTP/2 and accepts less, as KubernetesConnection
    /// does, so the server baseline speaks the same protocol as our calls.
    /// </summary>
    public static HttpClient AdminClient(LocalApiServerHost server)
    {
        HttpClient client = server.CreateHttpClient("admin", "system:masters");
        client.DefaultRequestVersion = HttpVersion.Version20;
        client.DefaultVersionPolicy = HttpVersionPolicy.RequestVersionOrLower;
        return client;
    }

    /// <summary>Creates ServiceAccount <paramref name="ns"/>/<paramref name="name"/> with the given labels; anything but 201 Created throws with the server's answer.</summary>
    public static async Task CreateServiceAccountAsync(HttpClient admin, string ns, string name, IReadOnlyDictionary<string, string>? labels = null)
    {
        var metadata = new JsonObject { ["name"] = name };
        if (labels is not null)
        {
            metadata["labels"] = new JsonObject(labels.Select(l => KeyValuePair.Create(l.Key, (JsonNode?)l.Value)));
        }

        using var content = new StringContent(new JsonObject { ["metadata"] = metadata }.ToJsonString(), Encoding.UTF8, "application/json");
        using HttpResponseMessage response = await admin.PostAsync($"/api/v1/namespaces/{ns}/serviceaccounts", content);
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"creating the ServiceAccount {ns}/{name} failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }
}

/// <summary>One measured phase of a warm-call scenario: per-call times of our path, of the server baseline and of bare waits, interleaved.</summary>
internal sealed record Phase(List<double> Ours, List<double> Baseline, List<double> Delays, double OursCpu, double BaselineCpu, string LoadStart, string LoadEnd)
{
    private const int Block = 10;

    /// <summary>
    /// Alternating blocks of our calls, baseline calls and bare waits of the injected latency, so all three see
    /// the same machine load; CPU time is process-wide, so it is taken per block and attributed to the side that ran it.
    /// </summary>
    public static Phase Measure(int calls, Action ours, Action baseline, int latency)
    {
        var oursTimes = new List<double>(calls);
        var baselineTimes = new List<double>(calls);
        var delays = new List<double>(calls);
        TimeSpan oursCpu = TimeSpan.Zero, baselineCpu = TimeSpan.Zero;
        string loadStart = LoadAverage();
        for (int done = 0; done < calls; done += Block)
        {
            int count = Math.Min(Block, calls - done);
            oursCpu += TimeBlock(count, ours, oursTimes);
            baselineCpu += TimeBlock(count, baseline, baselineTimes);
            delays.AddRange(RealizedDelays(latency, count));
        }

        return new Phase(oursTimes, baselineTimes, delays, oursCpu.TotalMilliseconds / calls, baselineCpu.TotalMilliseconds / calls, loadStart, LoadAverage());
    }

    private static TimeSpan TimeBlock(int count, Action call, List<double> times)
    {
        TimeSpan cpu = ProcessCpu();
        for (int i = 0; i < count; i++)
        {
            long started = Stopwatch.GetTimestamp();
            call();
            times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        return ProcessCpu() - cpu;
    }
}
