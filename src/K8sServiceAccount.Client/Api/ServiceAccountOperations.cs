using System.Runtime.CompilerServices;
using System.Text.Json;
using K8sServiceAccount.Client.Http;
using K8sServiceAccount.Client.Models;

namespace K8sServiceAccount.Client.Api;

/// <summary>
/// The ServiceAccount calls behind New/Get/Set/Remove-K8sServiceAccount: core/v1 serviceaccounts over an
/// <see cref="IKubernetesTransport"/>. Server errors come out as <see cref="KubernetesApiException"/> with the
/// server's message; client-side checks throw <see cref="K8sClientException"/> before any request.
/// </summary>
public sealed class ServiceAccountOperations
{
    /// <summary>kubectl's default chunk size.</summary>
    public const int DefaultPageSize = 500;

    /// <summary>How many times an update is tried when others keep changing the object in between.</summary>
    public const int DefaultMaxUpdateAttempts = 5;

    private const string Resource = "serviceaccounts";

    private readonly IKubernetesTransport transport;
    private readonly IClientLog log;

    public ServiceAccountOperations(IKubernetesTransport transport, IClientLog? log = null)
    {
        this.transport = transport ?? throw new ArgumentNullException(nameof(transport));
        this.log = log ?? NullClientLog.Instance;
    }

    /// <summary>
    /// Creates a ServiceAccount. The namespace and name are validated first (InvalidNamespaceName,
    /// InvalidServiceAccountName); an existing name is the server's 409 AlreadyExists (KubernetesAlreadyExists).
    /// </summary>
    public Task<ServiceAccount> CreateAsync(ServiceAccountDefinition definition, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definition);
        NameValidation.ValidateServiceAccountName(definition.Name);
        NameValidation.ValidateNamespace(definition.Namespace, "ServiceAccount", definition.Name);
        log.Verbose($"Creating ServiceAccount {definition.Namespace}/{definition.Name}.");
        var sent = definition.ToWire();
        return WriteOutcome.CreateAsync(
            new WrittenObject("ServiceAccount", definition.Namespace, definition.Name),
            sent,
            KubeJsonContext.Default.ServiceAccount,
            () => transport.SendAsync(
                HttpMethod.Post,
                ApiPath.ForWrite(ApiPath.Core(Resource, definition.Namespace)),
                sent,
                KubeJsonContext.Default.ServiceAccount,
                KubeJsonContext.Default.ServiceAccount,
                cancellationToken),
            () => GetAsync(definition.Namespace, definition.Name, cancellationToken),
            log);
    }

    /// <summary>
    /// Creates a ServiceAccount or, when the name is taken, reads the existing one (-Force). The existing
    /// object is returned as it is: the definition is not applied to it.
    /// </summary>
    public async Task<CreateOrGetResult> CreateOrGetAsync(ServiceAccountDefinition definition, CancellationToken cancellationToken = default)
    {
        try
        {
            return new CreateOrGetResult(await CreateAsync(definition, cancellationToken).ConfigureAwait(false), AlreadyExisted: false);
        }
        catch (KubernetesApiException e) when (e.IsAlreadyExists)
        {
            log.Verbose($"ServiceAccount {definition.Namespace}/{definition.Name} already exists; reading it.");
            var existing = await GetAsync(definition.Namespace, definition.Name, cancellationToken).ConfigureAwait(false);
            return new CreateOrGetResult(existing, AlreadyExisted: true);
        }
    }

    /// <summary>Reads one ServiceAccount; a missing one is the server's 404 (KubernetesNotFound).</summary>
    public Task<ServiceAccount> GetAsync(string @namespace, string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(@namespace);
        ArgumentException.ThrowIfNullOrEmpty(name);
        return transport.GetAsync(ApiPath.Core(Resource, @namespace, name), KubeJsonContext.Default.ServiceAccount, cancellationToken);
    }

    /// <summary>
    /// Lists ServiceAccounts in one namespace, or in all namespaces when <paramref name="namespace"/> is null,
    /// page by page; each item is yielded as soon as its page arrives.
    /// </summary>
    public IAsyncEnumerable<ServiceAccount> ListAsync(
        string? @namespace,
        string? labelSelector = null,
        int pageSize = DefaultPageSize,
        CancellationToken cancellationToken = default) =>
        ListCoreAsync(@namespace, labelSelector, fieldSelector: null, pageSize, cancellationToken);

    /// <summary>
    /// What Get-K8sServiceAccount -Name does. A plain name in one namespace is one GET (missing: 404 error);
    /// a plain name across namespaces or with a label selector is a list filtered by the server on
    /// metadata.name; a wildcard pattern lists and filters here, and matching nothing yields nothing.
    /// A null pattern lists everything.
    /// </summary>
    public async IAsyncEnumerable<ServiceAccount> FindAsync(
        string? @namespace,
        NamePattern? name,
        string? labelSelector = null,
        int pageSize = DefaultPageSize,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (name is { IsWildcard: false } && @namespace is not null && string.IsNullOrEmpty(labelSelector))
        {
            yield return await GetAsync(@namespace, name.Literal!, cancellationToken).ConfigureAwait(false);
            yield break;
        }

        var fieldSelector = name is { IsWildcard: false } ? "metadata.name=" + name.Literal : null;
        await foreach (var item in ListCoreAsync(@namespace, labelSelector, fieldSelector, pageSize, cancellationToken).ConfigureAwait(false))
        {
            if (name is null || !name.IsWildcard || name.IsMatch(item.Metadata.Name ?? string.Empty))
            {
                yield return item;
            }
        }
    }

    /// <summary>
    /// Reads the object, applies <paramref name="mutate"/> and writes it back with its resourceVersion. When
    /// someone else changed it in between (409 Conflict) the latest version is read and the mutation applied
    /// again, up to <paramref name="maxAttempts"/> times (then UpdateConflict). <paramref name="mutate"/> must
    /// therefore be safe to run on each fresh copy. When it changes nothing, no write is sent.
    /// </summary>
    public async Task<ServiceAccount> UpdateAsync(
        string @namespace,
        string name,
        Action<ServiceAccount> mutate,
        int maxAttempts = DefaultMaxUpdateAttempts,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mutate);
        if (maxAttempts < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(maxAttempts), maxAttempts, "At least one attempt is needed.");
        }

        for (var attempt = 1; ; attempt++)
        {
            var current = await GetAsync(@namespace, name, cancellationToken).ConfigureAwait(false);
            var before = JsonSerializer.Serialize(current, KubeJsonContext.Default.ServiceAccount);
            mutate(current);
            if (JsonSerializer.Serialize(current, KubeJsonContext.Default.ServiceAccount) == before)
            {
                log.Verbose($"ServiceAccount {@namespace}/{name} already has the requested values; nothing to update.");
                return current;
            }

            try
            {
                // A replace whose connection is lost after it was sent is reconciled with a read (WriteOutcome).
                return await WriteOutcome.ReplaceAsync(
                    new WrittenObject("ServiceAccount", @namespace, name),
                    current,
                    KubeJsonContext.Default.ServiceAccount,
                    () => transport.SendAsync(
                        HttpMethod.Put,
                        ApiPath.ForWrite(ApiPath.Core(Resource, @namespace, name)),
                        current,
                        KubeJsonContext.Default.ServiceAccount,
                        KubeJsonContext.Default.ServiceAccount,
                        cancellationToken),
                    () => GetAsync(@namespace, name, cancellationToken),
                    log).ConfigureAwait(false);
            }
            catch (KubernetesApiException e) when (e.IsConflict)
            {
                if (attempt >= maxAttempts)
                {
                    throw new K8sClientException(
                        "UpdateConflict",
                        K8sErrorCategory.InvalidOperation,
                        $"ServiceAccount {@namespace}/{name} kept changing while it was being updated; gave up after {attempt} attempts. Last answer: {e.Message}",
                        e)
                    {
                        Target = $"{@namespace}/{name}",
                    };
                }

                log.Verbose($"ServiceAccount {@namespace}/{name} changed since it was read (attempt {attempt} of {maxAttempts}); reading it again.");
            }
        }
    }

    /// <summary>Applies <see cref="ServiceAccountChanges"/> with the optimistic-concurrency loop of <see cref="UpdateAsync(string, string, Action{ServiceAccount}, int, CancellationToken)"/>.</summary>
    public Task<ServiceAccount> UpdateAsync(
        string @namespace,
        string name,
        ServiceAccountChanges changes,
        int maxAttempts = DefaultMaxUpdateAttempts,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(changes);
        return UpdateAsync(@namespace, name, changes.ApplyTo, maxAttempts, cancellationToken);
    }

    /// <summary>
    /// Deletes a ServiceAccount and returns the deleted object. With <paramref name="uid"/> the server deletes
    /// only that very object (a precondition; a different object of the same name gives 409 Conflict), which
    /// keeps `Get | Remove` from deleting a namesake created in between.
    /// </summary>
    /// <remarks>
    /// When the connection is lost after the request was sent and a read shows the object gone, the delete counts as
    /// done (<see cref="WriteOutcome"/>) and the object returned holds only the namespace, name and the given uid.
    /// </remarks>
    public async Task<ServiceAccount> DeleteAsync(string @namespace, string name, string? uid = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(@namespace);
        ArgumentException.ThrowIfNullOrEmpty(name);
        log.Verbose($"Deleting ServiceAccount {@namespace}/{name}.");
        var path = ApiPath.Core(Resource, @namespace, name);
        var deleted = await WriteOutcome.DeleteAsync(
            new WrittenObject("ServiceAccount", @namespace, name),
            () => string.IsNullOrEmpty(uid)
                ? transport.SendAsync<DeleteOptions, ServiceAccount>(HttpMethod.Delete, path, null, null, KubeJsonContext.Default.ServiceAccount, cancellationToken)
                : transport.SendAsync(
                    HttpMethod.Delete,
                    path,
                    new DeleteOptions { Preconditions = new Preconditions { Uid = uid } },
                    KubeJsonContext.Default.DeleteOptions,
                    KubeJsonContext.Default.ServiceAccount,
                    cancellationToken),
            async () => (await GetAsync(@namespace, name, cancellationToken).ConfigureAwait(false)).Metadata,
            uid,
            log).ConfigureAwait(false);
        return deleted ?? new ServiceAccount { Metadata = new ObjectMeta { Namespace = @namespace, Name = name, Uid = uid } };
    }

    private IAsyncEnumerable<ServiceAccount> ListCoreAsync(
        string? @namespace, string? labelSelector, string? fieldSelector, int pageSize, CancellationToken cancellationToken) =>
        ListPager.ListAsync(
            transport,
            ApiPath.Core(Resource, @namespace),
            labelSelector,
            fieldSelector,
            pageSize,
            KubeJsonContext.Default.ServiceAccountList,
            list => list.Items,
            list => list.Metadata,
            cancellationToken);
}
