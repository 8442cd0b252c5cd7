using K8sServiceAccount.Client;
using K8sServiceAccount.Client.Permissions;
using K8sServiceAccount.Internal;

namespace K8sServiceAccount.Module.Tests;

/// <summary>
/// Test-K8sPermission's streaming on the pipeline thread, without a runspace: each row is added to a
/// <see cref="PermissionBatch"/> and the thread waits in <see cref="PipelineLog.RunAndDrain(Task, Action{LogLine}, Action?)"/>
/// (as K8sClusterCmdlet.WaitAndDrain does) while the outcomes that finish are written on it, in input order as
/// Test-K8sPermission asks the batch for them.
/// </summary>
public class PermissionStreamingTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    /// <summary>Answers after the delay its check names (Resource "r&lt;index&gt;", Name = delay in ms), tracking concurrency.</summary>
    private sealed class DelayEvaluator : IPermissionEvaluator
    {
        private int running;
        private int peak;

        public int Peak => Volatile.Read(ref peak);

        /// <summary>Awaited before a check's delay: lets a test hold a check until others have started, not for a time.</summary>
        public Func<PermissionCheck, Task>? Hold { get; init; }

        public async Task<PermissionCheckResult> CheckAsync(PermissionCheck check, CancellationToken cancellationToken = default)
        {
            var now = Interlocked.Increment(ref running);
            int seen;
            while ((seen = Volatile.Read(ref peak)) < now && Interlocked.CompareExchange(ref peak, now, seen) != seen)
            {
            }
            try
            {
                if (Hold is not null)
                {
                    await Hold(check);
                }
                await Task.Delay(int.Parse(check.Name!), cancellationToken);
                if (check.Verb == "fail")
                {
                    throw new K8sClientException("KubernetesHttp500", K8sErrorCategory.ResourceUnavailable, "etcd timeout");
                }
                return new PermissionCheckResult { Subject = "x", Verb = check.Verb, Resource = check.Resource!, Allowed = check.Verb == "get", Method = PermissionCheckMethod.SubjectAccessReview, Check = check };
            }
            finally
            {
                Interlocked.Decrement(ref running);
            }
        }
    }

    private static PermissionCheck Row(int i, int delayMs, string verb = "get") => new() { Verb = verb, Resource = "r" + i, Name = delayMs.ToString() };

    [Fact]
    public void RowsAreCheckedWhileTheInputIsReadAndResultsAreWrittenOnThePipelineThreadBetweenRows()
    {
        PipelineThread.Run(() =>
        {
            var log = new PipelineLog();
            var evaluator = new DelayEvaluator();
            var batch = new PermissionBatch(evaluator, 3, log.Wake);
            var pipelineThread = Environment.CurrentManagedThreadId;
            var written = new List<(int Index, int WrittenDuringRow)>();
            var row = 0;
            void WriteOutcomes()
            {
                Assert.Equal(pipelineThread, Environment.CurrentManagedThreadId);
                while (batch.TryTake(out var outcome))
                {
                    written.Add((outcome.Index, row));
                }
            }

            // ProcessRecord per row: a slow producer (5 ms between rows) feeding 20 checks of 1-30 ms.
            for (row = 0; row < 20; row++)
            {
                PipelineAdmission.Add(batch, Row(row, 1 + (row * 7 % 30)), WriteOutcomes, (task, drain) => log.RunAndDrain(task, _ => { }, drain));
                Assert.InRange(batch.InFlight, 0, batch.Window);
                Thread.Sleep(5);
            }

            // EndProcessing: the rest.
            var endedAt = row;
            batch.Complete();
            log.RunAndDrain(batch.Completion, _ => { }, WriteOutcomes);

            Assert.Equal(Enumerable.Range(0, 20), written.Select(w => w.Index).Order());
            Assert.Contains(written, w => w.WrittenDuringRow < endedAt);
            Assert.InRange(evaluator.Peak, 1, 3);
            Assert.Equal(0, batch.InFlight);
        });
    }

    [Fact]
    public void AFullBatchHoldsTheRowBackUntilAResultIsWrittenThenStartsIt()
    {
        PipelineThread.Run(() =>
        {
            var log = new PipelineLog();
            var batch = new PermissionBatch(new DelayEvaluator(), 2, log.Wake);
            for (var i = 0; i < 2; i++)
            {
                Assert.True(batch.AddAsync(Row(i, 200)).IsCompletedSuccessfully);
            }

            var taken = 0;
            PipelineAdmission.Add(batch, Row(2, 1), () =>
            {
                // Until a result is written here, the third row cannot start.
                if (taken == 0)
                {
                    Assert.Equal(2, batch.Added);
                }
                while (batch.TryTake(out _))
                {
                    taken++;
                }
            }, (task, drain) => log.RunAndDrain(task, _ => { }, drain));

            Assert.True(taken >= 1);
            Assert.Equal(3, batch.Added);
            batch.Complete();
            log.RunAndDrain(batch.Completion, _ => { }, () =>
            {
                while (batch.TryTake(out _))
                {
                    taken++;
                }
            });
            Assert.Equal(3, taken);
        });
    }

    [Fact]
    public void ErrorsAndAnswersKeepInputOrderAndTheSlowRowHoldsBackTheResultsNotTheChecks()
    {
        PipelineThread.Run(() =>
        {
            // The first row is the slowest: it runs until the sixth has started (or Patience has passed, and the test fails).
            // A fixed delay for it failed under load: when the pool ran late, its timer fired in the same tick as the
            // others' and its outcome was written before the fifth row had been added.
            var lastStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var firstReleasedBySixth = false;
            var evaluator = new DelayEvaluator
            {
                Hold = async check =>
                {
                    if (check.Resource == "r5")
                    {
                        lastStarted.TrySetResult();
                    }
                    else if (check.Resource == "r0")
                    {
                        firstReleasedBySixth = await Task.WhenAny(lastStarted.Task, Task.Delay(Patience)) == lastStarted.Task;
                    }
                },
            };
            var log = new PipelineLog();
            var batch = new PermissionBatch(evaluator, 4, log.Wake, inputOrder: true);
            var written = new List<string>();
            var addedWhenFirstWritten = -1;
            void WriteOutcomes()
            {
                while (batch.TryTake(out var outcome))
                {
                    if (addedWhenFirstWritten < 0)
                    {
                        addedWhenFirstWritten = batch.Added;
                    }
                    written.Add(outcome.Error is not null ? outcome.Error.ErrorId : outcome.Result!.Allowed.ToString());
                }
            }

            // Every later outcome waits for the first row, but not the later checks: a slot is free as soon as its check
            // has finished, so the fifth and sixth rows start while the first still runs (within the window of 4 x 4 rows
            // held); then all come out in order.
            PermissionCheck[] rows = [Row(0, 1), Row(1, 1, "list"), Row(2, 5, "fail"), Row(3, 1), Row(4, 10, "delete"), Row(5, 1)];
            foreach (var row in rows)
            {
                PipelineAdmission.Add(batch, row, WriteOutcomes, (task, drain) => log.RunAndDrain(task, _ => { }, drain));
            }
            batch.Complete();
            log.RunAndDrain(batch.Completion, _ => { }, WriteOutcomes);

            Assert.True(firstReleasedBySixth, "the sixth row started while the first was still running");
            Assert.Equal(["True", "False", "KubernetesHttp500", "True", "False", "True"], written);
            Assert.Equal(6, addedWhenFirstWritten);
        });
    }

    [Fact]
    public void CtrlCCancelsTheChecksInFlightAndEndsTheWaitOfAHeldBackRow()
    {
        var log = new PipelineLog();
        using var stop = new CancellationTokenSource();
        var batch = new PermissionBatch(new DelayEvaluator(), 1, log.Wake, stop.Token);
        Assert.True(batch.AddAsync(Row(0, 60_000)).IsCompletedSuccessfully);
        stop.CancelAfter(20);

        // The held-back row's wait ends with the cancellation, though no outcome ever arrives to wake it.
        PipelineThread.Run(() => Assert.ThrowsAny<OperationCanceledException>(() =>
            PipelineAdmission.Add(batch, Row(1, 1), () => { }, (task, drain) => log.RunAndDrain(task, _ => { }, drain))));
        batch.Complete();
        Assert.True(SpinWait.SpinUntil(() => batch.Completion.IsCompleted, Patience), "the check in flight ended");
        Assert.True(batch.Completion.IsCanceled);
    }

    [Fact]
    public void ARowAddedAfterCtrlCEndsThroughThePipelineWaitLikeAHeldBackRow()
    {
        // Ctrl+C pressed between two rows (or before the first): the batch is already cancelled when the row arrives.
        // WaitAndDrain turns the cancellation into PipelineStoppedException; a row that found the batch stopped must end
        // through it too, not with a bare OperationCanceledException that PowerShell reports as an error.
        var log = new PipelineLog();
        using var stop = new CancellationTokenSource();
        stop.Cancel();
        var batch = new PermissionBatch(new DelayEvaluator(), 2, log.Wake, stop.Token);

        PipelineThread.Run(() => Assert.Throws<PipelineStopStandIn>(() =>
            PipelineAdmission.Add(batch, Row(0, 1), () => { }, (task, drain) =>
            {
                try
                {
                    log.RunAndDrain(task, _ => { }, drain);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    throw new PipelineStopStandIn();
                }
            })));
        Assert.Equal(0, batch.Added);
    }

    // Stands for the PipelineStoppedException that K8sClusterCmdlet.WaitAndDrain throws for Ctrl+C (these tests do not load
    // System.Management.Automation).
    private sealed class PipelineStopStandIn : Exception;

    [Fact]
    public void AWaitOnAFinishedTaskWritesWhatIsQueuedAndReturnsAtOnce()
    {
        var log = new PipelineLog();
        var pipelineThread = Environment.CurrentManagedThreadId;
        log.Enqueue(LogLevel.Verbose, "POST subjectaccessreviews");
        var seen = new List<string>();
        log.RunAndDrain(Task.CompletedTask, line => seen.Add(line.Message), () =>
        {
            Assert.Equal(pipelineThread, Environment.CurrentManagedThreadId);
            seen.Add("items");
        });
        Assert.Equal(["POST subjectaccessreviews", "items"], seen);

        var failed = Task.FromException(new InvalidOperationException("boom"));
        Assert.Equal("boom", Assert.Throws<InvalidOperationException>(() => log.RunAndDrain(failed, _ => { }, null)).Message);
    }
}
