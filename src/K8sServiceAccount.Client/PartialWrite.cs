using K8sServiceAccount.Client.Http;

namespace K8sServiceAccount.Client;

/// <summary>
/// The one way a command that writes several objects undoes its first write after a later one failed: an idempotent
/// delete, retried, and when even that fails, an error that says exactly which object was left behind.
/// </summary>
public static class PartialWrite
{
    /// <summary>Stable ErrorId of a failure that left an object behind.</summary>
    public const string LeftBehindErrorId = "KubernetesPartialWriteLeftBehind";

    /// <summary>Attempts of a rollback delete; a delete can be repeated safely since 404 counts as done.</summary>
    internal const int RollbackAttempts = 4;

    internal static TimeSpan RollbackBackoff { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Deletes with retries; a 404 (already gone) is success. True when this call deleted it, false when it was gone.</summary>
    public static async Task<bool> DeleteIdempotentAsync(Func<Task> delete)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await delete().ConfigureAwait(false);
                return true;
            }
            catch (KubernetesApiException e) when (e.IsNotFound)
            {
                return false;
            }
            catch (K8sClientException) when (attempt < RollbackAttempts)
            {
                // CancellationToken.None: a rollback runs to its end even when the command is being stopped.
                await Task.Delay(RollbackBackoff * attempt).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// The error of a command whose <paramref name="failure"/> was followed by a failed rollback: the original failure,
    /// then the object left behind (kind, namespace, name) and why it could not be removed.
    /// </summary>
    public static K8sClientException LeftBehind(K8sClientException failure, K8sClientException rollbackError, string kind, string? @namespace, string name)
    {
        var left = new WrittenObject(kind, @namespace, name);
        return LeftBehindError($"{failure.Message} The {left} this command created", left, rollbackError, failure);
    }

    /// <summary>
    /// The error of a command that deleted <paramref name="done"/> and then could not delete <paramref name="left"/>,
    /// which it had to delete with it (Revoke: an emptied role after its binding), even after <see cref="RollbackAttempts"/> tries.
    /// </summary>
    public static K8sClientException LeftBehind(WrittenObject done, WrittenObject left, K8sClientException deleteError)
    {
        ArgumentNullException.ThrowIfNull(done);
        ArgumentNullException.ThrowIfNull(deleteError);
        return LeftBehindError($"The {done} was deleted, but the {left} it referred to", left, deleteError, deleteError);
    }

    private static K8sClientException LeftBehindError(string what, WrittenObject left, K8sClientException deleteError, Exception inner) =>
        new(LeftBehindErrorId, K8sErrorCategory.WriteError,
            $"{what} was left behind: deleting it failed {RollbackAttempts} times ({deleteError.ErrorId}: {deleteError.Message}). Delete it yourself, or run the command again.",
            inner)
        {
            Target = left.Target,
        };
}
