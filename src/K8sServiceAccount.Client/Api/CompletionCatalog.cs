using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using K8sServiceAccount.Client.Http;
using K8sServiceAccount.Client.Models;
using K8sServiceAccount.Client.Permissions;

namespace K8sServiceAccount.Client.Api;

/// <summary>The kinds of named objects tab completion offers.</summary>
public enum CatalogKind
{
    Namespaces,
    ServiceAccounts,
    Roles,
    RoleBindings,
    ClusterRoles,
    ClusterRoleBindings,
}

/// <summary>
/// What tab completion knows of one connection's server: object names and discovered resource types, each cached for
/// <see cref="Lifetime"/>. A caller (the prompt) waits at most the time it gives for an answer; the request goes on in the
/// background (up to <see cref="FetchTimeout"/>) and fills the cache for the next Tab. A request is waited for once: a
/// caller that comes while it is still running after its first caller gave up gets the last known answer (or none) at
/// once. A failure (unreachable, forbidden) is remembered for <see cref="Lifetime"/> too, so a dead server costs one wait.
/// </summary>
public sealed class CompletionCatalog
{
    private static readonly ConditionalWeakTable<IKubernetesTransport, CompletionCatalog> Catalogs = new();

    private readonly IKubernetesTransport _transport;
    private readonly ConcurrentDictionary<(CatalogKind? Kind, string Namespace), Entry> _entries = new();

    private CompletionCatalog(IKubernetesTransport transport)
    {
        _transport = transport;
    }

    /// <summary>How long an answer (or a failure) is reused before the server is asked again.</summary>
    public static TimeSpan Lifetime { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long a request may run in the background before it is given up.</summary>
    public static TimeSpan FetchTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The catalog of <paramref name="transport"/> (one per connection object).</summary>
    public static CompletionCatalog For(IKubernetesTransport transport) => Catalogs.GetValue(transport, t => new CompletionCatalog(t));

    /// <summary>
    /// The names of <paramref name="kind"/> (in <paramref name="namespace"/> for namespaced kinds), sorted; null when the
    /// server has not answered within <paramref name="wait"/> or failed, and nothing is known from before.
    /// </summary>
    public IReadOnlyList<string>? Names(CatalogKind kind, string? @namespace, TimeSpan wait) =>
        Get<IReadOnlyList<string>>((kind, IsNamespaced(kind) ? @namespace ?? "default" : ""), wait, token => ListNamesAsync(kind, @namespace ?? "default", token));

    /// <summary>
    /// The resource types the server's discovery lists, as (plural resource, API group) in discovery priority; null when
    /// discovery did not answer within <paramref name="wait"/> or failed (then use <see cref="BuiltInResourceTypes.All"/>).
    /// </summary>
    public IReadOnlyList<(string Resource, string Group)>? Resources(TimeSpan wait) =>
        Get<IReadOnlyList<(string Resource, string Group)>>((null, ""), wait, DiscoverAsync);

    private static bool IsNamespaced(CatalogKind kind) => kind is CatalogKind.ServiceAccounts or CatalogKind.Roles or CatalogKind.RoleBindings;

    private T? Get<T>((CatalogKind?, string) key, TimeSpan wait, Func<CancellationToken, Task<T>> fetch)
        where T : class
    {
        var entry = _entries.GetOrAdd(key, _ => new Entry());
        var (value, pending, waitUntil) = entry.Lookup(async token => await fetch(token).ConfigureAwait(false), wait);
        if (pending is not null)
        {
            var remaining = waitUntil - DateTimeOffset.UtcNow;
            if (remaining > TimeSpan.Zero)
            {
                // The task never throws (Entry catches); Wait only bounds how long the prompt is held.
                pending.Wait(remaining);
            }

            value = entry.Value;
        }

        return value as T;
    }

    private async Task<IReadOnlyList<string>> ListNamesAsync(CatalogKind kind, string @namespace, CancellationToken token)
    {
        var rbac = new RbacObjectOperations(_transport);
        IEnumerable<string?> names = kind switch
        {
            CatalogKind.Namespaces => await CollectAsync(
                ListPager.ListAsync(_transport, "/api/v1/namespaces", null, null, ServiceAccountOperations.DefaultPageSize,
                    KubeJsonContext.Default.NamespaceList, l => l.Items, l => l.Metadata, token), n => n.Metadata.Name).ConfigureAwait(false),
            CatalogKind.ServiceAccounts => await CollectAsync(
                new ServiceAccountOperations(_transport).ListAsync(@namespace, cancellationToken: token), s => s.Metadata.Name).ConfigureAwait(false),
            CatalogKind.Roles => (await rbac.ListRolesAsync(@namespace, cancellationToken: token).ConfigureAwait(false)).Select(r => r.Metadata.Name),
            CatalogKind.RoleBindings => (await rbac.ListRoleBindingsAsync(@namespace, cancellationToken: token).ConfigureAwait(false)).Select(r => r.Metadata.Name),
            CatalogKind.ClusterRoles => (await rbac.ListClusterRolesAsync(cancellationToken: token).ConfigureAwait(false)).Select(r => r.Metadata.Name),
            CatalogKind.ClusterRoleBindings => (await rbac.ListClusterRoleBindingsAsync(cancellationToken: token).ConfigureAwait(false)).Select(r => r.Metadata.Name),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        };
        return names.OfType<string>().Where(n => n.Length > 0).Order(StringComparer.Ordinal).ToArray();
    }

    private static async Task<List<string?>> CollectAsync<TItem>(IAsyncEnumerable<TItem> items, Func<TItem, string?> name)
    {
        var names = new List<string?>();
        await foreach (var item in items.ConfigureAwait(false))
        {
            names.Add(name(item));
        }

        return names;
    }

    private async Task<IReadOnlyList<(string Resource, string Group)>> DiscoverAsync(CancellationToken token)
    {
        // The discovery the cmdlets resolve resource names with, so a command and a Tab discover once between them.
        var index = await DiscoveryCache.For(_transport).GetAsync(NullClientLog.Instance, token).ConfigureAwait(false);
        if (index.Resources.Count == 0)
        {
            throw new InvalidOperationException("discovery listed no resources");
        }

        return index.Resources.Select(r => (r.Resource, r.Group)).Distinct().ToArray();
    }

    /// <summary>One cached answer: the last value, when it was loaded or failed, and the request in flight.</summary>
    private sealed class Entry
    {
        private readonly object _gate = new();
        private DateTimeOffset _settledAt = DateTimeOffset.MinValue;
        private Task? _pending;
        private DateTimeOffset _waitUntil;

        internal object? Value { get; private set; }

        /// <summary>
        /// The value when it is fresh; otherwise starts a request (unless one runs) and returns the task to wait for and
        /// until when its callers may wait: the first caller's wait from when the request started.
        /// </summary>
        internal (object? Value, Task? Pending, DateTimeOffset WaitUntil) Lookup(Func<CancellationToken, Task<object>> fetch, TimeSpan wait)
        {
            lock (_gate)
            {
                var now = DateTimeOffset.UtcNow;
                if (_pending is null && now - _settledAt < Lifetime)
                {
                    return (Value, null, now);
                }

                if (_pending is null)
                {
                    _waitUntil = now + wait;
                    // Off the caller's thread: the caller only waits, bounded, for the outcome.
                    _pending = Task.Run(() => RunAsync(fetch));
                }

                return (Value, _pending, _waitUntil);
            }
        }

        private async Task RunAsync(Func<CancellationToken, Task<object>> fetch)
        {
            object? value = null;
            var succeeded = false;
            try
            {
                using var timeout = new CancellationTokenSource(FetchTimeout);
                value = await fetch(timeout.Token).ConfigureAwait(false);
                succeeded = true;
            }
            catch (Exception)
            {
                // Unreachable, forbidden, slow, or anything else: completion answers from what it knew, or offline, and
                // never fails the prompt.
            }

            lock (_gate)
            {
                if (succeeded)
                {
                    Value = value;
                }

                _settledAt = DateTimeOffset.UtcNow;
                _pending = null;
            }
        }
    }
}
