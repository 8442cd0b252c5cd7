using K8sServiceAccount.Client.Permissions;

namespace K8sServiceAccount.Client.Tests.Permissions;

public sealed class PermissionBatchTests
{
    /// <summary>An evaluator that holds each check until released and records the peak concurrency.</summary>
    private sealed class GatedEvaluator : IPermissionEvaluator
    {
        private int _running;
        private int _peak;

        public Func<PermissionCheck, Task>? Gate { get; init; }

        private int _cancelled;

        public int Peak => Volatile.Read(ref _peak);

        public int Cancelled => Volatile.Read(ref _cancelled);

        public async Task<PermissionCheckResult> CheckAsync(PermissionCheck check, CancellationToken cancellationToken = default)
        {
            var now = Interlocked.Increment(ref _running);
            int peak;
            while ((peak = Volatile.Read(ref _peak)) < now && Interlocked.CompareExchange(ref _peak, now, peak) != peak)
            {
            }
            try
            {
                if (Gate is not null)
                {
                    try
                    {
                        await Gate(check).WaitAsync(cancellationToken);
                    }
                    catch (OperationCanceledException)
                    {
                        Interlocked.Increment(ref _cancelled);
                        throw;
                    }
                }
                if (check.Verb == "fail")
                {
                    throw new K8sClientException("Boom", K8sErrorCategory.ConnectionError, "connection refused");
                }
                return new PermissionCheckResult { Subject = "x", Verb = check.Verb, Resource = check.Resource ?? "", Allowed = check.Verb == "get", Method = PermissionCheckMethod.LocalRbac, Check = check };
            }
            finally
            {
                Interlocked.Decrement(ref _running);
            }
        }
    }

    private static PermissionCheck Check(int i, string verb = "get") => new() { Verb = verb, Resource = "r" + i };

    [Fact]
    public async Task Concurrency_never_exceeds_the_throttle_limit_and_every_check_is_answered()
    {
        var evaluator = new GatedEvaluator { Gate = _ => Task.Delay(Random.Shared.Next(1, 5)) };
        var checks = Enumerable.Range(0, 200).Select(i => Check(i)).ToList();
        var progress = new List<PermissionBatchProgress>();
        var outcomes = new List<PermissionCheckOutcome>();
        await foreach (var outcome in evaluator.CheckManyAsync(checks, 7, new SynchronousProgress(progress.Add)))
        {
            outcomes.Add(outcome);
        }
        Assert.InRange(evaluator.Peak, 2, 7);
        Assert.Equal(Enumerable.Range(0, 200), outcomes.Select(o => o.Index).Order());
        Assert.All(outcomes, o => Assert.Equal("r" + o.Index, o.Result!.Resource));
        Assert.Equal(200, progress.Count);
        Assert.Equal(new PermissionBatchProgress(200, 200, 0), progress[^1]);
    }

    [Fact]
    public async Task Results_stream_out_as_they_finish_not_in_input_order()
    {
        var slow = new TaskCompletionSource();
        var evaluator = new GatedEvaluator { Gate = c => c.Resource == "r0" ? slow.Task : Task.CompletedTask };
        var seen = new List<int>();
        await foreach (var outcome in evaluator.CheckManyAsync(Enumerable.Range(0, 5).Select(i => Check(i)), 5))
        {
            seen.Add(outcome.Index);
            if (seen.Count == 4)
            {
                // Four answers arrived while the first check is still running.
                Assert.DoesNotContain(0, seen);
                slow.SetResult();
            }
        }
        Assert.Equal(0, seen[^1]);
    }

    [Fact]
    public async Task The_input_is_read_lazily_so_the_first_answer_comes_before_the_input_ends()
    {
        var inputDone = new TaskCompletionSource();
        async IAsyncEnumerable<PermissionCheck> Input()
        {
            yield return Check(0);
            await inputDone.Task;
            yield return Check(1);
        }
        var evaluator = new GatedEvaluator();
        var indexes = new List<int>();
        await foreach (var outcome in evaluator.CheckManyAsync(Input(), 4))
        {
            indexes.Add(outcome.Index);
            inputDone.TrySetResult();
        }
        Assert.Equal([0, 1], indexes);
    }

    [Fact]
    public async Task A_failing_check_is_an_outcome_and_the_others_go_on()
    {
        var evaluator = new GatedEvaluator();
        var checks = new[] { Check(0), Check(1, "fail"), Check(2, "list") };
        var progress = new List<PermissionBatchProgress>();
        var outcomes = new List<PermissionCheckOutcome>();
        await foreach (var o in evaluator.CheckManyAsync(checks, 2, new SynchronousProgress(progress.Add)))
        {
            outcomes.Add(o);
        }
        var failed = Assert.Single(outcomes, o => o.Error is not null);
        Assert.Equal((1, "Boom"), (failed.Index, failed.Error!.ErrorId));
        Assert.Null(failed.Result);
        Assert.False(outcomes.Single(o => o.Index == 2).Result!.Allowed);
        Assert.Equal(1, progress[^1].Failed);
    }

    [Fact]
    public async Task Stopping_early_cancels_the_checks_in_flight()
    {
        var never = new TaskCompletionSource();
        var evaluator = new GatedEvaluator { Gate = c => c.Resource == "r0" ? Task.CompletedTask : never.Task };
        await foreach (var outcome in evaluator.CheckManyAsync(Enumerable.Range(0, 4).Select(i => Check(i)), 4))
        {
            Assert.Equal(0, outcome.Index);
            break;
        }
        // Leaving the loop waited for the three checks still in flight, which saw the cancellation.
        Assert.Equal(3, evaluator.Cancelled);
    }

    [Fact]
    public async Task Throttle_limit_below_one_is_an_argument_error()
    {
        var error = await Assert.ThrowsAsync<K8sClientException>(async () =>
        {
            await foreach (var _ in new GatedEvaluator().CheckManyAsync([Check(0)], 0))
            {
            }
        });
        Assert.Equal("InvalidThrottleLimit", error.ErrorId);
    }

    private sealed class SynchronousProgress(Action<PermissionBatchProgress> report) : IProgress<PermissionBatchProgress>
    {
        public void Report(PermissionBatchProgress value) => report(value);
    }
}
