using K8sServiceAccount.Client.Models;

namespace K8sServiceAccount.Client.Rbac;

/// <summary>How an escalation check ended.</summary>
public enum EscalationVerdict
{
    /// <summary>The user is in <c>system:masters</c>: no check at all.</summary>
    AllowedPrivilegedGroup,

    /// <summary>RBAC allows the user <c>escalate</c> on the role (role writes) or <c>bind</c> on the referenced role (binding writes).</summary>
    AllowedByVerb,

    /// <summary>The user already holds every permission being granted.</summary>
    AllowedCovered,

    /// <summary>403: the user would grant permissions not held (or use aggregationRule without full authority).</summary>
    Forbidden,

    /// <summary>404: a binding references a role that does not exist (and the user has no <c>bind</c>).</summary>
    RoleNotFound,
}

/// <summary>
/// The result of an escalation check. <see cref="Message"/> is the complete Status message the API server returns
/// (e.g. <c>roles.rbac.authorization.k8s.io "r" is forbidden: user "u" (groups=["g"]) is attempting to grant RBAC permissions not currently held:\n{...}</c>
/// or <c>clusterroles.rbac.authorization.k8s.io "x" not found</c>); null when allowed.
/// </summary>
public sealed record EscalationDecision(EscalationVerdict Verdict, string? Message, IReadOnlyList<PolicyRule> MissingRules)
{
    public bool Allowed => Verdict is EscalationVerdict.AllowedPrivilegedGroup or EscalationVerdict.AllowedByVerb or EscalationVerdict.AllowedCovered;

    /// <summary>For <see cref="EscalationVerdict.RoleNotFound"/>: the plural resource (<c>roles</c> or <c>clusterroles</c>) and name that were not found.</summary>
    public (string Resource, string Name)? NotFound { get; init; }
}

/// <summary>
/// Escalation prevention for RBAC writes (K8S-SEMANTICS §1.8): a user may only create or update a role, or bind a role,
/// whose permissions they already hold, unless they are in <c>system:masters</c> or hold <c>escalate</c>/<c>bind</c>.
/// Covering is decided per atomic (group, resource, verb, name) or (URL, verb) tuple; missing permissions are compacted and
/// printed as the API server prints them. These checks run after the write itself has been authorized.
/// </summary>
public static class EscalationCheck
{
    /// <summary>The RBAC API group (the same constant as <see cref="RbacValidation.RbacApiGroup"/>).</summary>
    public const string RbacApiGroup = RbacValidation.RbacApiGroup;

    /// <summary>Everything: <c>*</c> on <c>*.*</c> and <c>*</c> on nonResourceURL <c>*</c> (needed to use aggregationRule).</summary>
    public static IReadOnlyList<PolicyRule> FullAuthority =>
    [
        PolicyRules.Resource(["*"], ["*"], ["*"]),
        PolicyRules.NonResource(["*"], ["*"]),
    ];

    /// <summary>
    /// True when <paramref name="ownerRules"/> cover every permission of <paramref name="requested"/>. <paramref name="missing"/>
    /// receives the uncovered permissions, compacted (rules differing only by verb merged).
    /// </summary>
    public static bool Covers(IEnumerable<PolicyRule> ownerRules, IEnumerable<PolicyRule> requested, out IReadOnlyList<PolicyRule> missing)
    {
        ArgumentNullException.ThrowIfNull(ownerRules);
        ArgumentNullException.ThrowIfNull(requested);
        var owners = ownerRules as IReadOnlyList<PolicyRule> ?? ownerRules.ToList();
        var uncovered = new List<PolicyRule>();
        foreach (var rule in requested)
        {
            foreach (var atom in Breakdown(rule))
            {
                var covered = false;
                for (var i = 0; i < owners.Count && !covered; i++)
                {
                    covered = RuleCovers(owners[i], atom);
                }
                if (!covered)
                {
                    uncovered.Add(atom);
                }
            }
        }
        missing = Compact(uncovered);
        return uncovered.Count == 0;
    }

    /// <summary>
    /// Splits a rule into rules of one group, one resource, one verb and at most one resource name, plus one rule per
    /// (nonResourceURL, verb).
    /// </summary>
    public static IReadOnlyList<PolicyRule> Breakdown(PolicyRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var result = new List<PolicyRule>();
        var names = rule.ResourceNames ?? [];
        foreach (var group in rule.ApiGroups ?? [])
        {
            foreach (var resource in rule.Resources ?? [])
            {
                foreach (var verb in rule.Verbs ?? [])
                {
                    if (names.Count == 0)
                    {
                        result.Add(new PolicyRule { ApiGroups = [group], Resources = [resource], Verbs = [verb] });
                        continue;
                    }
                    foreach (var name in names)
                    {
                        result.Add(new PolicyRule { ApiGroups = [group], Resources = [resource], Verbs = [verb], ResourceNames = [name] });
                    }
                }
            }
        }
        foreach (var url in rule.NonResourceURLs ?? [])
        {
            foreach (var verb in rule.Verbs ?? [])
            {
                result.Add(new PolicyRule { NonResourceURLs = [url], Verbs = [verb] });
            }
        }
        return result;
    }

    /// <summary>
    /// Merges rules that have exactly one group, one resource, at most one resource name, no URLs, and differ only by verb
    /// (the shape <see cref="Breakdown"/> produces). Other rules are kept as they are.
    /// </summary>
    public static IReadOnlyList<PolicyRule> Compact(IEnumerable<PolicyRule> rules)
    {
        var result = new List<PolicyRule>();
        var simple = new Dictionary<(string Group, string Resource, string? Name), PolicyRule>();
        var simpleOrder = new List<PolicyRule>();
        foreach (var rule in rules)
        {
            var names = rule.ResourceNames ?? [];
            var isSimple = names.Count <= 1 && (rule.NonResourceURLs?.Count ?? 0) == 0
                && rule.ApiGroups?.Count == 1 && rule.Resources?.Count == 1;
            if (!isSimple)
            {
                result.Add(rule);
                continue;
            }
            var key = (rule.ApiGroups![0], rule.Resources![0], names.Count == 0 ? null : names[0]);
            if (simple.TryGetValue(key, out var existing))
            {
                existing.Verbs = [.. existing.Verbs ?? [], .. rule.Verbs ?? []];
            }
            else
            {
                var copy = PolicyRules.Clone(rule);
                simple[key] = copy;
                simpleOrder.Add(copy);
            }
        }
        result.AddRange(simpleOrder);
        return result;
    }

    /// <summary>
    /// The compact form the API server prints for a rule: <c>{APIGroups:[""], Resources:["secrets"], Verbs:["get" "list"]}</c>
    /// (fields in the order APIGroups, Resources, NonResourceURLs, ResourceNames, Verbs, each only when non-empty).
    /// </summary>
    public static string CompactString(PolicyRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var parts = new List<string>(5);
        if (rule.ApiGroups is { Count: > 0 }) parts.Add("APIGroups:" + GoQuote.QuoteList(rule.ApiGroups));
        if (rule.Resources is { Count: > 0 }) parts.Add("Resources:" + GoQuote.QuoteList(rule.Resources));
        if (rule.NonResourceURLs is { Count: > 0 }) parts.Add("NonResourceURLs:" + GoQuote.QuoteList(rule.NonResourceURLs));
        if (rule.ResourceNames is { Count: > 0 }) parts.Add("ResourceNames:" + GoQuote.QuoteList(rule.ResourceNames));
        if (rule.Verbs is { Count: > 0 }) parts.Add("Verbs:" + GoQuote.QuoteList(rule.Verbs));
        return "{" + string.Join(", ", parts) + "}";
    }

    /// <summary>One <see cref="CompactString"/> line per missing rule, de-duplicated, sorted ordinally, joined with newlines.</summary>
    public static string FormatMissingRules(IReadOnlyList<PolicyRule> missing)
    {
        ArgumentNullException.ThrowIfNull(missing);
        var lines = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var rule in missing)
        {
            lines.Add(CompactString(rule));
        }
        return string.Join("\n", lines);
    }

    /// <summary>
    /// <c>user "u" (groups=["a" "b"]) is attempting to grant RBAC permissions not currently held:</c> + newline + the missing
    /// rules, and <c>; resolution errors: [...]</c> when rule resolution met errors.
    /// </summary>
    public static string FormatNotHeldMessage(UserInfo user, IReadOnlyList<PolicyRule> missing, string? resolutionError = null)
    {
        ArgumentNullException.ThrowIfNull(user);
        var message = $"user {GoQuote.Quote(user.Name)} (groups={GoQuote.QuoteList(user.Groups)}) is attempting to grant RBAC permissions not currently held:\n{FormatMissingRules(missing)}";
        return resolutionError is null ? message : message + "; resolution errors: [" + resolutionError + "]";
    }

    /// <summary>
    /// Decides whether <paramref name="user"/> may create or update a Role (<paramref name="roleKind"/> <c>Role</c>, in
    /// <paramref name="namespace"/>) or ClusterRole (<c>ClusterRole</c>, namespace <c>""</c>) with <paramref name="rules"/>.
    /// <paramref name="requestName"/> is the name in the request URL (empty for a create, which is why <c>escalate</c> limited
    /// by resourceNames never helps a create). <paramref name="usesAggregationRule"/>: the new or the old object has an
    /// aggregationRule, which additionally requires full authority. Updates that only change garbage-collection fields
    /// (ownerReferences, finalizers) are exempt and should not be checked.
    /// </summary>
    public static EscalationDecision CheckRoleWrite(
        RbacAuthorizer authorizer,
        UserInfo user,
        string roleKind,
        string @namespace,
        string objectName,
        string requestName,
        IEnumerable<PolicyRule> rules,
        bool usesAggregationRule = false)
    {
        ArgumentNullException.ThrowIfNull(authorizer);
        ArgumentNullException.ThrowIfNull(user);
        var resource = ResourceFor(roleKind, nameof(roleKind));
        @namespace = roleKind == "ClusterRole" ? "" : @namespace ?? "";
        if (user.IsInGroup(ServiceAccountIdentity.MastersGroup))
        {
            return Decision(EscalationVerdict.AllowedPrivilegedGroup);
        }
        var escalate = AccessRequest.ForResource(user, "escalate", resource, @namespace, RbacApiGroup, name: requestName ?? "");
        if (authorizer.Authorize(escalate).Allowed)
        {
            return Decision(EscalationVerdict.AllowedByVerb);
        }
        var held = authorizer.RulesFor(user, @namespace, registryStyleErrors: true);
        if (!Covers(held.Rules, rules, out var missing))
        {
            return Forbidden(resource, objectName, FormatNotHeldMessage(user, missing, held.EvaluationError), missing);
        }
        if (usesAggregationRule && !Covers(held.Rules, FullAuthority, out _))
        {
            return Forbidden(resource, objectName, "must have cluster-admin privileges to use the aggregationRule", []);
        }
        return Decision(EscalationVerdict.AllowedCovered);
    }

    /// <summary>
    /// Decides whether <paramref name="user"/> may create or update a RoleBinding (in <paramref name="namespace"/>) or a
    /// ClusterRoleBinding (<paramref name="bindingKind"/> <c>ClusterRoleBinding</c>; namespace <c>""</c>) that references
    /// <paramref name="roleRef"/>: allowed for <c>system:masters</c>, with <c>bind</c> on the referenced role (name and
    /// namespace specific), or when the user already holds all of the role's rules. A missing role without <c>bind</c> gives
    /// <see cref="EscalationVerdict.RoleNotFound"/> (404).
    /// </summary>
    public static EscalationDecision CheckBindingWrite(
        RbacAuthorizer authorizer,
        UserInfo user,
        string bindingKind,
        string @namespace,
        string bindingName,
        RoleRef roleRef)
    {
        ArgumentNullException.ThrowIfNull(authorizer);
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(roleRef);
        var bindingResource = bindingKind switch
        {
            "RoleBinding" => "rolebindings",
            "ClusterRoleBinding" => "clusterrolebindings",
            _ => throw new ArgumentException($"bindingKind must be RoleBinding or ClusterRoleBinding, not \"{bindingKind}\".", nameof(bindingKind)),
        };
        @namespace = bindingKind == "ClusterRoleBinding" ? "" : @namespace ?? "";
        if (user.IsInGroup(ServiceAccountIdentity.MastersGroup))
        {
            return Decision(EscalationVerdict.AllowedPrivilegedGroup);
        }
        var roleResource = ResourceFor(roleRef.Kind, "roleRef.kind");
        var apiGroup = string.IsNullOrEmpty(roleRef.ApiGroup) ? RbacApiGroup : roleRef.ApiGroup;
        var bind = AccessRequest.ForResource(user, "bind", roleResource, @namespace, apiGroup, name: roleRef.Name ?? "");
        if (authorizer.Authorize(bind).Allowed)
        {
            return Decision(EscalationVerdict.AllowedByVerb);
        }
        var roleRules = authorizer.ResolveRoleRef(roleRef, @namespace, registryStyleErrors: true, out var error);
        if (roleRules is null)
        {
            return new EscalationDecision(EscalationVerdict.RoleNotFound, error, []) { NotFound = (roleResource, roleRef.Name ?? "") };
        }
        var held = authorizer.RulesFor(user, @namespace, registryStyleErrors: true);
        if (!Covers(held.Rules, roleRules, out var missing))
        {
            return Forbidden(bindingResource, bindingName, FormatNotHeldMessage(user, missing, held.EvaluationError), missing);
        }
        return Decision(EscalationVerdict.AllowedCovered);
    }

    private static string ResourceFor(string? roleKind, string parameter) => roleKind switch
    {
        "Role" => "roles",
        "ClusterRole" => "clusterroles",
        _ => throw new ArgumentException($"{parameter} must be Role or ClusterRole, not \"{roleKind}\".", parameter),
    };

    private static EscalationDecision Decision(EscalationVerdict verdict) => new(verdict, null, []);

    private static EscalationDecision Forbidden(string resource, string objectName, string detail, IReadOnlyList<PolicyRule> missing)
    {
        var qualified = resource + "." + RbacApiGroup;
        var message = string.IsNullOrEmpty(objectName)
            ? $"{qualified} is forbidden: {detail}"
            : $"{qualified} {GoQuote.Quote(objectName)} is forbidden: {detail}";
        return new EscalationDecision(EscalationVerdict.Forbidden, message, missing);
    }

    /// <summary>Whether an owner rule covers an atomic rule from <see cref="Breakdown"/>.</summary>
    private static bool RuleCovers(PolicyRule owner, PolicyRule atom)
    {
        var ownerNames = owner.ResourceNames ?? [];
        var atomNames = atom.ResourceNames ?? [];
        var namesMatch = atomNames.Count == 0 ? ownerNames.Count == 0 : ownerNames.Count == 0 || ContainsAll(ownerNames, atomNames);
        return namesMatch
            && (Contains(owner.Verbs, RuleMatcher.All) || ContainsAll(owner.Verbs, atom.Verbs))
            && (Contains(owner.ApiGroups, RuleMatcher.All) || ContainsAll(owner.ApiGroups, atom.ApiGroups))
            && ResourcesCover(owner.Resources, atom.Resources ?? [])
            && UrlsCover(owner.NonResourceURLs, atom.NonResourceURLs ?? []);
    }

    private static bool ResourcesCover(List<string>? owner, List<string> requested)
    {
        if (Contains(owner, RuleMatcher.All))
        {
            return true;
        }
        foreach (var path in requested)
        {
            if (Contains(owner, path))
            {
                continue;
            }
            var slash = path.IndexOf('/');
            if (slash < 0 || !Contains(owner, "*/" + path[(slash + 1)..]))
            {
                return false;
            }
        }
        return true;
    }

    private static bool UrlsCover(List<string>? owner, List<string> requested)
    {
        foreach (var path in requested)
        {
            var covered = false;
            foreach (var pattern in owner ?? [])
            {
                if (pattern == path || (pattern.EndsWith('*') && path.StartsWith(pattern.TrimEnd('*'), StringComparison.Ordinal)))
                {
                    covered = true;
                    break;
                }
            }
            if (!covered)
            {
                return false;
            }
        }
        return true;
    }

    private static bool Contains(List<string>? values, string value) => values is not null && values.Contains(value, StringComparer.Ordinal);

    private static bool ContainsAll(List<string>? set, List<string>? values)
    {
        foreach (var value in values ?? [])
        {
            if (!Contains(set, value))
            {
                return false;
            }
        }
        return true;
    }
}
