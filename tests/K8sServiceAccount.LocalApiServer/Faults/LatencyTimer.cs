using System.Diagnostics;
using System.Runtime.InteropServices;

namespace K8sServiceAccount.LocalApiServer.Faults;

/// <summary>
/// Completes waits at their deadline to within a fraction of a millisecond. Task.Delay rides the runtime's
/// timer queue, whose firing here is coarse: a Task.Delay(2) measured 4.3 ms (median) on an idle 2-core
/// machine, so "2 ms of injected latency" was really twice that and every benchmark built on it measured
/// the timer, not the client. One background thread waits until the earliest deadline and releases the waiters:
/// a timed wait (millisecond steps, woken when a waiter is added) while the deadline is far, then, for the last
/// stretch, nanosleep on Unix, which ends within tens of microseconds of the deadline. Under 32 concurrent requests
/// a millisecond-rounded wait alone released waiters 0.39 ms late (median); with the precise last stretch, 0.10 ms.
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

            // Far deadline: a timed wait that a new waiter can cut short, ending at least a millisecond before the
            // deadline. Last stretch: a precise sleep (a new waiter's deadline is later in practice, since every
            // request gets the same latency; the slice bounds the error otherwise). Never early, never spinning,
            // which would take CPU from the requests being measured.
            if (!PreciseSleep.IsAvailable)
            {
                changed.WaitOne((int)Math.Min(int.MaxValue, (wait * 1000 + Stopwatch.Frequency - 1) / Stopwatch.Frequency));
            }
            else if (wait >= 2 * Stopwatch.Frequency / 1000)
            {
                changed.WaitOne((int)Math.Min(int.MaxValue, wait * 1000 / Stopwatch.Frequency - 1));
            }
            else
            {
                PreciseSleep.Sleep(Math.Min(wait * 1_000_000_000 / Stopwatch.Frequency, 1_000_000));
            }
        }
    }

    /// <summary>nanosleep(2): sub-millisecond sleeps on Linux and macOS (the runtime's waits round to milliseconds).</summary>
    private static class PreciseSleep
    {
        public static readonly bool IsAvailable = Probe();

        [StructLayout(LayoutKind.Sequential)]
        private struct TimeSpec
        {
            public nint Seconds;
            public nint Nanoseconds;
        }

        [DllImport("libc", EntryPoint = "nanosleep", SetLastError = true)]
        private static extern int NanoSleep(ref TimeSpec request, IntPtr remaining);

        private static bool Probe()
        {
            if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
            {
                return false;
            }

            try
            {
                Sleep(1000);
                return true;
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                return false;
            }
        }

        /// <summary>Sleeps about <paramref name="nanoseconds"/> (less than a second); an interrupted sleep just ends early, and the caller re-checks.</summary>
        public static void Sleep(long nanoseconds)
        {
            var request = new TimeSpec { Seconds = 0, Nanoseconds = (nint)Math.Max(nanoseconds, 1000) };
            NanoSleep(ref request, IntPtr.Zero);
        }
    }
}
