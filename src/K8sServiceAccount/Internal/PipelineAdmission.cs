using K8sServiceAccount.Client.Permissions;

namespace K8sServiceAccount.Internal;

/// <summary>
/// How a pipeline row's check enters a <see cref="PermissionBatch"/> (Test-K8sPermission's ProcessRecord). The pipeline
/// thread both writes the outcomes and adds the rows, so a slot freed by writing an outcome is used at once, by the same
/// thread, for the waiting row: no hand-off to the thread pool between a result and the next check, which made the
/// batch's rows enter one thread-pool round trip at a time.
/// </summary>
internal static class PipelineAdmission
{
    /// <summary>
    /// Starts <paramref name="check"/> when a slot is free, else waits through <paramref name="wait"/> (the pipeline
    /// thread's wait, e.g. K8sClusterCmdlet.WaitAndDrain), writing outcomes with <paramref name="writeOutcomes"/> at each
    /// wake-up and starting the check as soon as one has freed a slot. Outcomes ready now are written either way.
    /// The batch's failure or cancellation ends the wait with its exception; so does a batch found stopped on arrival,
    /// through <paramref name="wait"/> as well, which turns Ctrl+C into a stopped pipeline.
    /// </summary>
    internal static void Add(PermissionBatch batch, PermissionCheck check, Action writeOutcomes, Action<Task, Action> wait)
    {
        bool started;
        try
        {
            started = batch.TryAdd(check, out _);
        }
        catch (Exception stopped)
        {
            // Ended as a held-back row's wait ends: the wait maps the exception (Ctrl+C is a stopped pipeline).
            wait(Task.FromException(stopped), writeOutcomes);
            throw;
        }

        if (started)
        {
            wait(Task.CompletedTask, writeOutcomes);
            return;
        }

        var added = new TaskCompletionSource();
        wait(added.Task, () =>
        {
            writeOutcomes();
            if (!added.Task.IsCompleted && batch.TryAdd(check, out _))
            {
                added.SetResult();
            }
        });
    }
}
