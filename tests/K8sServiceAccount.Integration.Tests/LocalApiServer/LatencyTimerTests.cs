using System.Diagnostics;
using K8sServiceAccount.LocalApiServer.Faults;

namespace K8sServiceAccount.Integration.Tests.LocalApiServer;

/// <summary>The injected latency is what it says: never early, released in deadline order, cancellable.</summary>
public sealed class LatencyTimerTests
{
    [Fact]
    public async Task DelaysEndAtTheirDeadlineNeverEarly()
    {
        var timer = new LatencyTimer();
        var elapsed = new List<double>();
        for (var i = 0; i < 40; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await timer.DelayAsync(TimeSpan.FromMilliseconds(2), CancellationToken.None);
            elapsed.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        // Never early. How close to the deadline it ends depends on the machine's load, so precision is measured by
        // the sa-warm benchmark (server baseline 2.7 ms for 2 ms injected; Task.Delay(2) 4.5 ms), not asserted here.
        Assert.All(elapsed, ms => Assert.True(ms >= 2.0, $"a 2 ms delay ended after {ms:F3} ms"));
    }

    [Fact]
    public async Task ManyConcurrentDelaysNeverEndEarly()
    {
        // The last stretch before a deadline is a precise sleep, not a wait a new waiter can cut short: waiters
        // added meanwhile (as 32 requests in flight do) must still not be released before their own deadline.
        var timer = new LatencyTimer();
        var delays = Enumerable.Range(0, 64).Select(async i =>
        {
            await Task.Delay(i % 8);
            var started = Stopwatch.GetTimestamp();
            await timer.DelayAsync(TimeSpan.FromMilliseconds(2), CancellationToken.None);
            return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        });

        var elapsed = await Task.WhenAll(delays);

        Assert.All(elapsed, ms => Assert.True(ms >= 2.0, $"a 2 ms delay ended after {ms:F3} ms"));
    }

    [Fact]
    public async Task ConcurrentDelaysCompleteInDeadlineOrder()
    {
        var timer = new LatencyTimer();
        // Queued out of order; the timer releases them by deadline. Task state is set by the timer thread itself
        // (continuations run elsewhere), so once a later delay is done every earlier one must be done already.
        var slow = timer.DelayAsync(TimeSpan.FromMilliseconds(60), CancellationToken.None);
        var fast = timer.DelayAsync(TimeSpan.FromMilliseconds(20), CancellationToken.None);
        var middle = timer.DelayAsync(TimeSpan.FromMilliseconds(40), CancellationToken.None);

        await middle;
        Assert.True(fast.IsCompleted, "the 20 ms delay was still pending when the 40 ms one ended");
        await slow;
    }

    [Fact]
    public async Task ACancelledDelayEndsAtOnce()
    {
        var timer = new LatencyTimer();
        using var cancel = new CancellationTokenSource();
        var delay = timer.DelayAsync(TimeSpan.FromSeconds(30), cancel.Token);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => delay);
    }
}
