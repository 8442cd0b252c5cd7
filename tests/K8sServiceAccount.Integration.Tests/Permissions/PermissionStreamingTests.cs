using System.Diagnostics;
using K8sServiceAccount.Client;
using K8sServiceAccount.Client.Permissions;
using K8sServiceAccount.LocalApiServer.Faults;

namespace K8sServiceAccount.Integration.Tests.Permissions;

/// <summary>
/// Test-K8sPermission's streaming batch against the local API server, with injected latency: checks pushed as rows
/// arrive are answered before the input ends, never more than the throttle limit at once, a check that cannot run is an
/// error outcome among answers, and cancelling ends the requests in flight. A server of its own, since the latency is
/// changed for the whole server.
/// </summary>
public sealed class PermissionStreamingTests(PermissionsServer server) : IClassFixture<PermissionsServer>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>Counts the checks in flight around the real checker.</summary>
    private sealed class CountingEvaluator(IPermissionEvaluator inner) : IPermissionEvaluator
    {
        private int running;
        private int peak;

        public int Peak => Volatile.Read(ref peak);

        public async Task<PermissionCheckResult> CheckAsync(PermissionCheck check, CancellationToken cancellationToken = default)
        {
            var now = Interlocked.Increment(ref running);
            int seen;
            while ((seen = Volatile.Read(ref peak)) < now && Interlocked.CompareExchange(ref peak, now, seen) != seen)
            {
            }
            try
            {
                return await inner.CheckAsync(check, cancellationToken);
            }
            finally
            {
                Interlocked.Decrement(ref running);
            }
        }
    }

    [Fact]
    public async Task Rows_from_a_slow_producer_are_answered_while_it_produces_and_a_check_that_cannot_run_is_an_error_row()
    {
        // "nobody" may ask about itself (SelfSubjectAccessReview) but not about a ServiceAccount (SubjectAccessReview and
        // impersonation are both forbidden): those rows cannot run.
        var nobody = server.ConnectAs("stream-nobody", "stream-devs");
        var evaluator = new CountingEvaluator(new PermissionChecker(nobody));
        server.Host.Faults.Settings = new FaultSettings { LatencyMilliseconds = 30 };
        try
        {
            await using var batch = new PermissionBatch(evaluator, 3);
            var producerDone = new TaskCompletionSource();
            var producer = Task.Run(async () =>
            {
                for (var i = 0; i < 12; i++)
                {
                    var subject = i % 4 == 3 ? PermissionSubject.ServiceAccount("default", "sample-sa") : PermissionSubject.Self;
                    await batch.AddAsync(new PermissionCheck { Verb = i % 2 == 0 ? "create" : "get", Resource = i % 2 == 0 ? "selfsubjectaccessreviews.authorization.k8s.io" : "secrets", Namespace = "default", Subject = subject });
                    Assert.InRange(batch.InFlight, 0, batch.Window);
                    await Task.Delay(15);
                }
                producerDone.SetResult();
                batch.Complete();
            });

            var outcomes = new List<PermissionCheckOutcome>();
            var beforeInputEnded = 0;
            using var deadline = new CancellationTokenSource(Patience);
            await foreach (var outcome in batch.TakeAllAsync(deadline.Token))
            {
                outcomes.Add(outcome);
                beforeInputEnded += producerDone.Task.IsCompleted ? 0 : 1;
            }
            await producer;

            Assert.Equal(Enumerable.Range(0, 12), outcomes.Select(o => o.Index).Order());
            Assert.True(beforeInputEnded > 0, "no answer arrived before the input ended");
            Assert.InRange(evaluator.Peak, 1, 3);
            var errors = outcomes.Where(o => o.Error is not null).ToList();
            Assert.Equal([3, 7, 11], errors.Select(o => o.Index).Order());
            Assert.All(errors, e => Assert.Equal(PermissionErrors.CheckForbidden, e.Error!.ErrorId));
            var answers = outcomes.Where(o => o.Result is not null).ToList();
            Assert.All(answers, a => Assert.Equal(a.Check.Verb == "create", a.Result!.Allowed));
        }
        finally
        {
            server.Host.Faults.Settings = FaultSettings.None;
        }
    }

    [Fact]
    public async Task Cancelling_ends_the_requests_in_flight_and_the_held_back_row_at_once()
    {
        var checker = new PermissionChecker(server.Admin);
        server.Host.Faults.Settings = new FaultSettings { LatencyMilliseconds = 20_000 };
        try
        {
            using var stop = new CancellationTokenSource();
            await using var batch = new PermissionBatch(checker, 2, cancellationToken: stop.Token);
            var check = new PermissionCheck { Verb = "get", Resource = "pods", Namespace = "default" };
            await batch.AddAsync(check);
            await batch.AddAsync(check);
            var held = batch.AddAsync(check).AsTask();
            var clock = Stopwatch.StartNew();

            stop.CancelAfter(100);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => held.WaitAsync(Patience));
            batch.Complete();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => batch.Completion.WaitAsync(Patience));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
            Assert.False(batch.TryTake(out _));
        }
        finally
        {
            server.Host.Faults.Settings = FaultSettings.None;
        }
    }
}
