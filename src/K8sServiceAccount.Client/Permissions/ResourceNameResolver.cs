using System.Runtime.CompilerServices;
using K8sServiceAccount.Client.Http;
using K8sServiceAccount.Client.Models;

namespace K8sServiceAccount.Client.Permissions;

/// <summary>A resource type after resolution: what a SubjectAccessReview is sent with.</summary>
/// <param name="Resource">Plural resource name (or the raw word when unknown).</param>
/// <param name="Group">API group (<c>""</c> for core, and for unknown types unless a group was given).</param>
/// <param name="Subresource">Subresource, from <c>TYPE/SUB</c> or given separately.</param>
/// <param name="Version">The version discovery found it in (preferred first); null when not resolved through discovery.</param>
/// <param name="Namespaced">Whether discovery says the type is namespaced; null when unknown.</param>
/// <param name="Found">True when discovery knows the type (always false without discovery).</param>
/// <param name="Warnings">kubectl's warnings for this resolution (unknown type, not namespace scoped, unknown verb).</param>
public sealed record ResolvedResource(
    string Resource, string Group, string Subresource, string? Version, bool? Namespaced, bool Found, IReadOnlyList<string> Warnings);

/// <summary>
/// Turns a resource type as a user writes it into the plural resource and group of a SubjectAccessReview, the way
/// <c>kubectl auth can-i</c> does through discovery: plural and singular names, kinds (case-insensitive), short names
/// (<c>sa</c>, <c>deploy</c>), <c>resource.group</c>, <c>resource.version.group</c>; the first match in discovery priority
/// (core v1 first, then groups in the server's order, preferred versions first) wins.
/// </summary>
/// <remarks>
/// <para>Unlike kubectl's <c>TYPE/NAME</c>, <c>TYPE/SUB</c> here names a subresource (<c>deployments/scale</c>), as RBAC rules
/// write it; the object name is a separate field.</para>
/// <para>An unknown type is not an error: kubectl's warning <c>the server doesn't have a resource type 'x'</c> is written
/// and the raw word is used with an empty group (or the group given explicitly). A namespaced check on a cluster-scoped type
/// warns <c>resource 'x' is not namespace scoped</c> (RBAC still evaluates it in that namespace's RoleBindings).
/// Each distinct warning is written once per resolver, so a batch of thousands of checks warns once per type.</para>
/// <para>Discovery (<c>GET /api</c>, <c>/apis</c> and each group version) is cached per connection and re-read at most once
/// per <see cref="DiscoveryCache.MinimumRefreshInterval"/> when a type is not found (a CRD may have been added).</para>
/// </remarks>
public sealed class ResourceNameResolver
{
    // kubectl auth can-i's list, which is shorter than the verbs RBAC knows: it warns for approve, sign, escalate and
    // attest too (the check still runs), and so do we, since the warning is kubectl's.
    private static readonly HashSet<string> KnownResourceVerbs = new(StringComparer.Ordinal)
    {
        "get", "list", "watch", "create", "update", "patch", "delete", "deletecollection", "use", "bind", "impersonate", "*",
    };

    private static readonly HashSet<string> KnownNonResourceVerbs = new(StringComparer.Ordinal)
    {
        "get", "put", "post", "head", "options", "delete", "patch", "*",
    };

    // Resources the server authorizes but does not list in discovery (kubectl's nonStandardResourceNames).
    private static readonly HashSet<string> NonStandardResourceNames = new(StringComparer.Ordinal) { "users", "groups" };

    private readonly DiscoveryCache? _discovery;
    private readonly IClientLog _log;
    private readonly HashSet<string> _warned = new(StringComparer.Ordinal);

    /// <summary>A resolver that uses the (per-connection cached) discovery of <paramref name="transport"/>.</summary>
    public ResourceNameResolver(IKubernetesTransport transport, IClientLog? log = null)
    {
        ArgumentNullException.ThrowIfNull(transport);
        _discovery = DiscoveryCache.For(transport);
        _log = log ?? NullClientLog.Instance;
    }

    private ResourceNameResolver(IClientLog? log, DiscoveryCache? discovery = null)
    {
        _log = log ?? NullClientLog.Instance;
        _discovery = discovery;
    }

    /// <summary>
    /// A resolver without a cluster (offline policies): only the syntax is resolved (<c>resource.group</c>, <c>TYPE/SUB</c>);
    /// short names, singular names and kinds are not known and are used as written.
    /// </summary>
    public static ResourceNameResolver WithoutDiscovery(IClientLog? log = null) => new(log);

    /// <summary>
    /// The same resolution (and the same cached discovery) writing its warnings to <paramref name="log"/>, each once: for
    /// a resolver made by one command (a snapshot's) and used by another.
    /// </summary>
    public ResourceNameResolver WithLog(IClientLog log) => new(log ?? throw new ArgumentNullException(nameof(log)), _discovery);

    /// <summary>
    /// Resolves the resource of <paramref name="check"/> (which must be a resource check) and writes kubectl's warnings.
    /// </summary>
    public async Task<ResolvedResource> ResolveAsync(PermissionCheck check, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(check);
        var (typeText, subresource) = SplitSubresource(check.Resource ?? "", check.Subresource);
        var warnings = new List<string>();
        ResolvedResource resolved;
        if (typeText == "*")
        {
            resolved = new ResolvedResource("*", check.Group ?? "", subresource, null, true, true, warnings);
        }
        else
        {
            var lowered = typeText.ToLowerInvariant();
            var (resource, group) = ParseGroupResource(lowered);
            if (check.Group is not null)
            {
                if (group.Length > 0 && group != check.Group)
                {
                    // The check's API group is -ApiGroup to the user (-Group is a subject's group).
                    throw PermissionErrors.InvalidArgument("ApiGroup",
                        $"The resource \"{typeText}\" names group \"{group}\" but -ApiGroup is \"{check.Group}\"; give the group once.");
                }
                group = check.Group;
            }

            // An explicit group, even the core group "" (-ApiGroup core), must match; without one any group may.
            var wantedGroup = check.Group ?? (group.Length > 0 ? group : null);
            var match = _discovery is null ? null : await FindAsync(lowered, resource, wantedGroup, cancellationToken).ConfigureAwait(false);
            if (match is null)
            {
                if (_discovery is null)
                {
                    resolved = new ResolvedResource(resource, group, subresource, null, null, false, warnings);
                }
                else
                {
                    if (!NonStandardResourceNames.Contains(group.Length == 0 ? resource : resource + "." + group))
                    {
                        warnings.Add(group.Length == 0
                            ? $"the server doesn't have a resource type '{resource}'"
                            : $"the server doesn't have a resource type '{resource}' in group '{group}'");
                    }
                    // kubectl then sends the word as typed, with no group.
                    resolved = new ResolvedResource(typeText, check.Group ?? "", subresource, null, null, false, warnings);
                }
            }
            else
            {
                resolved = new ResolvedResource(match.Resource, match.Group, subresource, match.Version, match.Namespaced, true, warnings);
                if (check.Namespace.Length > 0 && !match.Namespaced)
                {
                    warnings.Add(match.Group.Length == 0
                        ? $"resource '{match.Resource}' is not namespace scoped"
                        : $"resource '{match.Resource}' is not namespace scoped in group '{match.Group}'");
                }
            }
        }

        // As kubectl: no verb warning for a cluster-wide check (-A).
        if (_discovery is not null && check.Namespace.Length > 0 && !KnownResourceVerbs.Contains(check.Verb))
        {
            warnings.Add($"verb '{check.Verb}' is not a known verb");
        }
        Warn(warnings);
        return resolved;
    }

    /// <summary>Writes kubectl's warning for a non-resource check whose verb is not an HTTP verb RBAC knows.</summary>
    public void WarnForNonResourceVerb(string verb)
    {
        if (!KnownNonResourceVerbs.Contains(verb))
        {
            Warn([$"verb '{verb}' is not a known verb"]);
        }
    }

    /// <summary>
    /// Splits <c>TYPE/SUB</c>. A subresource given separately must agree with one in the text.
    /// </summary>
    public static (string Type, string Subresource) SplitSubresource(string resourceText, string? subresource)
    {
        var text = resourceText.Trim();
        var slash = text.IndexOf('/');
        if (slash < 0)
        {
            return (text, subresource ?? "");
        }
        var type = text[..slash];
        var sub = text[(slash + 1)..];
        if (type.Length == 0 || sub.Length == 0 || sub.Contains('/'))
        {
            throw PermissionErrors.InvalidArgument("Resource", $"\"{resourceText}\" is not of the form TYPE or TYPE/SUBRESOURCE.");
        }
        if (!string.IsNullOrEmpty(subresource) && subresource != sub)
        {
            throw PermissionErrors.InvalidArgument("Subresource",
                $"The resource \"{resourceText}\" names subresource \"{sub}\" but Subresource is \"{subresource}\"; give it once.");
        }
        return (type, sub);
    }

    /// <summary><c>deployments.apps</c> → (deployments, apps); the group is everything after the first dot.</summary>
    public static (string Resource, string Group) ParseGroupResource(string text)
    {
        var dot = text.IndexOf('.');
        return dot < 0 ? (text, "") : (text[..dot], text[(dot + 1)..]);
    }

    /// <summary>Writes <paramref name="warning"/> to this resolver's log unless it already wrote it.</summary>
    internal void WarnOnce(string warning) => Warn([warning]);

    private void Warn(List<string> warnings)
    {
        foreach (var warning in warnings)
        {
            bool first;
            lock (_warned)
            {
                first = _warned.Add(warning);
            }
            if (first)
            {
                _log.Warning(warning);
            }
        }
    }

    private async Task<DiscoveredResource?> FindAsync(string lowered, string resource, string? group, CancellationToken cancellationToken)
    {
        var index = await _discovery!.GetAsync(_log, cancellationToken).ConfigureAwait(false);
        var match = Match(index, lowered, resource, group);
        if (match is null && _discovery.CanRefresh)
        {
            index = await _discovery.RefreshAsync(_log, cancellationToken).ConfigureAwait(false);
            match = Match(index, lowered, resource, group);
        }
        return match;
    }

    /// <summary>client-go's RESTMapper.ResourceFor behind the shortcut expander. A null <paramref name="group"/> is any group.</summary>
    internal static DiscoveredResource? Match(DiscoveryIndex index, string lowered, string resource, string? group)
    {
        // resource.version.group, fully specified.
        var parts = lowered.Split('.', 3);
        if (parts.Length == 3)
        {
            var exact = index.Resources.FirstOrDefault(r => r.Version == parts[1] && r.Group == parts[2] && (r.Resource == parts[0] || r.Singular == parts[0]));
            if (exact is not null)
            {
                return exact;
            }
        }

        (resource, group) = ExpandShortName(index, resource, group);
        foreach (var candidate in index.Resources)
        {
            if ((group is null || candidate.Group == group) && (candidate.Resource == resource || candidate.Singular == resource))
            {
                return candidate;
            }
        }
        return null;
    }

    private static (string Resource, string? Group) ExpandShortName(DiscoveryIndex index, string resource, string? group)
    {
        foreach (var candidate in index.Resources)
        {
            if ((group is null || candidate.Group == group) && (candidate.Resource == resource || candidate.Singular == resource))
            {
                return (resource, group);
            }
        }
        foreach (var candidate in index.Resources)
        {
            if ((group is null || candidate.Group == group) && candidate.ShortNames.Contains(resource))
            {
                return (candidate.Resource, candidate.Group);
            }
        }
        if (!string.IsNullOrEmpty(group))
        {
            // "autoscal" matches group "autoscaling" for short names, as client-go allows.
            foreach (var candidate in index.Resources)
            {
                if (candidate.Group.StartsWith(group, StringComparison.Ordinal) && candidate.ShortNames.Contains(resource))
                {
                    return (candidate.Resource, candidate.Group);
                }
            }
        }
        return (resource, group);
    }
}

/// <summary>One top-level resource of one group version, as discovery lists it.</summary>
internal sealed record DiscoveredResource(string Group, string Version, string Resource, string Singular, string Kind, bool Namespaced, IReadOnlyList<string> ShortNames);

/// <summary>Discovered resources in RESTMapper priority order.</summary>
internal sealed record DiscoveryIndex(IReadOnlyList<DiscoveredResource> Resources, DateTimeOffset LoadedAt);

/// <summary>
/// Legacy discovery (<c>GET /api</c>, <c>GET /apis</c>, then every group version's resource list, fetched concurrently),
/// cached per transport. A 404 on <c>/api</c> or on one group version is tolerated, as client-go tolerates it; other
/// failures of single group versions are logged at debug and leave that group version out.
/// </summary>
public sealed class DiscoveryCache
{
    private static readonly ConditionalWeakTable<IKubernetesTransport, DiscoveryCache> Caches = new();

    private readonly IKubernetesTransport _transport;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile DiscoveryIndex? _index;

    private DiscoveryCache(IKubernetesTransport transport)
    {
        _transport = transport;
    }

    /// <summary>A type that was not found triggers a new discovery only if the last one is at least this old.</summary>
    public static TimeSpan MinimumRefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The cache of <paramref name="transport"/> (one per connection object).</summary>
    public static DiscoveryCache For(IKubernetesTransport transport) => Caches.GetValue(transport, t => new DiscoveryCache(t));

    /// <summary>Forgets what was discovered; the next resolution reads discovery again.</summary>
    public void Invalidate() => _index = null;

    internal bool CanRefresh => _index is { } index && DateTimeOffset.UtcNow - index.LoadedAt >= MinimumRefreshInterval;

    internal async Task<DiscoveryIndex> GetAsync(IClientLog log, CancellationToken cancellationToken)
        => _index ?? await LoadAsync(null, log, cancellationToken).ConfigureAwait(false);

    internal Task<DiscoveryIndex> RefreshAsync(IClientLog log, CancellationToken cancellationToken)
        => LoadAsync(_index, log, cancellationToken);

    private async Task<DiscoveryIndex> LoadAsync(DiscoveryIndex? stale, IClientLog log, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_index is { } current && !ReferenceEquals(current, stale))
            {
                return current;
            }
            var index = await DiscoverAsync(log, cancellationToken).ConfigureAwait(false);
            _index = index;
            return index;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<DiscoveryIndex> DiscoverAsync(IClientLog log, CancellationToken cancellationToken)
    {
        var groupVersions = new List<(string Group, string Version, string Path)>();
        try
        {
            var core = await _transport.GetAsync("/api", KubeJsonContext.Default.ApiVersions, cancellationToken).ConfigureAwait(false);
            foreach (var version in core.Versions ?? [])
            {
                groupVersions.Add(("", version, "/api/" + version));
            }
        }
        catch (KubernetesApiException ex) when (ex.IsNotFound)
        {
            log.Debug("discovery: /api is not served; no core group");
        }

        ApiGroupList groups;
        try
        {
            groups = await _transport.GetAsync("/apis", KubeJsonContext.Default.ApiGroupList, cancellationToken).ConfigureAwait(false);
        }
        catch (KubernetesApiException ex) when (!ex.IsUnauthorized)
        {
            // Like kubectl, a failed discovery makes every type "unknown" (a warning), not the check an error.
            log.Warning("discovery failed: " + ex.Message);
            return new DiscoveryIndex([], DateTimeOffset.UtcNow);
        }

        foreach (var group in groups.Groups ?? [])
        {
            if (string.IsNullOrEmpty(group.Name))
            {
                continue;
            }
            var preferred = group.PreferredVersion?.Version;
            var versions = (group.Versions ?? []).Select(v => v.Version).Where(v => !string.IsNullOrEmpty(v)).Cast<string>().ToList();
            if (preferred is not null && versions.Remove(preferred))
            {
                versions.Insert(0, preferred);
            }
            foreach (var version in versions)
            {
                groupVersions.Add((group.Name, version, "/apis/" + group.Name + "/" + version));
            }
        }

        var lists = await Task.WhenAll(groupVersions.Select(async gv =>
        {
            try
            {
                return await _transport.GetAsync(gv.Path, KubeJsonContext.Default.ApiResourceList, cancellationToken).ConfigureAwait(false);
            }
            catch (K8sClientException ex) when (ex is not KubernetesApiException { IsUnauthorized: true })
            {
                log.Debug($"discovery: {gv.Path} failed: {ex.Message}");
                return null;
            }
        })).ConfigureAwait(false);

        var resources = new List<DiscoveredResource>();
        for (var i = 0; i < groupVersions.Count; i++)
        {
            var (group, version, _) = groupVersions[i];
            foreach (var r in lists[i]?.Resources ?? [])
            {
                if (string.IsNullOrEmpty(r.Name) || r.Name.Contains('/'))
                {
                    continue;
                }
                var singular = string.IsNullOrEmpty(r.SingularName) ? (r.Kind ?? "").ToLowerInvariant() : r.SingularName;
                resources.Add(new DiscoveredResource(group, version, r.Name, singular, r.Kind ?? "", r.Namespaced, r.ShortNames ?? []));
            }
        }
        return new DiscoveryIndex(resources, DateTimeOffset.UtcNow);
    }
}
