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

    /// <summary>Deletes with retries; a 404 (already gone) is success.</summary>
    public static async Task DeleteIdempotentAsync(Func<Task> delete)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await delete().ConfigureAwait(false);
                return;
            }
            catch (KubernetesApiException e) when (e.IsNotFound)
            {
                return;
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
        var where = @namespace is null ? $"{kind} '{name}'" : $"{kind} '{name}' in namespace '{@namespace}'";
        return new K8sClientException(
            LeftBehindErrorId,
            K8sErrorCategory.WriteError,
            $"{failure.Message} The {where} this command created was left behind: deleting it failed {RollbackAttempts} times ({rollbackError.ErrorId}: {rollbackError.Message}). Delete it yourself, or run the command again.",
            failure)
        {
            Target = @namespace is null ? $"{kind}/{name}" : $"{kind}/{@namespace}/{name}",
        };
    }
}
