using System.Management.Automation;
using System.Management.Automation.Runspaces;
using K8sServiceAccount.Client;
using K8sServiceAccount.Client.Config;
using K8sServiceAccount.Client.Http;
using K8sServiceAccount.Completion;
using K8sServiceAccount.Internal;

namespace K8sServiceAccount;

/// <summary>
/// Base of every cmdlet that talks to a cluster. Provides -Kubeconfig, -Context, -Namespace, -InCluster and
/// -Connection, chooses the connection in DESIGN.md's order (per-call parameters, then the session from
/// Connect-K8sCluster, then automatic as kubectl), cancels the client's work when the user presses Ctrl+C,
/// writes the client's log to the verbose, debug and warning streams, and turns client exceptions into
/// ErrorRecords with stable ids and categories.
/// </summary>
public abstract class K8sClusterCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource cancellation = new();
    private readonly PipelineLog log = new();
    private ClientLog? clientLog;
    private bool disposed;
    private ResolvedConnection? resolved;
    private ConnectionHandle? chosenHandle;
    private KubernetesConnection? connection;

    /// <summary>A kubeconfig file to use instead of KUBECONFIG or ~/.kube/config. It must exist and is not merged with other files.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Kubeconfig { get; set; }

    /// <summary>The kubeconfig context to use instead of the current context. Names are case-sensitive.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ContextNameCompleter))]
    public string? Context { get; set; }

    /// <summary>
    /// The namespace to use instead of the context's (or, in a Pod, its own) namespace; null or empty means the default.
    /// Not bound from piped objects here: only the cmdlets whose piped objects live in a namespace take it from them
    /// (<see cref="NamespacedObjectCmdletBase"/>), so an object of another kind never changes a command's namespace.
    /// </summary>
    [Parameter]
    [Alias("n")]
    [ValidateNamespace]
    [ArgumentCompleter(typeof(NamespaceCompleter))]
    public string? Namespace { get; set; }

    /// <summary>Use the Pod's mounted ServiceAccount even when a kubeconfig exists.</summary>
    [Parameter]
    public SwitchParameter InCluster { get; set; }

    /// <summary>
    /// A connection from Connect-K8sCluster -PassThru or Get-K8sConnection, used instead of the session or the automatic
    /// connection (and shared: in ForEach-Object -Parallel as $using:c, every runspace uses its one HTTP client).
    /// Cannot be combined with -Kubeconfig, -Context or -InCluster.
    /// </summary>
    [Parameter]
    [ValidateNotNull]
    public K8sConnectionInfo? Connection { get; set; }

    /// <summary>
    /// How long each call to the API server may take, as kubectl's --request-timeout: a TimeSpan, a duration such as 30s,
    /// 2m or 1h30m, or a whole number of seconds; 0 means no timeout. The whole call counts (connecting, the TLS handshake,
    /// getting credentials, every retry and the waits between them); when it passes, the call fails with
    /// KubernetesRequestTimeout. Overrides the session's (Connect-K8sCluster -RequestTimeout) and the one a -Connection
    /// object carries. Without any, each attempt may take 100 seconds.
    /// </summary>
    [Parameter]
    [RequestTimeoutTransformation]
    public TimeSpan? RequestTimeout { get; set; }

    /// <summary>Cancelled when the user stops the command (Ctrl+C) so HTTP calls end at once.</summary>
    private protected CancellationToken CancellationToken => cancellation.Token;

    /// <summary>
    /// The client's view of this invocation's log, for operation classes that log on their own (verbose lines,
    /// the shortened-token warning): what they write reaches the verbose, debug and warning streams through
    /// <see cref="Invoke{T}"/> on the pipeline thread.
    /// </summary>
    private protected IClientLog Log => clientLog ??= NewClientLog();

    /// <summary>
    /// The settings for the current pipeline object with the connection they use, for a K8sConnectionInfo that can be
    /// given back as -Connection. The connection is made when first used, not here.
    /// </summary>
    private protected ConnectionHandle CurrentHandle
    {
        get
        {
            var settings = Settings;
            return new ConnectionHandle(settings, connection ?? chosenHandle?.MadeConnection) { RequestTimeout = EffectiveRequestTimeout };
        }
    }

    /// <summary>
    /// -RequestTimeout, else the one of the session or -Connection chosen (resolve the connection first), else null: the
    /// client's default.
    /// </summary>
    private protected TimeSpan? EffectiveRequestTimeout => RequestTimeout ?? chosenHandle?.RequestTimeout;

    /// <summary>
    /// The scope in which this invocation's client calls run on <paramref name="target"/>: its log (verbose, debug and
    /// warning lines reach this command's streams) and its request timeout. Work started inside it keeps both.
    /// </summary>
    private protected IDisposable UseConnection(KubernetesConnection target)
    {
        var logScope = target.UseLog(Log);
        return new Scopes(logScope, target.UseRequestTimeout(EffectiveRequestTimeout));
    }

    /// <summary>False for commands that must ignore the session connection (Connect-K8sCluster itself).</summary>
    private protected virtual bool UsesSessionConnection => true;

    /// <summary>The connection settings for the current pipeline object (its -Namespace applied).</summary>
    private protected ResolvedConnection Settings =>
        ConnectionSelection.WithNamespace(resolved ??= ResolveConnection(), Namespace);

    /// <summary>The connection (one HttpClient, shared with every command that resolves the same settings).</summary>
    private protected KubernetesConnection ClientConnection
    {
        get
        {
            resolved ??= ResolveConnection();
            if (connection is null)
            {
                try
                {
                    connection = chosenHandle?.Connection ?? ConnectionSelection.ConnectionFor(resolved);
                }
                catch (K8sClientException e)
                {
                    ThrowTerminatingError(ToErrorRecord(e, resolved.ContextName));
                    throw;
                }
            }

            return connection;
        }
    }

    /// <summary>
    /// Runs one client operation: the pipeline thread waits for it while writing the client's log, Ctrl+C
    /// cancels it, and its exceptions are rethrown unchanged for the cmdlet to report (WriteError for one item,
    /// ThrowTerminatingError when the whole call is meaningless).
    /// </summary>
    private protected T Invoke<T>(Func<KubernetesConnection, CancellationToken, Task<T>> operation)
    {
        var target = ClientConnection;
        Task<T> task;
        using (UseConnection(target))
        {
            // Started on the pipeline thread, as MoveNext does: it runs until its first await (the request) and the
            // log scope (an AsyncLocal) flows into it. A Task.Run here cost a hand-off to the pool and back on every
            // command (measured in BENCHMARKS.md, "Warm call through pwsh").
            task = StartInline(operation, target, cancellation.Token);
        }

        try
        {
            return log.RunAndDrain(task, WriteLogLine);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
    }

    /// <summary>
    /// Advances a streamed list for the pipeline. An item already in memory (the rest of a page) is taken on the
    /// pipeline thread at once; only when the next page must be fetched does the thread wait as in
    /// <see cref="Invoke{T}"/> (log written, Ctrl+C honoured). A hand-off to the pool per item cost more than the
    /// server's own work on a 50,000-item list (BENCHMARKS.md, sa-stream).
    /// </summary>
    // Without a SynchronizationContext, so that no continuation is posted back to the pipeline thread that waits for
    // the task; an operation that throws before its first await gives a faulted task, as Task.Run did.
    private static Task<T> StartInline<T>(Func<KubernetesConnection, CancellationToken, Task<T>> operation, KubernetesConnection target, CancellationToken token)
    {
        var context = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(null);
        try
        {
            return operation(target, token);
        }
        catch (Exception e)
        {
            return Task.FromException<T>(e);
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(context);
        }
    }

    private protected bool MoveNext<T>(IAsyncEnumerator<T> items)
    {
        var target = ClientConnection;
        ValueTask<bool> next;
        using (UseConnection(target))
        {
            // The log scope is an AsyncLocal: a page request started here carries it.
            next = items.MoveNextAsync();
        }

        if (next.IsCompletedSuccessfully)
        {
            return next.Result;
        }

        try
        {
            return log.RunAndDrain(next.AsTask(), WriteLogLine);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
    }

    /// <summary>
    /// Runs a client operation that yields items (pages of a list, a batch of checks, watch events) and hands
    /// each to <paramref name="onItem"/> on the pipeline thread as soon as it arrives, so results stream to the
    /// pipeline (WriteObject) instead of waiting for the last one. When the pipeline stops early (Select-Object
    /// -First, Ctrl+C) or <paramref name="onItem"/> throws, the operation is cancelled.
    /// </summary>
    private protected void InvokeEach<T>(Func<KubernetesConnection, CancellationToken, IAsyncEnumerable<T>> operation, Action<T> onItem)
    {
        var target = ClientConnection;
        var token = cancellation.Token;
        var items = new System.Collections.Concurrent.ConcurrentQueue<T>();
        Task task;
        using (UseConnection(target))
        {
            task = Task.Run(
                async () =>
                {
                    await foreach (var item in operation(target, token).WithCancellation(token).ConfigureAwait(false))
                    {
                        items.Enqueue(item);
                        WakePipelineThread();
                    }
                },
                token);
        }

        WaitAndDrain(task, () =>
        {
            while (items.TryDequeue(out var item))
            {
                onItem(item);
            }
        });
    }

    /// <summary>
    /// Blocks the pipeline thread until <paramref name="task"/> completes, writing the client's log and running
    /// <paramref name="drainItems"/> on this thread each time the work behind the task calls
    /// <see cref="WakePipelineThread"/> (after queuing something to write). Ctrl+C ends the wait; the task's
    /// exception is rethrown unchanged. When the wait ends with an exception (a stopped pipeline, a terminating
    /// error, <paramref name="drainItems"/> throwing), the invocation's work is cancelled: its consumer is gone.
    /// </summary>
    private protected void WaitAndDrain(Task task, Action drainItems)
    {
        try
        {
            log.RunAndDrain(task, WriteLogLine, drainItems);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        catch
        {
            // Stop producing for a consumer that is gone (a stopped pipeline, a terminating error).
            cancellation.Cancel();
            throw;
        }
    }

    /// <summary>Wakes the pipeline thread waiting in <see cref="WaitAndDrain"/>; callable from any thread.</summary>
    private protected void WakePipelineThread() => log.Wake();

    /// <summary>Runs one client operation that returns nothing; see <see cref="Invoke{T}"/>.</summary>
    private protected void Invoke(Func<KubernetesConnection, CancellationToken, Task> operation) =>
        Invoke<bool>(async (target, token) =>
        {
            await operation(target, token).ConfigureAwait(false);
            return true;
        });

    /// <summary>Reports the failure of one item and lets the pipeline continue.</summary>
    private protected void WriteErrorFor(Exception exception, object? target) => WriteError(ToErrorRecord(exception, target));

    /// <summary>Ends the command: nothing it could still do makes sense.</summary>
    private protected void ThrowTerminatingErrorFor(Exception exception, object? target) =>
        ThrowTerminatingError(ToErrorRecord(exception, target));

    /// <summary>The ErrorRecord for an exception: the client's stable id and category, the target object.</summary>
    internal static ErrorRecord ToErrorRecord(Exception exception, object? target)
    {
        var description = ErrorMapping.Describe(exception, target);
        return new ErrorRecord(exception, description.ErrorId, Enum.Parse<ErrorCategory>(description.CategoryName), description.Target);
    }

    /// <summary>The -Kubeconfig path resolved against the current PowerShell location (not the process directory).</summary>
    private string? ResolvedKubeconfigPath =>
        Kubeconfig is null ? null : GetUnresolvedProviderPathFromPSPath(Kubeconfig);

    /// <summary>Ctrl+C: cancels the client's work; the waiting pipeline thread then stops the command.</summary>
    protected override void StopProcessing()
    {
        try
        {
            cancellation.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The command already ended.
        }
    }

    /// <summary>
    /// Cancels whatever the invocation still has running (checks in flight when an earlier command in the pipeline
    /// failed and EndProcessing never ran) and releases its cancellation source; the shared connection stays open for
    /// later commands.
    /// </summary>
    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        cancellation.Cancel();
        cancellation.Dispose();
        GC.SuppressFinalize(this);
    }

    private ResolvedConnection ResolveConnection()
    {
        Selection selection;
        try
        {
            var parameters = new ConnectionParameters(ResolvedKubeconfigPath, Context, InCluster.IsPresent, GivenHandle());
            var session = ConnectionSelection.SessionOf(Runspace.DefaultRunspace);
            selection = ConnectionSelection.Select(parameters, session, UsesSessionConnection, SystemEnvironment.Instance);
        }
        catch (K8sClientException e)
        {
            ThrowTerminatingError(ToErrorRecord(e, (object?)Context ?? Kubeconfig));
            throw;
        }

        this.WriteVerboseLine($"Connection: {selection.Settings.Source}: {selection.Settings.Reason}");
        if (selection.Handle is { } handle)
        {
            // A session's or a given connection's warnings were written when it was made.
            chosenHandle = handle;
            return selection.Settings;
        }

        foreach (var warning in selection.Settings.Warnings)
        {
            WriteWarning(warning);
        }

        return selection.Settings;
    }

    /// <summary>The connection -Connection carries; an object that was not made by this module in this process carries none.</summary>
    private ConnectionHandle? GivenHandle()
    {
        if (Connection is null)
        {
            return null;
        }

        return Connection.Handle ?? throw new K8sClientException("ConnectionInvalid", K8sErrorCategory.InvalidArgument,
            "-Connection must be a connection from Connect-K8sCluster -PassThru or Get-K8sConnection in this PowerShell process (one read back from a file or another process carries no connection).")
        {
            Target = "-Connection",
        };
    }

    /// <summary>
    /// The client's log, told which of this command's streams PowerShell shows (-Verbose, -Debug, also given as :$false,
    /// and the caller's $VerbosePreference/$DebugPreference). Outside a runspace (tests), all.
    /// </summary>
    private ClientLog NewClientLog()
    {
        bool? verboseSwitch, debugSwitch;
        bool verbosePreference, debugPreference;
        try
        {
            verboseSwitch = BoundSwitch("Verbose");
            debugSwitch = BoundSwitch("Debug");
            verbosePreference = PreferenceShows("VerbosePreference");
            debugPreference = PreferenceShows("DebugPreference");
        }
        catch (Exception e) when (e is NullReferenceException or InvalidOperationException)
        {
            return new ClientLog(log);
        }

        return new ClientLog(log,
            ClientLog.VerboseShown(verboseSwitch, debugSwitch, verbosePreference),
            ClientLog.DebugShown(debugSwitch, debugPreference));
    }

    private bool? BoundSwitch(string name) =>
        MyInvocation.BoundParameters.TryGetValue(name, out var bound) && bound is SwitchParameter given ? given.IsPresent : null;

    // A preference variable shows its stream unless SilentlyContinue or Ignore; a value that is not a preference shows it
    // (the lines are formatted and PowerShell decides).
    private bool PreferenceShows(string variable)
    {
        var preference = GetVariableValue(variable);
        if (preference is PSObject wrapped)
        {
            preference = wrapped.BaseObject;
        }

        var action = preference switch
        {
            ActionPreference value => value,
            string text when Enum.TryParse<ActionPreference>(text, ignoreCase: true, out var parsed) => parsed,
            _ => ActionPreference.Continue,
        };
        return action is not (ActionPreference.SilentlyContinue or ActionPreference.Ignore);
    }

    /// <summary>Two scopes ended together, the inner (second) first.</summary>
    private sealed class Scopes(IDisposable outer, IDisposable inner) : IDisposable
    {
        public void Dispose()
        {
            inner.Dispose();
            outer.Dispose();
        }
    }

    private void WriteLogLine(LogLine line)
    {
        switch (line.Level)
        {
            case LogLevel.Warning:
                WriteWarning(line.Message);
                break;
            case LogLevel.Debug:
                WriteDebug(line.Message);
                break;
            default:
                this.WriteVerboseLine(line.Message);
                break;
        }
    }
}
