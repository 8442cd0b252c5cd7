using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
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
/// A stream of checks answered concurrently with a bound: the producer adds checks as they arrive
/// (<see cref="AddAsync"/>), each starts at once when a slot is free, and the consumer takes outcomes
/// (<see cref="TryTake"/>, <see cref="TakeAllAsync"/>) as they finish (completion order) or, with <c>inputOrder</c>, in
/// the order the checks were added, each as soon as every earlier one has been taken. At most <see cref="ThrottleLimit"/>
/// checks run at once (a slot is held while a check runs), and at most <see cref="Window"/> checks are added and not yet
/// taken (running, or finished and waiting to be read): a producer faster than the checks, or than the consumer, waits
/// in <see cref="AddAsync"/> instead of queuing, and the memory a long input needs stays bounded. In input order the
/// window is also how far the checks may run ahead of a slow one: its outcome holds back the ones after it, but their
/// slots are free, so the next checks start while it runs (a window of only <see cref="ThrottleLimit"/> made one slow
/// answer stall every slot: 5,000 reviews at 2 ms took 1.7-1.8 s at 16 in flight, against 0.9-1.4 s for a bare
/// HttpClient with the same 16).
/// </summary>
/// <remarks>
/// One producer and one consumer; they may be the same thread (a PowerShell pipeline thread alternates between adding a
/// row and writing the outcomes ready so far, told of new ones by the <c>outcomeAvailable</c> callback). A check that
/// cannot run (a <see cref="K8sClientException"/>) is an outcome with <see cref="PermissionCheckOutcome.Error"/> and the
/// others go on; any other exception fails the batch: the checks in flight are cancelled and
/// <see cref="AddAsync"/>, <see cref="Completion"/> and <see cref="TakeAllAsync"/> rethrow it.
/// </remarks>
public sealed class PermissionBatch : IAsyncDisposable
{
    private readonly IPermissionEvaluator _evaluator;
    private readonly Action? _outcomeAvailable;
    private readonly CancellationToken _callerToken;
    private readonly CancellationTokenSource _stop;
    private readonly CancellationTokenRegistration _wakeOnStop;
    // Running checks (ThrottleLimit) and checks added but not yet taken (Window).
    private readonly SemaphoreSlim _slots;
    private readonly SemaphoreSlim _window;
    private readonly Channel<PermissionCheckOutcome> _outcomes =
        Channel.CreateUnbounded<PermissionCheckOutcome>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    // With input order: the outcomes that finished before an earlier one (guarded by itself).
    private readonly InputOrder<PermissionCheckOutcome>? _inputOrder;
    private readonly Action<PermissionCheckOutcome> _write;

    // The checks running, plus one while adding is open: the batch completes when this reaches zero.
    private int _open = 1;
    private int _added;
    private int _taken;
    private int _completing;
    private int _disposed;
    private ExceptionDispatchInfo? _failure;

    /// <summary>Starts an empty batch.</summary>
    /// <param name="evaluator">Answers each check (the API server, a snapshot, policy files).</param>
    /// <param name="throttleLimit">How many checks may be in flight (running, or finished but not yet taken); at least 1.</param>
    /// <param name="outcomeAvailable">
    /// Called, on whatever thread finished a check, each time an outcome can be taken, and when the batch is cancelled or
    /// fails: lets a consumer that cannot await (a thread blocked in a wait loop) wake up and call <see cref="TryTake"/>
    /// or <see cref="TryAdd"/>. Must be quick and must not throw.
    /// </param>
    /// <param name="cancellationToken">Cancels the checks in flight and any wait in <see cref="AddAsync"/>.</param>
    /// <param name="inputOrder">Outcomes are taken in the order their checks were added, not as they finish.</param>
    /// <exception cref="K8sClientException">InvalidThrottleLimit: <paramref name="throttleLimit"/> is below 1.</exception>
    public PermissionBatch(IPermissionEvaluator evaluator, int throttleLimit, Action? outcomeAvailable = null, CancellationToken cancellationToken = default, bool inputOrder = false)
    {
        ArgumentNullException.ThrowIfNull(evaluator);
        if (throttleLimit < 1)
        {
            throw PermissionErrors.InvalidArgument("ThrottleLimit", $"ThrottleLimit must be at least 1 (it was {throttleLimit}).");
        }

        _evaluator = evaluator;
        _outcomeAvailable = outcomeAvailable;
        _callerToken = cancellationToken;
        ThrottleLimit = throttleLimit;
        _inputOrder = inputOrder ? new InputOrder<PermissionCheckOutcome>() : null;
        _write = outcome => _outcomes.Writer.TryWrite(outcome);
        _slots = new SemaphoreSlim(throttleLimit, throttleLimit);
        Window = throttleLimit <= int.MaxValue / WindowPerSlot ? throttleLimit * WindowPerSlot : int.MaxValue;
        _window = new SemaphoreSlim(Window, Window);
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // A consumer that waits to add (TryAdd) learns of a cancellation or failure only if woken for it.
        if (outcomeAvailable is not null)
        {
            _wakeOnStop = _stop.Token.UnsafeRegister(static state => ((Action)state!)(), outcomeAvailable);
        }
    }

    /// <summary>How many checks may run at once.</summary>
    public int ThrottleLimit { get; }

    /// <summary>How many checks may be added and not yet taken (running, or finished and waiting): ThrottleLimit x 4.</summary>
    public int Window { get; }

    private const int WindowPerSlot = 4;

    /// <summary>How many checks were added; the next one gets this <see cref="PermissionCheckOutcome.Index"/>.</summary>
    public int Added => Volatile.Read(ref _added);

    /// <summary>Checks added whose outcome was not taken yet (running, or finished and waiting); never above <see cref="Window"/>.</summary>
    public int InFlight => Volatile.Read(ref _added) - Volatile.Read(ref _taken);

    /// <summary>
    /// Completes when <see cref="Complete"/> was called and every check added has finished (its outcome may still wait to
    /// be taken). Fails with the batch's failure; cancelled when the batch was cancelled.
    /// </summary>
    public Task Completion => _completion.Task;

    /// <summary>Cancelled when the caller cancels, the batch fails or is disposed: stops whatever feeds the batch.</summary>
    internal CancellationToken Stopping => _stop.Token;

    /// <summary>
    /// Adds a check and starts it: at once, on the calling thread until the evaluator's first await, when a slot is free;
    /// otherwise after the consumer has taken an outcome. Completes with the check's <see cref="PermissionCheckOutcome.Index"/>
    /// once the check has started. Callers must not add concurrently.
    /// </summary>
    /// <remarks>
    /// The returned task fails with the batch's failure, with <see cref="OperationCanceledException"/> when the batch or
    /// the wait was cancelled, and with <see cref="InvalidOperationException"/> after <see cref="Complete"/>.
    /// </remarks>
    public ValueTask<int> AddAsync(PermissionCheck check, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(check);
        try
        {
            ThrowIfClosed();
        }
        catch (Exception error)
        {
            return ValueTask.FromException<int>(error);
        }

        // The usual case, a free slot, starts the check without allocating a wait.
        return TryEnter() ? ValueTask.FromResult(Start(check)) : new ValueTask<int>(AddWhenFreeAsync(check, cancellationToken));
    }

    /// <summary>
    /// Starts a check on the calling thread (until the evaluator's first await) if a slot is free; false, and nothing
    /// added, when <see cref="ThrottleLimit"/> outcomes are pending. For a consumer that also adds, as a pipeline thread
    /// does: it takes outcomes (freeing slots) and retries here when woken, so a freed slot is used at once, without the
    /// hand-off to the thread pool that resuming an <see cref="AddAsync"/> wait costs. Callers must not add concurrently.
    /// </summary>
    /// <exception cref="InvalidOperationException">After <see cref="Complete"/>.</exception>
    /// <exception cref="OperationCanceledException">The batch was cancelled.</exception>
    /// <remarks>Throws the batch's failure when it has failed.</remarks>
    public bool TryAdd(PermissionCheck check, out int index)
    {
        ArgumentNullException.ThrowIfNull(check);
        ThrowIfClosed();
        index = TryEnter() ? Start(check) : -1;
        return index >= 0;
    }

    /// <summary>Takes an outcome that is ready, freeing its slot for the next check; false when none is ready now.</summary>
    public bool TryTake([NotNullWhen(true)] out PermissionCheckOutcome? outcome)
    {
        if (!_outcomes.Reader.TryRead(out outcome))
        {
            return false;
        }

        Interlocked.Increment(ref _taken);
        _window.Release();
        return true;
    }

    /// <summary>
    /// Takes every outcome as it finishes until the batch is complete and drained; rethrows the batch's failure (after
    /// the outcomes that finished before it) and <see cref="OperationCanceledException"/> when cancelled.
    /// </summary>
    public async IAsyncEnumerable<PermissionCheckOutcome> TakeAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        do
        {
            while (TryTake(out var outcome))
            {
                yield return outcome;
            }
        }
        while (await _outcomes.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// No more checks will be added. With <paramref name="error"/> (the input itself failed), the batch fails with it
    /// once the checks in flight have finished; their outcomes can still be taken first. Later calls do nothing.
    /// </summary>
    public void Complete(Exception? error = null)
    {
        if (Interlocked.Exchange(ref _completing, 1) == 1)
        {
            return;
        }

        if (error is not null)
        {
            Interlocked.CompareExchange(ref _failure, ExceptionDispatchInfo.Capture(error), null);
        }
        Leave();
    }

    /// <summary>
    /// Cancels the checks in flight and waits for them to end; outcomes not yet taken are dropped. The producer must have
    /// stopped adding.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        Cancel();
        Complete();
        try
        {
            await _completion.Task.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Cancelled or failed: whoever needed the failure has seen it through AddAsync, Completion or TakeAllAsync.
        }
        _wakeOnStop.Dispose();
        _stop.Dispose();
        _slots.Dispose();
        _window.Dispose();
    }

    // A place in the window and a free slot, both or neither.
    private bool TryEnter()
    {
        if (!_window.Wait(0))
        {
            return false;
        }

        if (_slots.Wait(0))
        {
            return true;
        }

        _window.Release();
        return false;
    }

    /// <summary>Cancels the checks in flight and any wait in <see cref="AddAsync"/>; the batch then completes as cancelled.</summary>
    internal void Cancel() => _stop.Cancel();

    private async Task<int> AddWhenFreeAsync(PermissionCheck check, CancellationToken cancellationToken)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token, cancellationToken);
        try
        {
            await _window.WaitAsync(wait.Token).ConfigureAwait(false);
            try
            {
                await _slots.WaitAsync(wait.Token).ConfigureAwait(false);
            }
            catch
            {
                _window.Release();
                throw;
            }
        }
        catch (OperationCanceledException) when (_failure is not null)
        {
            // The wait ended because the batch failed: report why, not the cancellation.
            _failure.Throw();
        }
        ThrowIfClosed();
        return Start(check);
    }

    private int Start(PermissionCheck check)
    {
        var index = Interlocked.Increment(ref _added) - 1;
        Interlocked.Increment(ref _open);
        _ = RunAsync(index, check);
        return index;
    }

    private async Task RunAsync(int index, PermissionCheck check)
    {
        var running = true;
        try
        {
            PermissionCheckOutcome outcome;
            try
            {
                var result = await _evaluator.CheckAsync(check, _stop.Token).ConfigureAwait(false);
                outcome = new PermissionCheckOutcome(index, check, result, null);
            }
            catch (K8sClientException error) when (!_stop.IsCancellationRequested)
            {
                outcome = new PermissionCheckOutcome(index, check, null, error);
            }

            // The slot is free before anyone hears of it; the consumer is woken either way, since a held-back outcome
            // still leaves room for the next check.
            running = false;
            _slots.Release();
            Publish(outcome);
            _outcomeAvailable?.Invoke();
        }
        catch (Exception) when (_stop.IsCancellationRequested)
        {
            // Cancelled with the batch (or after another check failed it): Completion says so.
        }
        catch (Exception error)
        {
            Fail(error);
        }
        finally
        {
            if (running)
            {
                _slots.Release();
            }

            Leave();
        }
    }

    // Makes an outcome takeable: at once, or in input order once every earlier one is. True when any became takeable.
    private bool Publish(PermissionCheckOutcome outcome)
    {
        if (_inputOrder is null)
        {
            _write(outcome);
            return true;
        }

        lock (_inputOrder)
        {
            return _inputOrder.Add(outcome.Index, outcome, _write) > 0;
        }
    }

    private void Fail(Exception error)
    {
        if (Interlocked.CompareExchange(ref _failure, ExceptionDispatchInfo.Capture(error), null) is null)
        {
            _stop.Cancel();
        }
    }

    private void ThrowIfClosed()
    {
        _failure?.Throw();
        _stop.Token.ThrowIfCancellationRequested();
        if (Volatile.Read(ref _completing) == 1)
        {
            throw new InvalidOperationException("The batch was completed: no more checks can be added.");
        }
    }

    // A check ended, or adding was closed: the last one out completes the batch.
    private void Leave()
    {
        if (Interlocked.Decrement(ref _open) != 0)
        {
            return;
        }

        if (_failure is { } failure)
        {
            _outcomes.Writer.TryComplete(failure.SourceException);
            _completion.TrySetException(failure.SourceException);
        }
        else if (_stop.IsCancellationRequested)
        {
            var token = _callerToken.IsCancellationRequested ? _callerToken : _stop.Token;
            _outcomes.Writer.TryComplete(new OperationCanceledException(token));
            _completion.TrySetCanceled(token);
        }
        else
        {
            _outcomes.Writer.TryComplete();
            _completion.TrySetResult();
        }
        _outcomeAvailable?.Invoke();
    }
}

/// <summary>Runs a whole sequence of checks through a <see cref="PermissionBatch"/>.</summary>
public static class PermissionBatchExtensions
{
    /// <summary>
    /// Runs <paramref name="checks"/> concurrently, at most <paramref name="throttleLimit"/> in flight, and yields each
    /// outcome as soon as it is known (completion order; <see cref="PermissionCheckOutcome.Index"/> tells the input
    /// position). The input is read lazily, so checks start being answered before it ends. Progress has a total when the
    /// input's size is known without enumerating it. Leaving the loop early cancels the checks still running.
    /// </summary>
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

    /// <summary>Runs <paramref name="checks"/> as they arrive (size unknown); see the overload above.</summary>
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
        var batch = new PermissionBatch(evaluator, throttleLimit, cancellationToken: cancellationToken);
        var feeding = FeedAsync(batch, checks);

        var completed = 0;
        var failed = 0;
        try
        {
            await foreach (var outcome in batch.TakeAllAsync(cancellationToken).ConfigureAwait(false))
            {
                completed++;
                failed += outcome.Error is null ? 0 : 1;
                progress?.Report(new PermissionBatchProgress(completed, total, failed));
                yield return outcome;
            }
        }
        finally
        {
            // An early end cancels what still runs and stops the feeder; the batch is disposed once nothing adds to it.
            batch.Cancel();
            await feeding.ConfigureAwait(false);
            await batch.DisposeAsync().ConfigureAwait(false);
        }
    }

    // Never throws: a failure of the input (or of the batch) ends the batch, whose reader reports it.
    private static async Task FeedAsync(PermissionBatch batch, IAsyncEnumerable<PermissionCheck> checks)
    {
        try
        {
            await foreach (var check in checks.WithCancellation(batch.Stopping).ConfigureAwait(false))
            {
                await batch.AddAsync(check).ConfigureAwait(false);
            }
            batch.Complete();
        }
        catch (OperationCanceledException) when (batch.Stopping.IsCancellationRequested)
        {
            // Cancelled by the caller, or the batch failed: the batch reports which.
            batch.Complete();
        }
        catch (Exception error)
        {
            batch.Complete(error);
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
