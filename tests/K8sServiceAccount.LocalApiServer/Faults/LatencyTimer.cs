using System.Diagnostics;

namespace K8sServiceAccount.LocalApiServer.Faults;

/// <summary>
/// Completes waits at their deadline to within a fraction of a millisecond. Task.Delay rides the runtime's
/// timer queue, whose firing here is coarse: a Task.Delay(2) measured 4.3 ms (median) on an idle 2-core
/// machine, so "2 ms of injected latency" was really twice that and every benchmark built on it measured
/// the timer, not the client. One background thread sleeps on a timed wait (accurate to ~0.1 ms on Linux)
/// until the earliest deadline (rounded up to the millisecond) and releases the waiters.
/// </summary>
public sealed class LatencyTimer
{
    /// <summary>The process-wide timer (one thread, started on first use).</summary>
    public static readonly LatencyTimer Shared = new();

    /// <summary>A timer with its own thread (tests use their own; the server uses <see cref="Shared"/>).</summary>
    public LatencyTimer()
    {
    }

    private readonly PriorityQueue<TaskCompletionSource, long> due = new();
    private readonly AutoResetEvent changed = new(false);
    private readonly object gate = new();
    private Thread? thread;

    /// <summary>A task that completes <paramref name="delay"/> from now (or is cancelled).</summary>
    public Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        if (delay <= TimeSpan.Zero)
        {
            return Task.CompletedTask;
        }

        var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var deadline = Stopwatch.GetTimestamp() + (long)(delay.TotalSeconds * Stopwatch.Frequency);
        lock (gate)
        {
            thread ??= StartThread();
            due.Enqueue(waiter, deadline);
        }

        changed.Set();
        if (cancellationToken.CanBeCanceled)
        {
            // A cancelled waiter stays queued; completing it later is a no-op.
            cancellationToken.Register(static state => ((TaskCompletionSource)state!).TrySetCanceled(), waiter);
        }

        return waiter.Task;
    }

    private Thread StartThread()
    {
        var t = new Thread(Run) { IsBackground = true, Name = "LocalApiServer latency timer" };
        t.Start();
        return t;
    }

    private void Run()
    {
        while (true)
        {
            long wait;
            lock (gate)
            {
                var now = Stopwatch.GetTimestamp();
                while (due.TryPeek(out var waiter, out var deadline) && deadline <= now)
                {
                    due.Dequeue();
                    waiter.TrySetResult();
                }

                wait = due.TryPeek(out _, out var next) ? next - now : -1;
            }

            if (wait < 0)
            {
                changed.WaitOne();
                continue;
            }

            // Round up to the millisecond and re-check after waking, so no waiter is released early; no spinning,
            // which would take CPU from the requests being measured.
            var milliseconds = (int)Math.Min(int.MaxValue, (wait * 1000 + Stopwatch.Frequency - 1) / Stopwatch.Frequency);
            changed.WaitOne(milliseconds);
        }
    }
}
