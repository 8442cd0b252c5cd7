using System.Collections.Concurrent;

namespace K8sServiceAccount.Internal;

/// <summary>The stream a client log line belongs to.</summary>
internal enum LogLevel
{
    Verbose,
    Debug,
    Warning,
}

/// <summary>One line the client wrote, waiting to be written by the pipeline thread.</summary>
internal readonly record struct LogLine(LogLevel Level, string Message);

/// <summary>
/// The client's log for one cmdlet invocation. The client may write from any thread (HTTP callbacks,
/// exec plugins), but PowerShell accepts WriteVerbose/WriteDebug/WriteWarning (and WriteObject) only from
/// the pipeline thread: lines are queued here (through <see cref="ClientLog"/>) and <see cref="RunAndDrain"/>
/// writes them on the pipeline thread while it waits for the client's task, together with any items the
/// task produces.
/// </summary>
internal sealed class PipelineLog
{
    private readonly ConcurrentQueue<LogLine> lines = new();
    // Wake-ups for the waiting pipeline thread. Several signals before it wakes count as one: it drains everything
    // queued anyway. A monitor, not a SemaphoreSlim, because SemaphoreSlim.Wait spins before it blocks, and the pipeline
    // thread of a batch waits thousands of times for answers that are milliseconds away: the spinning only took CPU
    // from the requests.
    private readonly object gate = new();
    private bool signalled;

    /// <summary>Writes every queued line through <paramref name="write"/>, in order.</summary>
    internal void Drain(Action<LogLine> write)
    {
        while (lines.TryDequeue(out var line))
        {
            write(line);
        }
    }

    /// <summary>
    /// Blocks the calling (pipeline) thread until <paramref name="task"/> completes, writing log lines as they
    /// arrive, then returns the task's result or rethrows its exception unwrapped.
    /// </summary>
    internal T RunAndDrain<T>(Task<T> task, Action<LogLine> write)
    {
        RunAndDrain((Task)task, write, drainItems: null);
        return task.GetAwaiter().GetResult();
    }

    /// <summary>
    /// Blocks the calling (pipeline) thread until <paramref name="task"/> completes. Each time the task writes a
    /// line or calls <see cref="Wake"/> (after queuing an item of its own), the queued lines are written and then
    /// <paramref name="drainItems"/> runs, on this thread. Rethrows the task's exception unwrapped; an exception
    /// thrown by <paramref name="write"/> or <paramref name="drainItems"/> ends the wait at once.
    /// </summary>
    internal void RunAndDrain(Task task, Action<LogLine> write, Action? drainItems)
    {
        if (task.IsCompleted)
        {
            // Nothing to wait for: no hand-off to the pool (a pipeline row that finds a free slot ends here).
            Drain(write);
            drainItems?.Invoke();
            task.GetAwaiter().GetResult();
            return;
        }

        if (!LinesWanted && drainItems is null)
        {
            // Nothing to write while waiting (verbose and debug not shown, no items): wait on the task itself, which
            // is cheaper than the wake-up below. A warning is written when the task has completed.
            WaitQuietly(task);
            Drain(write);
            task.GetAwaiter().GetResult();
            return;
        }

        // Completion wakes the loop just as a new line does, signalled by the completing thread itself (no hand-off to
        // the pool just to wake this thread).
        task.ContinueWith(static (_, state) => ((PipelineLog)state!).Signal(), this, CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        while (true)
        {
            WaitForSignal();
            Drain(write);
            drainItems?.Invoke();
            if (task.IsCompleted)
            {
                break;
            }
        }

        // Whatever the task queued just before it completed.
        Drain(write);
        drainItems?.Invoke();
        task.GetAwaiter().GetResult();
    }

    /// <summary>
    /// Whether lines are to be written as they arrive (verbose or debug shown). When not, a wait with nothing else to
    /// do waits on the task alone.
    /// </summary>
    internal bool LinesWanted { get; set; } = true;

    private static void WaitQuietly(Task task)
    {
        try
        {
            task.Wait();
        }
        catch (AggregateException)
        {
            // Rethrown unwrapped by the caller (GetResult).
        }
    }

    /// <summary>Wakes the waiting pipeline thread after an item was queued; callable from any thread.</summary>
    internal void Wake() => Signal();

    /// <summary>Queues a line; callable from any thread.</summary>
    internal void Enqueue(LogLevel level, string message)
    {
        lines.Enqueue(new LogLine(level, message));
        Signal();
    }

    private void Signal()
    {
        lock (gate)
        {
            signalled = true;
            Monitor.Pulse(gate);
        }
    }

    private void WaitForSignal()
    {
        lock (gate)
        {
            while (!signalled)
            {
                Monitor.Wait(gate);
            }

            signalled = false;
        }
    }
}

/// <summary>
/// The client's view of a <see cref="PipelineLog"/>. It tells the client which streams the command will show, so lines
/// PowerShell would drop (verbose and debug under SilentlyContinue, the default) are neither formatted nor queued, and
/// do not wake the pipeline thread once per request.
/// </summary>
internal sealed class ClientLog : K8sServiceAccount.Client.IClientLog
{
    private readonly PipelineLog queue;

    internal ClientLog(PipelineLog queue, bool verbose = true, bool debug = true)
    {
        this.queue = queue;
        IsVerboseEnabled = verbose;
        IsDebugEnabled = debug;
        queue.LinesWanted = verbose || debug;
    }

    public bool IsVerboseEnabled { get; }

    /// <summary>
    /// Whether PowerShell shows a command's WriteVerbose output: -Verbose (also -Verbose:$false) decides, else -Debug
    /// shows it too, else the caller's $VerbosePreference (<paramref name="preferenceShows"/>).
    /// </summary>
    internal static bool VerboseShown(bool? verboseSwitch, bool? debugSwitch, bool preferenceShows) =>
        verboseSwitch ?? (debugSwitch == true || preferenceShows);

    /// <summary>Whether PowerShell shows a command's WriteDebug output: -Debug (also -Debug:$false) decides, else $DebugPreference.</summary>
    internal static bool DebugShown(bool? debugSwitch, bool preferenceShows) => debugSwitch ?? preferenceShows;

    public bool IsDebugEnabled { get; }

    public void Verbose(string message) => queue.Enqueue(LogLevel.Verbose, message);

    public void Debug(string message) => queue.Enqueue(LogLevel.Debug, message);

    public void Warning(string message) => queue.Enqueue(LogLevel.Warning, message);
}
