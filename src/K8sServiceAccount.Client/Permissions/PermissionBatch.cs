using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace K8sServiceAccount.Client.Permissions;

/// <summary>The end of one check in a batch: a result, or the error that kept it from running.</summary>
/// <param name="Index">Position of the check in the input (0-based).</param>
/// <param name="Check">The check.</param>
/// <param name="Result">The answer; null when <paramref name="Error"/> is set.</param>
/// <param name="Error">Why the check could not run (the other checks go on).</param>
public sealed record PermissionCheckOutcome(int Index, PermissionCheck Check, PermissionCheckResult? Result, K8sClientException? Error);

/// <summary>Progress of a batch: checks finished and, when the input's size is known, the total.</summary>
public readonly record struct PermissionBatchProgress(int Completed, int? Total, int Failed);

/// <summary>
/// Runs many checks concurrently with a bound and yields each outcome as soon as it is known (completion order, not input
/// order; <see cref="PermissionCheckOutcome.Index"/> tells the input position). The input is read lazily, so a pipeline
/// of checks starts being answered before it ends; at most <c>throttleLimit</c> checks are in flight at any time.
/// </summary>
public static class PermissionBatch
{
    /// <summary>Runs <paramref name="checks"/> (size known: progress has a total).</summary>
    public static IAsyncEnumerable<PermissionCheckOutcome> CheckManyAsync(
        this IPermissionEvaluator evaluator,
        IEnumerable<PermissionCheck> checks,
        int throttleLimit,
        IProgress<PermissionBatchProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(checks);
        int? total = checks.TryGetNonEnumeratedCount(out var count) ? count : null;
        return RunAsync(evaluator, ToAsync(checks), total, throttleLimit, progress, cancellationToken);
    }

    /// <summary>Runs <paramref name="checks"/> as they arrive (size unknown).</summary>
    public static IAsyncEnumerable<PermissionCheckOutcome> CheckManyAsync(
        this IPermissionEvaluator evaluator,
        IAsyncEnumerable<PermissionCheck> checks,
        int throttleLimit,
        IProgress<PermissionBatchProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(checks);
        return RunAsync(evaluator, checks, null, throttleLimit, progress, cancellationToken);
    }

    private static async IAsyncEnumerable<PermissionCheckOutcome> RunAsync(
        IPermissionEvaluator evaluator,
        IAsyncEnumerable<PermissionCheck> checks,
        int? total,
        int throttleLimit,
        IProgress<PermissionBatchProgress>? progress,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(evaluator);
        if (throttleLimit < 1)
        {
            throw PermissionErrors.InvalidArgument("ThrottleLimit", $"ThrottleLimit must be at least 1 (it was {throttleLimit}).");
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var outcomes = Channel.CreateUnbounded<PermissionCheckOutcome>(new UnboundedChannelOptions { SingleReader = true });
        var producer = ProduceAsync(evaluator, checks, throttleLimit, outcomes.Writer, stop.Token);
        var completed = 0;
        var failed = 0;
        try
        {
            await foreach (var outcome in outcomes.Reader.ReadAllAsync(stop.Token).ConfigureAwait(false))
            {
                completed++;
                if (outcome.Error is not null)
                {
                    failed++;
                }
                progress?.Report(new PermissionBatchProgress(completed, total, failed));
                yield return outcome;
            }
        }
        finally
        {
            // Normal end: the producer is done. Early end or failure: cancel the checks still running and wait for them;
            // a failure of the input itself was passed through the channel and is rethrown by the read above.
            stop.Cancel();
            try
            {
                await producer.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    private static async Task ProduceAsync(
        IPermissionEvaluator evaluator,
        IAsyncEnumerable<PermissionCheck> checks,
        int throttleLimit,
        ChannelWriter<PermissionCheckOutcome> writer,
        CancellationToken cancellationToken)
    {
        using var slots = new SemaphoreSlim(throttleLimit, throttleLimit);
        var running = new List<Task>();
        Exception? failure = null;
        try
        {
            var index = 0;
            await foreach (var check in checks.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
                running.RemoveAll(t => t.IsCompleted);
                running.Add(RunOneAsync(evaluator, index++, check, slots, writer, cancellationToken));
            }
        }
        catch (Exception ex)
        {
            failure = ex;
        }

        try
        {
            await Task.WhenAll(running).ConfigureAwait(false);
        }
        catch (Exception ex) when (failure is null)
        {
            failure = ex;
        }
        writer.TryComplete(failure);
        if (failure is not null)
        {
            throw failure;
        }
    }

    private static async Task RunOneAsync(
        IPermissionEvaluator evaluator, int index, PermissionCheck check, SemaphoreSlim slots,
        ChannelWriter<PermissionCheckOutcome> writer, CancellationToken cancellationToken)
    {
        try
        {
            PermissionCheckOutcome outcome;
            try
            {
                var result = await evaluator.CheckAsync(check, cancellationToken).ConfigureAwait(false);
                outcome = new PermissionCheckOutcome(index, check, result, null);
            }
            catch (K8sClientException ex)
            {
                outcome = new PermissionCheckOutcome(index, check, null, ex);
            }
            writer.TryWrite(outcome);
        }
        finally
        {
            slots.Release();
        }
    }

    private static async IAsyncEnumerable<PermissionCheck> ToAsync(IEnumerable<PermissionCheck> checks)
    {
        foreach (var check in checks)
        {
            yield return check;
        }
        await Task.CompletedTask.ConfigureAwait(false);
    }
}
