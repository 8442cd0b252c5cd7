using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using K8sServiceAccount.Client.Http;
using K8sServiceAccount.Client.Models;

namespace K8sServiceAccount.Client;

/// <summary>
/// A write (POST, PUT, PATCH, DELETE) whose connection was lost after the request was sent: the server may or may not
/// have applied it. Thrown by the transport; <see cref="WriteOutcome"/> turns it into a definite answer where a read
/// can tell.
/// </summary>
public sealed class WriteOutcomeUnknownException : K8sClientException
{
    public WriteOutcomeUnknownException(string message, Exception? inner = null)
        : base(WriteOutcome.UnknownErrorId, K8sErrorCategory.ConnectionError, message, inner)
    {
    }
}

/// <summary>The object a write is about: for messages and the ErrorRecord's target.</summary>
public sealed record WrittenObject(string Kind, string? Namespace, string Name)
{
    public override string ToString() => Namespace is null ? $"{Kind} '{Name}'" : $"{Kind} '{Name}' in namespace '{Namespace}'";

    /// <summary>KIND/NAMESPACE/NAME, or KIND/NAME for a cluster-scoped object (as <see cref="PartialWrite"/>'s targets).</summary>
    public string Target => Namespace is null ? $"{Kind}/{Name}" : $"{Kind}/{Namespace}/{Name}";
}

/// <summary>
/// The one way a write whose connection was lost after it was sent (<see cref="WriteOutcomeUnknownException"/>) is
/// reconciled with a read (creates, replaces, deletes), so that the caller learns what happened instead of "unable to connect".
/// </summary>
/// <remarks>
/// <para>Create of a named object: the object is read back. Found and this call's (see <see cref="IsOurs{T}"/>): the
/// create happened, and its result is the object read. Found and not this call's: the name was taken, reported as the
/// server would have (KubernetesAlreadyExists, category ResourceExists), never as a success. Not found: the create
/// was not applied, and it is sent once more; a name is created at most once, so this cannot make a second object
/// (if the first request still arrives, the second gets 409 AlreadyExists and the object is read back and judged the
/// same way). When the connection of that second request is lost too and the object is still not there, or when the
/// read itself fails, the error stays KubernetesWriteOutcomeUnknown and says so.</para>
/// <para>Delete: the object is read back. Gone (404), being deleted (deletionTimestamp) or replaced by a namesake with
/// another uid: the delete is done. Still there: KubernetesWriteOutcomeUnknown saying it was not applied (or not yet).
/// A delete is not sent again: the user decides.</para>
/// <para>Replace (PUT with the object's resourceVersion): see <see cref="ReplaceAsync{T}"/>.</para>
/// <para>Not reconciled (the transport's KubernetesWriteOutcomeUnknown reaches the caller): patches (PATCH) and
/// creates with generateName (legacy token Secrets). Requests that store nothing (TokenRequest, TokenReview, the
/// access reviews) are retried by the transport like reads instead (<see cref="RetryPolicy"/>).</para>
/// </remarks>
public static class WriteOutcome
{
    /// <summary>Stable ErrorId of a write the server may or may not have applied.</summary>
    public const string UnknownErrorId = "KubernetesWriteOutcomeUnknown";

    /// <summary>
    /// How much earlier than the moment the create was sent (by this machine's clock) an object's creationTimestamp
    /// may be and still count as this call's: the server writes whole seconds, and the clocks may differ a little.
    /// </summary>
    public static readonly TimeSpan ClockTolerance = TimeSpan.FromSeconds(2);

    /// <summary>Sends a create of a named object and reconciles a lost connection (see the type remarks).</summary>
    public static async Task<T> CreateAsync<T>(
        WrittenObject what,
        T sent,
        JsonTypeInfo<T> type,
        Func<Task<T>> create,
        Func<Task<T>> read,
        IClientLog? log = null)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(create);
        log ??= NullClientLog.Instance;
        var sentAt = DateTimeOffset.UtcNow;
        WriteOutcomeUnknownException? lost = null;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await create().ConfigureAwait(false);
            }
            catch (WriteOutcomeUnknownException e)
            {
                lost = e;
            }
            catch (KubernetesApiException e) when (e.IsAlreadyExists && lost is not null)
            {
                // The first request arrived after all, or someone else took the name in between: only ours is success.
                var existing = await ReadBackAsync(what, read, "created", lost).ConfigureAwait(false);
                if (existing is not null && IsOurs(sent, existing, type, sentAt))
                {
                    log.Verbose($"Creating {what}: the first request was applied after all; the object read back is this command's.");
                    return existing;
                }

                throw;
            }

            var found = await ReadBackAsync(what, read, "created", lost).ConfigureAwait(false);
            if (found is not null)
            {
                if (IsOurs(sent, found, type, sentAt))
                {
                    log.Verbose($"Creating {what}: the connection was lost after the request was sent; the object read back is this command's, so the create was applied.");
                    return found;
                }

                throw NotOurs(what, MetadataOf(found, type), lost);
            }

            if (attempt >= 2)
            {
                throw new WriteOutcomeUnknownException(
                    $"Creating {what}: the connection to the server was lost after the request was sent, twice, and the object was not there when read back; a request still on its way may create it later: it may or may not have been applied. Read it before trying again. ({lost.Message})",
                    lost)
                {
                    Target = what.Target,
                };
            }

            log.Verbose($"Creating {what}: the connection was lost after the request was sent and the object does not exist, so the create was not applied; sending it once more (a name is created at most once).");
        }
    }

    /// <summary>
    /// Sends a replace (PUT of the whole object with its resourceVersion) and reconciles a lost connection: the object
    /// is read back. Its resourceVersion unchanged: the update was not applied, and it is sent once more (the
    /// resourceVersion makes that safe: if the first request lands after all, the second is a 409 Conflict, and the
    /// read judges it). Changed and holding what was sent: applied, and the object read is the result. Changed
    /// otherwise, gone, or unreadable: KubernetesWriteOutcomeUnknown. Without a resourceVersion the transport's error
    /// stands.
    /// </summary>
    public static async Task<T> ReplaceAsync<T>(
        WrittenObject what,
        T sent,
        JsonTypeInfo<T> type,
        Func<Task<T>> replace,
        Func<Task<T>> read,
        IClientLog? log = null)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(replace);
        log ??= NullClientLog.Instance;
        var sentVersion = MetadataOf(sent, type)?.ResourceVersion;
        WriteOutcomeUnknownException? lost = null;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await replace().ConfigureAwait(false);
            }
            catch (WriteOutcomeUnknownException e) when (!string.IsNullOrEmpty(sentVersion))
            {
                lost = e;
            }
            catch (KubernetesApiException e) when (e.IsConflict && lost is not null)
            {
                // The first request landed after all (or someone else wrote in between): success only if it holds what was sent.
                var current = await ReadBackAsync(what, read, "updated", lost).ConfigureAwait(false);
                if (current is not null && Holds(sent, current, type))
                {
                    log.Verbose($"Updating {what}: the first request was applied after all; the object read back holds what was sent.");
                    return current;
                }

                throw;
            }

            var found = await ReadBackAsync(what, read, "updated", lost).ConfigureAwait(false)
                ?? throw new WriteOutcomeUnknownException(
                    $"Updating {what}: the connection to the server was lost after the request was sent, and the object is gone now: the update may or may not have been applied before it was deleted. ({lost.Message})",
                    lost)
                {
                    Target = what.Target,
                };
            if (MetadataOf(found, type)?.ResourceVersion != sentVersion)
            {
                if (Holds(sent, found, type))
                {
                    log.Verbose($"Updating {what}: the connection was lost after the request was sent; the object read back holds what was sent, so the update was applied.");
                    return found;
                }

                throw new WriteOutcomeUnknownException(
                    $"Updating {what}: the connection to the server was lost after the request was sent, and the object read back was changed but does not hold what was sent (changed by someone else too?): the update may or may not have been applied. Read it before trying again. ({lost.Message})",
                    lost)
                {
                    Target = what.Target,
                };
            }

            if (attempt >= 2)
            {
                throw new WriteOutcomeUnknownException(
                    $"Updating {what}: the connection to the server was lost after the request was sent, twice, and the object was unchanged when read back; a request still on its way may change it later: it may or may not have been applied. Read it before trying again. ({lost.Message})",
                    lost)
                {
                    Target = what.Target,
                };
            }

            log.Verbose($"Updating {what}: the connection was lost after the request was sent and the object is unchanged (same resourceVersion), so the update was not applied; sending it once more.");
        }
    }

    /// <summary>
    /// Sends a delete and reconciles a lost connection (see the type remarks). Returns the delete's answer, or null
    /// when the object was found gone after a lost connection.
    /// </summary>
    public static async Task<T?> DeleteAsync<T>(
        WrittenObject what,
        Func<Task<T>> delete,
        Func<Task<ObjectMeta?>> readMetadata,
        string? uid = null,
        IClientLog? log = null)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(delete);
        log ??= NullClientLog.Instance;
        try
        {
            return await delete().ConfigureAwait(false);
        }
        catch (WriteOutcomeUnknownException lost)
        {
            var found = await ReadBackAsync(what, readMetadata, "deleted", lost).ConfigureAwait(false);
            if (found is null || found.DeletionTimestamp is not null || (!string.IsNullOrEmpty(uid) && found.Uid != uid))
            {
                log.Verbose($"Deleting {what}: the connection was lost after the request was sent; the object is gone (or going), so the delete was applied.");
                return null;
            }

            throw new WriteOutcomeUnknownException(
                $"Deleting {what}: the connection to the server was lost after the request was sent, and the object still exists: the delete was not applied, or not yet. Run the command again. ({lost.Message})",
                lost)
            {
                Target = what.Target,
            };
        }
    }

    /// <summary>
    /// Whether an object read back after a lost create is the one this call created: it holds what the call sent
    /// (exactly the labels and annotations sent, no more, and every other field sent, empty values equal to absent
    /// ones; a ClusterRole's rules are not compared when it has an aggregationRule, since the controller fills them)
    /// and it was created no earlier than the moment the call was sent, less <see cref="ClockTolerance"/>. An object
    /// made before the call, or one that differs from what was sent, is someone else's.
    /// </summary>
    /// <remarks>
    /// Kubernetes has no idempotency key but the name, and the lost answer carried the uid, so this is a judgement:
    /// it errs towards "not ours" (a mutating admission webhook that adds a label makes this call's own object look
    /// like a namesake, reported as AlreadyExists, the object left in place and named). Only an identical object
    /// someone else created in the seconds before the call would be taken for this call's; its content is then
    /// exactly what was asked for.
    /// </remarks>
    public static bool IsOurs<T>(T sent, T found, JsonTypeInfo<T> type, DateTimeOffset sentAt)
        where T : class
    {
        var foundMeta = MetadataOf(found, type);
        if (foundMeta?.CreationTimestamp is not { } created || created < sentAt - ClockTolerance || foundMeta.DeletionTimestamp is not null)
        {
            return false;
        }

        return Holds(sent, found, type);
    }

    // Exactly the labels and annotations sent, and every other field sent (see IsOurs).
    private static bool Holds<T>(T sent, T found, JsonTypeInfo<T> type)
        where T : class
    {
        var foundMeta = MetadataOf(found, type);
        var sentMeta = MetadataOf(sent, type);
        if (foundMeta is null || !SameEntries(foundMeta.Labels, sentMeta?.Labels) || !SameEntries(foundMeta.Annotations, sentMeta?.Annotations))
        {
            return false;
        }

        var sentJson = JsonSerializer.SerializeToNode(sent, type) as JsonObject;
        var foundJson = JsonSerializer.SerializeToNode(found, type) as JsonObject;
        if (sentJson is null || foundJson is null)
        {
            return false;
        }

        var aggregated = !IsEmpty(sentJson["aggregationRule"]);
        foreach (var (name, value) in sentJson)
        {
            if (name is "metadata" or "kind" or "apiVersion" or "status" || (aggregated && name == "rules"))
            {
                continue;
            }

            if (!Equivalent(value, foundJson[name]))
            {
                return false;
            }
        }

        return true;
    }

    // Every object this module writes has an ObjectMeta under "metadata"; the wire types share no base type.
    private static ObjectMeta? MetadataOf<T>(T value, JsonTypeInfo<T> type) =>
        JsonSerializer.SerializeToNode(value, type)?["metadata"]?.Deserialize(KubeJsonContext.Default.ObjectMeta);

    // 404 is null; any other failure leaves the outcome unknown and says so.
    private static async Task<TRead?> ReadBackAsync<TRead>(WrittenObject what, Func<Task<TRead>> read, string done, WriteOutcomeUnknownException lost)
        where TRead : class?
    {
        try
        {
            return await read().ConfigureAwait(false);
        }
        catch (KubernetesApiException e) when (e.IsNotFound)
        {
            return null;
        }
        catch (K8sClientException e)
        {
            throw new WriteOutcomeUnknownException(
                $"{what}: the connection to the server was lost after the request was sent, and reading the object back failed too ({e.ErrorId}: {e.Message}): it may or may not have been {done}. Read it before trying again. ({lost.Message})",
                lost)
            {
                Target = what.Target,
            };
        }
    }

    private static KubernetesApiException NotOurs(WrittenObject what, ObjectMeta? found, WriteOutcomeUnknownException lost)
    {
        var created = found?.CreationTimestamp is { } at ? $", created {at.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}" : string.Empty;
        var message = $"{what} already exists: the connection was lost after the create was sent, and the object read back (uid {found?.Uid}{created}) was not made by this command.";
        return new KubernetesApiException(409, new Status
        {
            Kind = "Status",
            ApiVersion = "v1",
            Outcome = "Failure",
            Reason = "AlreadyExists",
            Code = 409,
            Message = message,
            Details = new StatusDetails { Name = what.Name, Kind = what.Kind },
        }, message, lost);
    }

    // Exactly the labels (annotations) sent: an extra one means another writer, and a namesake is never claimed.
    private static bool SameEntries(Dictionary<string, string>? found, Dictionary<string, string>? sent) =>
        (found?.Count ?? 0) == (sent?.Count ?? 0)
        && (sent is null || sent.All(pair => found is not null && found.TryGetValue(pair.Key, out var value) && value == pair.Value));

    private static bool IsEmpty(JsonNode? node) => node switch
    {
        null => true,
        JsonArray array => array.Count == 0,
        JsonObject obj => obj.Count == 0,
        JsonValue value => value.TryGetValue<string>(out var text) && text.Length == 0,
        _ => false,
    };

    // JSON equality where a missing property, null, "", [] and {} are all the same (the server may leave out or add an empty value).
    private static bool Equivalent(JsonNode? a, JsonNode? b)
    {
        if (IsEmpty(a) || IsEmpty(b))
        {
            return IsEmpty(a) && IsEmpty(b);
        }

        switch (a, b)
        {
            case (JsonObject x, JsonObject y):
                return x.Select(p => p.Key).Union(y.Select(p => p.Key)).All(key => Equivalent(x[key], y[key]));
            case (JsonArray x, JsonArray y):
                return x.Count == y.Count && x.Zip(y).All(pair => Equivalent(pair.First, pair.Second));
            default:
                return JsonNode.DeepEquals(a, b);
        }
    }
}
