using System.Collections.Concurrent;
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

    // The streaming batch itself: a producer pushes checks as rows arrive and a consumer takes outcomes as they finish.

    /// <summary>Holds every check until the test releases it by resource name.</summary>
    private sealed class ManualEvaluator : IPermissionEvaluator
    {
        private readonly ConcurrentDictionary<string, TaskCompletionSource> _gates = new();
        private int _running;
        private int _cancelled;

        public int Running => Volatile.Read(ref _running);

        public int Cancelled => Volatile.Read(ref _cancelled);

        public void Release(int i) => Gate("r" + i).TrySetResult();

        public void Fail(int i, Exception error) => Gate("r" + i).TrySetException(error);

        public async Task<PermissionCheckResult> CheckAsync(PermissionCheck check, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _running);
            try
            {
                await Gate(check.Resource!).Task.WaitAsync(cancellationToken);
                return new PermissionCheckResult { Subject = "x", Verb = check.Verb, Resource = check.Resource!, Allowed = true, Method = PermissionCheckMethod.LocalRbac, Check = check };
            }
            catch (OperationCanceledException)
            {
                Interlocked.Increment(ref _cancelled);
                throw;
            }
            finally
            {
                Interlocked.Decrement(ref _running);
            }
        }

        private TaskCompletionSource Gate(string resource) => _gates.GetOrAdd(resource, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
    }

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private static async Task<PermissionCheckOutcome> TakeAsync(PermissionBatch batch)
    {
        var deadline = DateTime.UtcNow + Patience;
        PermissionCheckOutcome? outcome;
        while (!batch.TryTake(out outcome))
        {
            Assert.True(DateTime.UtcNow < deadline, "no outcome arrived");
            await Task.Delay(1);
        }
        return outcome;
    }

    [Fact]
    public async Task A_pushed_check_starts_at_once_and_its_outcome_is_ready_before_the_input_ends()
    {
        var evaluator = new ManualEvaluator();
        var available = 0;
        await using var batch = new PermissionBatch(evaluator, 4, () => Interlocked.Increment(ref available));

        Assert.Equal(0, await batch.AddAsync(Check(0)));
        Assert.Equal(1, await batch.AddAsync(Check(1)));
        Assert.Equal(2, evaluator.Running);
        evaluator.Release(1);

        var first = await TakeAsync(batch);
        Assert.Equal((1, "r1"), (first.Index, first.Result!.Resource));
        Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref available) == 1, Patience));
        Assert.False(batch.Completion.IsCompleted);

        evaluator.Release(0);
        batch.Complete();
        await batch.Completion.WaitAsync(Patience);
        Assert.Equal(0, (await TakeAsync(batch)).Index);
        Assert.Equal(0, batch.InFlight);
    }

    [Fact]
    public async Task TryAdd_starts_a_check_only_into_a_free_slot_and_wakes_its_caller_when_the_batch_stops()
    {
        var evaluator = new ManualEvaluator();
        var wakes = 0;
        using var stop = new CancellationTokenSource();
        await using var batch = new PermissionBatch(evaluator, 1, () => Interlocked.Increment(ref wakes), stop.Token);

        Assert.True(batch.TryAdd(Check(0), out var first));
        Assert.Equal(0, first);
        Assert.False(batch.TryAdd(Check(1), out var refused));
        Assert.Equal((-1, 1, 1), (refused, batch.Added, evaluator.Running));

        evaluator.Release(0);
        Assert.True(SpinWait.SpinUntil(() => evaluator.Running == 0, Patience));
        Assert.True(SpinWait.SpinUntil(() => batch.TryAdd(Check(1), out _), Patience), "the finished check's slot was not freed");
        var second = batch.Added - 1;
        Assert.Equal(1, second);

        // Cancelling wakes a caller that waits to add, which then learns of it from TryAdd.
        var before = Volatile.Read(ref wakes);
        stop.Cancel();
        Assert.True(Volatile.Read(ref wakes) > before, "cancelling the batch did not wake its consumer");
        Assert.ThrowsAny<OperationCanceledException>(() => batch.TryAdd(Check(2), out _));
    }

    [Fact]
    public async Task TryAdd_after_Complete_is_refused()
    {
        await using var batch = new PermissionBatch(new ManualEvaluator(), 1);
        batch.Complete();
        Assert.Throws<InvalidOperationException>(() => batch.TryAdd(Check(0), out _));
    }

    [Fact]
    public async Task A_producer_waits_while_the_limit_runs_and_a_slot_frees_when_a_check_finishes()
    {
        var evaluator = new ManualEvaluator();
        await using var batch = new PermissionBatch(evaluator, 2);
        Assert.Equal(8, batch.Window);
        await batch.AddAsync(Check(0));
        await batch.AddAsync(Check(1));

        var third = batch.AddAsync(Check(2)).AsTask();
        Assert.False(third.IsCompleted);
        Assert.Equal(2, evaluator.Running);

        // A finished check frees its slot at once, though its outcome is not read yet: the next check starts.
        evaluator.Release(0);
        Assert.Equal(2, await third.WaitAsync(Patience));
        Assert.Equal(2, evaluator.Running);
        Assert.Equal(3, batch.InFlight);

        Assert.Equal(0, (await TakeAsync(batch)).Index);
        Assert.Equal(2, batch.InFlight);
        evaluator.Release(1);
        evaluator.Release(2);
        batch.Complete();
        await batch.Completion.WaitAsync(Patience);
    }

    [Fact]
    public async Task In_input_order_a_slow_check_holds_back_the_outcomes_after_it_but_not_the_checks()
    {
        var evaluator = new ManualEvaluator();
        await using var batch = new PermissionBatch(evaluator, 3, inputOrder: true);
        for (var i = 0; i < 3; i++)
        {
            await batch.AddAsync(Check(i));
        }

        // Checks 1 and 2 finish, but 0 has not: nothing can be taken, yet their slots are free, so 3 and 4 start.
        evaluator.Release(1);
        evaluator.Release(2);
        Assert.Equal(3, await batch.AddAsync(Check(3)).AsTask().WaitAsync(Patience));
        Assert.Equal(4, await batch.AddAsync(Check(4)).AsTask().WaitAsync(Patience));
        Assert.False(batch.TryTake(out _));
        Assert.Equal(3, evaluator.Running);
        Assert.Equal(5, batch.InFlight);

        evaluator.Release(0);
        Assert.Equal(0, (await TakeAsync(batch)).Index);
        Assert.Equal(1, (await TakeAsync(batch)).Index);
        Assert.Equal(2, (await TakeAsync(batch)).Index);
        Assert.False(batch.TryTake(out _));

        evaluator.Release(3);
        evaluator.Release(4);
        Assert.Equal(3, (await TakeAsync(batch)).Index);
        Assert.Equal(4, (await TakeAsync(batch)).Index);
        batch.Complete();
        await batch.Completion.WaitAsync(Patience);
    }

    [Fact]
    public async Task In_input_order_the_checks_run_ahead_of_a_slow_one_only_as_far_as_the_window()
    {
        var evaluator = new ManualEvaluator();
        await using var batch = new PermissionBatch(evaluator, 2, inputOrder: true);
        Assert.Equal(8, batch.Window);
        await batch.AddAsync(Check(0));
        for (var i = 1; i < 8; i++)
        {
            var added = batch.AddAsync(Check(i)).AsTask();
            evaluator.Release(i);
            Assert.Equal(i, await added.WaitAsync(Patience));
        }

        // Eight rows held (0 running, 1-7 done and waiting for it): the ninth waits for the window, not for a slot.
        var ninth = batch.AddAsync(Check(8)).AsTask();
        await Task.Delay(50);
        Assert.False(ninth.IsCompleted);
        Assert.True(evaluator.Running <= 1);
        Assert.Equal(8, batch.InFlight);

        evaluator.Release(0);
        Assert.Equal(0, (await TakeAsync(batch)).Index);
        Assert.Equal(8, await ninth.WaitAsync(Patience));
        evaluator.Release(8);
        for (var i = 1; i <= 8; i++)
        {
            Assert.Equal(i, (await TakeAsync(batch)).Index);
        }
        batch.Complete();
        await batch.Completion.WaitAsync(Patience);
    }

    [Fact]
    public async Task In_input_order_outcomes_and_errors_come_in_the_order_added_while_checks_finish_in_any_order()
    {
        var evaluator = new GatedEvaluator { Gate = _ => Task.Delay(Random.Shared.Next(0, 8)) };
        await using var batch = new PermissionBatch(evaluator, 8, inputOrder: true);
        var producer = Task.Run(async () =>
        {
            for (var i = 0; i < 300; i++)
            {
                await batch.AddAsync(Check(i, i % 7 == 3 ? "fail" : "get"));
            }
            batch.Complete();
        });

        var outcomes = new List<PermissionCheckOutcome>();
        await foreach (var outcome in batch.TakeAllAsync())
        {
            outcomes.Add(outcome);
        }
        await producer;

        Assert.Equal(Enumerable.Range(0, 300), outcomes.Select(o => o.Index));
        Assert.All(outcomes, o => Assert.Equal(o.Index % 7 == 3, o.Error is not null));
        Assert.InRange(evaluator.Peak, 2, 8);
    }

    [Fact]
    public void InputOrder_writes_each_value_once_every_earlier_position_has_arrived()
    {
        var order = new InputOrder<string>();
        var written = new List<string>();
        Assert.Equal(0, order.Add(2, "c", written.Add));
        Assert.Equal(0, order.Add(1, "b", written.Add));
        Assert.Empty(written);
        Assert.Equal(2, order.Waiting);

        Assert.Equal(3, order.Add(0, "a", written.Add));
        Assert.Equal(["a", "b", "c"], written);
        Assert.Equal(1, order.Add(3, "d", written.Add));
        Assert.Equal(["a", "b", "c", "d"], written);
        Assert.Equal(0, order.Waiting);

        Assert.Throws<InvalidOperationException>(() => order.Add(1, "again", written.Add));
    }

    [Fact]
    public async Task A_fast_producer_and_a_slow_consumer_never_have_more_than_the_window_in_memory()
    {
        var evaluator = new GatedEvaluator { Gate = _ => Task.Delay(Random.Shared.Next(0, 3)) };
        await using var batch = new PermissionBatch(evaluator, 5);
        var peakInFlight = 0;
        var producer = Task.Run(async () =>
        {
            for (var i = 0; i < 300; i++)
            {
                await batch.AddAsync(Check(i));
                peakInFlight = Math.Max(peakInFlight, batch.InFlight);
            }
            batch.Complete();
        });

        var indexes = new List<int>();
        await foreach (var outcome in batch.TakeAllAsync())
        {
            indexes.Add(outcome.Index);
            if (indexes.Count % 50 == 0)
            {
                await Task.Delay(20);
            }
        }
        await producer;

        Assert.Equal(Enumerable.Range(0, 300), indexes.Order());
        Assert.InRange(evaluator.Peak, 1, 5);
        Assert.InRange(peakInFlight, 1, batch.Window);
        Assert.True(batch.Completion.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task An_evaluator_that_answers_synchronously_gives_its_outcome_before_the_add_returns()
    {
        // Local evaluation (a snapshot, -Policy): each row is answered on the adding thread, in input order, with no hand-off.
        var evaluator = new GatedEvaluator();
        await using var batch = new PermissionBatch(evaluator, 1);
        for (var i = 0; i < 3; i++)
        {
            var adding = batch.AddAsync(Check(i));
            Assert.True(adding.IsCompletedSuccessfully);
            Assert.True(batch.TryTake(out var outcome));
            Assert.Equal(i, outcome.Index);
        }
        batch.Complete();
        Assert.True(batch.Completion.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task A_check_that_cannot_run_is_an_error_outcome_and_the_batch_goes_on()
    {
        var evaluator = new ManualEvaluator();
        await using var batch = new PermissionBatch(evaluator, 3);
        for (var i = 0; i < 3; i++)
        {
            await batch.AddAsync(Check(i));
        }
        evaluator.Fail(1, new K8sClientException("KubernetesHttp500", K8sErrorCategory.ResourceUnavailable, "etcd timeout"));
        evaluator.Release(0);
        evaluator.Release(2);
        batch.Complete();

        var outcomes = new List<PermissionCheckOutcome>();
        await foreach (var outcome in batch.TakeAllAsync())
        {
            outcomes.Add(outcome);
        }
        var failed = Assert.Single(outcomes, o => o.Error is not null);
        Assert.Equal((1, "KubernetesHttp500"), (failed.Index, failed.Error!.ErrorId));
        Assert.Equal([0, 2], outcomes.Where(o => o.Result is not null).Select(o => o.Index).Order());
        Assert.True(batch.Completion.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task Cancelling_stops_the_checks_in_flight_and_the_waiting_producer()
    {
        var evaluator = new ManualEvaluator();
        using var stop = new CancellationTokenSource();
        await using var batch = new PermissionBatch(evaluator, 2, cancellationToken: stop.Token);
        await batch.AddAsync(Check(0));
        await batch.AddAsync(Check(1));
        var waiting = batch.AddAsync(Check(2)).AsTask();

        stop.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(Patience));
        batch.Complete();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => batch.Completion.WaitAsync(Patience));
        Assert.Equal(2, evaluator.Cancelled);
        Assert.False(batch.TryTake(out _));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => batch.AddAsync(Check(3)).AsTask());
    }

    [Fact]
    public async Task An_unexpected_failure_fails_the_batch_and_cancels_the_other_checks()
    {
        var evaluator = new ManualEvaluator();
        await using var batch = new PermissionBatch(evaluator, 2);
        await batch.AddAsync(Check(0));
        await batch.AddAsync(Check(1));
        var waiting = batch.AddAsync(Check(2)).AsTask();

        evaluator.Fail(0, new InvalidOperationException("bug"));
        Assert.Equal("bug", (await Assert.ThrowsAsync<InvalidOperationException>(() => waiting.WaitAsync(Patience))).Message);
        batch.Complete();
        await Assert.ThrowsAsync<InvalidOperationException>(() => batch.Completion.WaitAsync(Patience));
        Assert.Equal(1, evaluator.Cancelled);
        await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await foreach (var _ in batch.TakeAllAsync())
            {
            }
        });
    }

    [Fact]
    public async Task A_failed_input_ends_the_batch_with_its_error_after_the_outcomes_in_flight()
    {
        var evaluator = new ManualEvaluator();
        await using var batch = new PermissionBatch(evaluator, 2);
        await batch.AddAsync(Check(0));
        batch.Complete(new IOException("checks.csv: unexpected end of file"));
        Assert.False(batch.Completion.IsCompleted);
        evaluator.Release(0);

        var indexes = new List<int>();
        var error = await Assert.ThrowsAsync<IOException>(async () =>
        {
            await foreach (var outcome in batch.TakeAllAsync())
            {
                indexes.Add(outcome.Index);
            }
        });
        Assert.Equal([0], indexes);
        Assert.Contains("checks.csv", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Adding_after_complete_is_refused()
    {
        await using var batch = new PermissionBatch(new GatedEvaluator(), 1);
        batch.Complete();
        var adding = batch.AddAsync(Check(0));
        Assert.True(adding.IsFaulted);
        await Assert.ThrowsAsync<InvalidOperationException>(() => adding.AsTask());
        Assert.True(batch.Completion.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task Disposing_cancels_what_still_runs()
    {
        var evaluator = new ManualEvaluator();
        var batch = new PermissionBatch(evaluator, 3);
        await batch.AddAsync(Check(0));
        await batch.AddAsync(Check(1));
        await batch.DisposeAsync().AsTask().WaitAsync(Patience);
        Assert.Equal(2, evaluator.Cancelled);
        Assert.True(batch.Completion.IsCanceled);
    }

    [Fact]
    public async Task A_failing_input_sequence_surfaces_after_the_checks_it_gave()
    {
        async IAsyncEnumerable<PermissionCheck> Input()
        {
            yield return Check(0);
            await Task.Yield();
            throw new IOException("read error");
        }
        var indexes = new List<int>();
        await Assert.ThrowsAsync<IOException>(async () =>
        {
            await foreach (var outcome in new GatedEvaluator().CheckManyAsync(Input(), 2))
            {
                indexes.Add(outcome.Index);
            }
        });
        Assert.Equal([0], indexes);
    }

    private sealed class SynchronousProgress(Action<PermissionBatchProgress> report) : IProgress<PermissionBatchProgress>
    {
        public void Report(PermissionBatchProgress value) => report(value);
    }
}
