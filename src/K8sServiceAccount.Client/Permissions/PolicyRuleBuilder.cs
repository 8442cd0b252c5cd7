using K8sServiceAccount.Client.Models;
using K8sServiceAccount.Client.Rbac;

namespace K8sServiceAccount.Client.Permissions;

/// <summary>What a set of PolicyRules is for: a namespaced Role (no non-resource URLs) or a ClusterRole.</summary>
public enum RoleScope
{
    Role,
    ClusterRole,
}

/// <summary>
/// The input of <see cref="PolicyRuleBuilder"/>, as <c>kubectl create role/clusterrole</c> takes it: verbs, resources in
/// kubectl's syntax (<c>pods</c>, <c>deployments.apps</c>, <c>pods/status</c>, <c>rs.apps</c>), resource names and
/// non-resource URLs. When <see cref="Groups"/> is given, every resource gets exactly those API groups (one rule), e.g.
/// deployments and deployments/scale in apps and extensions; otherwise each resource's group comes from its text (core
/// when none) and one rule is made per group, as kubectl does.
/// </summary>
public sealed record PolicyRuleRequest
{
    public IReadOnlyList<string> Verbs { get; init; } = [];

    public IReadOnlyList<string> Resources { get; init; } = [];

    /// <summary>API groups for all resources; null to take them from the resource texts.</summary>
    public IReadOnlyList<string>? Groups { get; init; }

    public IReadOnlyList<string> ResourceNames { get; init; } = [];

    public IReadOnlyList<string> NonResourceUrls { get; init; } = [];
}

/// <summary>
/// Builds PolicyRules with kubectl's client-side checks (pkg/cmd/create/create_role.go, create_clusterrole.go) and the API
/// server's rule validation (K8S-SEMANTICS §1.9), so a bad rule fails before any request with a message naming the
/// parameter: a verb is required; special verbs only on their resources (<c>use</c> on podsecuritypolicies, <c>bind</c> and
/// <c>escalate</c> on roles/clusterroles, <c>impersonate</c> on users/groups/serviceaccounts/userextras); non-resource URLs
/// only in ClusterRoles, starting with '/', with '*' only at the end, and only with the HTTP verbs RBAC knows for them.
/// A verb that is not a standard resource verb is allowed with kubectl's warning.
/// </summary>
public static class PolicyRuleBuilder
{
    /// <summary>kubectl's standard resource verbs.</summary>
    public static IReadOnlySet<string> StandardResourceVerbs { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "*", "get", "delete", "list", "create", "update", "patch", "watch", "proxy", "deletecollection", "use", "bind", "escalate", "impersonate",
    };

    /// <summary>The verbs allowed with non-resource URLs.</summary>
    public static IReadOnlySet<string> NonResourceVerbs { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "*", "get", "post", "put", "delete", "patch", "head", "options",
    };

    private static readonly Dictionary<string, (string Group, string Resource)[]> SpecialVerbs = new(StringComparer.Ordinal)
    {
        ["use"] = [("policy", "podsecuritypolicies"), ("extensions", "podsecuritypolicies")],
        ["bind"] = [(EscalationCheck.RbacApiGroup, "roles"), (EscalationCheck.RbacApiGroup, "clusterroles")],
        ["escalate"] = [(EscalationCheck.RbacApiGroup, "roles"), (EscalationCheck.RbacApiGroup, "clusterroles")],
        ["impersonate"] = [("", "users"), ("", "serviceaccounts"), ("", "groups"), ("authentication.k8s.io", "userextras")],
    };

    /// <summary>
    /// Builds the rules without a cluster: the built-in Kubernetes types stand in for discovery (<c>deployments</c> is
    /// apps/deployments, <c>deploy</c> and <c>rs.apps</c> are expanded, see <see cref="BuiltInResourceTypes"/>); any other type is
    /// used as written, and without a group it is written in the core group with a warning. Warnings (also non-standard
    /// verbs) are added to <paramref name="warnings"/> when given.
    /// </summary>
    public static IReadOnlyList<PolicyRule> Build(PolicyRuleRequest request, RoleScope scope, ICollection<string>? warnings = null)
        => BuildCore(request, scope, warnings, resolved: null);

    /// <summary>
    /// Builds the rules, resolving short names and singular names through discovery (<c>rs.apps</c> → replicasets in apps)
    /// as kubectl does; a type the server does not have is an error (InvalidResource), as in <c>kubectl create role</c>.
    /// </summary>
    public static async Task<IReadOnlyList<PolicyRule>> BuildAsync(
        PolicyRuleRequest request, RoleScope scope, ResourceNameResolver resolver, ICollection<string>? warnings = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(resolver);
        var resolved = new Dictionary<string, (string Resource, string Group)>(StringComparer.Ordinal);
        foreach (var text in request.Resources.Where(r => !string.IsNullOrWhiteSpace(r)))
        {
            var (type, _) = ResourceNameResolver.SplitSubresource(text, null);
            // A '*' resource (also *.GROUP and */SUB) is a wildcard, not a type to look up, as in kubectl; an empty one is
            // reported by the syntax checks below.
            if (ResourceNameResolver.ParseGroupResource(type).Resource is "*" or "" || resolved.ContainsKey(type))
            {
                continue;
            }
            // With explicit groups (e.g. apps and the retired extensions) the type must exist in at least one of them;
            // in the others it is written as given, since a rule may name a group the server no longer serves.
            IReadOnlyList<string?> groups = request.Groups is { Count: > 0 } g ? [.. g] : [null];
            string? notFound = null;
            var foundAny = false;
            foreach (var group in groups)
            {
                var probe = new PermissionCheck { Verb = "get", Resource = type, Group = group };
                var answer = await resolver.ResolveAsync(probe, cancellationToken).ConfigureAwait(false);
                if (!answer.Found)
                {
                    notFound ??= answer.Warnings.FirstOrDefault() ?? $"the server doesn't have a resource type '{type}'";
                    continue;
                }
                foundAny = true;
                resolved[group is null ? type : type + "\n" + group] = (answer.Resource, answer.Group);
            }
            // kubectl accepts a type discovery does not list (users, groups, userextras) when a special verb is meant for it.
            if (!foundAny && !IsSpecialVerbTarget(request.Verbs, type, request.Groups))
            {
                throw PermissionErrors.InvalidArgument("Resource", notFound!);
            }
        }
        return BuildCore(request, scope, warnings, resolved);
    }

    private static bool IsSpecialVerbTarget(IReadOnlyList<string> verbs, string type, IReadOnlyList<string>? groups)
    {
        var (resource, group) = ResourceNameResolver.ParseGroupResource(type);
        IReadOnlyList<string> candidates = groups is { Count: > 0 } ? groups : [group];
        return verbs.Any(v => SpecialVerbs.TryGetValue(v.Trim(), out var allowed)
            && candidates.Any(g => allowed.Any(a => a.Resource == resource && a.Group == g.Trim())));
    }

    private static IReadOnlyList<PolicyRule> BuildCore(
        PolicyRuleRequest request, RoleScope scope, ICollection<string>? warnings, Dictionary<string, (string Resource, string Group)>? resolved)
    {
        ArgumentNullException.ThrowIfNull(request);
        var verbs = Distinct(request.Verbs);
        if (verbs.Count == 0)
        {
            throw PermissionErrors.InvalidArgument("Verb", "at least one verb must be specified");
        }
        if (verbs.Contains("*"))
        {
            // '*' covers every verb: kubectl create role writes it alone.
            verbs = ["*"];
        }
        var resources = Distinct(request.Resources);
        var urls = Distinct(request.NonResourceUrls);
        var names = Distinct(request.ResourceNames);
        if (resources.Count == 0 && urls.Count == 0)
        {
            throw scope == RoleScope.Role
                ? PermissionErrors.InvalidArgument("Resource", "at least one resource must be specified")
                : PermissionErrors.InvalidArgument("Resource", "one of resource or nonResourceURL must be specified");
        }
        if (names.Count > 0 && resources.Count == 0)
        {
            throw PermissionErrors.InvalidArgument("ResourceName", "resource names apply to resources; give Resource too (non-resource URLs have no names)");
        }

        var rules = new List<PolicyRule>();
        if (resources.Count > 0)
        {
            foreach (var verb in verbs.Where(v => !StandardResourceVerbs.Contains(v)))
            {
                warnings?.Add($"'{verb}' is not a standard resource verb");
            }
            if (names.Count > 0 && verbs.Where(v => v is "create" or "deletecollection" or "list" or "watch").ToList() is { Count: > 0 } nameless)
            {
                // RBAC matches resource names only against requests that carry a name (K8S-SEMANTICS 1.2).
                warnings?.Add($"resource names never match {string.Join(", ", nameless)} requests without an object name " +
                    "(create on a collection, deletecollection, or list/watch without a metadata.name field selector), so the rule does not allow them");
            }
            rules.AddRange(ResourceRules(request, verbs, resources, names, resolved, warnings));
        }

        if (urls.Count > 0)
        {
            if (scope == RoleScope.Role)
            {
                throw PermissionErrors.InvalidArgument("NonResourceUrl", "namespaced rules cannot apply to non-resource URLs; use a ClusterRole (ClusterWide) for non-resource URLs");
            }
            foreach (var verb in verbs)
            {
                if (!NonResourceVerbs.Contains(verb))
                {
                    throw PermissionErrors.InvalidArgument("Verb", $"invalid verb: '{verb}' for nonResourceURL");
                }
            }
            foreach (var url in urls)
            {
                ValidateNonResourceUrl(url);
            }
            rules.Add(PolicyRules.NonResource(verbs, urls));
        }
        return rules;
    }

    /// <summary>kubectl's non-resource URL checks: <c>*</c>, or a path starting with '/' with '*' only at the end.</summary>
    public static void ValidateNonResourceUrl(string url)
    {
        if (url == "*")
        {
            return;
        }
        if (url.Length == 0 || url[0] != '/')
        {
            throw PermissionErrors.InvalidArgument("NonResourceUrl", $"nonResourceURL should start with / (got \"{url}\")");
        }
        if (url[..^1].Contains('*'))
        {
            throw PermissionErrors.InvalidArgument("NonResourceUrl", $"nonResourceURL only supports wildcard matches when '*' is at the end (got \"{url}\")");
        }
    }

    private static IEnumerable<PolicyRule> ResourceRules(
        PolicyRuleRequest request, List<string> verbs, List<string> resources, List<string> names,
        Dictionary<string, (string Resource, string Group)>? resolved, ICollection<string>? warnings)
    {
        var explicitGroups = request.Groups is null ? null : Distinct(request.Groups, keepEmpty: true);
        if (explicitGroups is { Count: 0 })
        {
            explicitGroups = null;
        }

        // group -> resources (with /sub), in first-seen order.
        var byGroup = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        var allResources = new List<string>();
        foreach (var text in resources)
        {
            var (type, sub) = ResourceNameResolver.SplitSubresource(text, null);
            string resource;
            string group;
            if (type == "*")
            {
                (resource, group) = ("*", "");
            }
            else
            {
                (resource, group) = ResourceNameResolver.ParseGroupResource(type);
                if (resource.Length == 0)
                {
                    throw PermissionErrors.InvalidArgument("Resource", $"resource must be specified if apiGroup/subresource specified (got \"{text}\")");
                }
                if (explicitGroups is not null && group.Length > 0)
                {
                    throw PermissionErrors.InvalidArgument("Resource", $"-Resource \"{text}\" names a group while -ApiGroup is given; give groups in one place");
                }
            }

            if (explicitGroups is null)
            {
                if (resolved is not null && type != "*" && resolved.TryGetValue(type, out var mapped))
                {
                    (resource, group) = mapped;
                }
                else if (resolved is null && resource != "*")
                {
                    // Without a cluster, the built-in types stand in for discovery; anything else is used as written.
                    if (BuiltInResourceTypes.TryResolve(resource, group.Length > 0 ? group : null, out var plural, out var builtInGroup))
                    {
                        (resource, group) = (plural, builtInGroup);
                    }
                    else if (group.Length == 0)
                    {
                        warnings?.Add($"'{resource}' is not a built-in resource type; it is written in the core group. Give {resource}.GROUP (or -ApiGroup) for a custom resource.");
                    }
                }
                CheckSpecialVerbs(verbs, resource, group);
                Add(byGroup, group, sub.Length > 0 ? resource + "/" + sub : resource);
            }
            else
            {
                if (resolved is null && resource != "*" && BuiltInResourceTypes.TryResolve(resource, null, out var plural, out _))
                {
                    resource = plural;
                }
                foreach (var g in explicitGroups)
                {
                    var (r, gg) = resolved is not null && type != "*" && resolved.TryGetValue(type + "\n" + g, out var m) ? m : (resource, g);
                    CheckSpecialVerbs(verbs, r, gg);
                    if (!allResources.Contains(sub.Length > 0 ? r + "/" + sub : r))
                    {
                        allResources.Add(sub.Length > 0 ? r + "/" + sub : r);
                    }
                }
            }
        }

        if (explicitGroups is not null)
        {
            yield return PolicyRules.Resource(verbs, explicitGroups, allResources, names.Count == 0 ? null : names);
            yield break;
        }
        foreach (var (group, groupResources) in byGroup)
        {
            yield return PolicyRules.Resource(verbs, [group], groupResources, names.Count == 0 ? null : names);
        }
    }

    private static void CheckSpecialVerbs(List<string> verbs, string resource, string group)
    {
        if (resource == "*")
        {
            return;
        }
        foreach (var verb in verbs)
        {
            if (SpecialVerbs.TryGetValue(verb, out var allowed) && !allowed.Any(a => a.Resource == resource && a.Group == group))
            {
                throw PermissionErrors.InvalidArgument("Verb", $"can not perform '{verb}' on '{resource}' in group '{group}'");
            }
        }
    }

    private static void Add(SortedDictionary<string, List<string>> byGroup, string group, string resource)
    {
        if (!byGroup.TryGetValue(group, out var list))
        {
            byGroup[group] = list = [];
        }
        if (!list.Contains(resource))
        {
            list.Add(resource);
        }
    }

    private static List<string> Distinct(IEnumerable<string>? values, bool keepEmpty = false)
    {
        var result = new List<string>();
        foreach (var value in values ?? [])
        {
            var trimmed = value?.Trim() ?? "";
            if ((trimmed.Length > 0 || keepEmpty) && !result.Contains(trimmed))
            {
                result.Add(trimmed);
            }
        }
        return result;
    }
}
