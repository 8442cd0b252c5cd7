using K8sServiceAccount.Client.Models;
using K8sServiceAccount.Client.Rbac;

namespace K8sServiceAccount.Client.Permissions;

/// <summary>
/// One rule an identity holds, with where it applies and, when known, the binding and role it comes from.
/// A resource rule has ApiGroups/Resources (and maybe ResourceNames); a non-resource rule has NonResourceUrls.
/// </summary>
public sealed record EffectiveRule
{
    /// <summary><c>""</c>: cluster-wide (a ClusterRoleBinding; non-resource rules); otherwise the namespace it is limited to.</summary>
    public string Scope { get; init; } = "";

    public IReadOnlyList<string> Verbs { get; init; } = [];

    public IReadOnlyList<string> ApiGroups { get; init; } = [];

    public IReadOnlyList<string> Resources { get; init; } = [];

    public IReadOnlyList<string> ResourceNames { get; init; } = [];

    public IReadOnlyList<string> NonResourceUrls { get; init; } = [];

    /// <summary>ClusterRoleBinding or RoleBinding; null when the server did not say (SelfSubjectRulesReview).</summary>
    public string? BindingKind { get; init; }

    public string? BindingName { get; init; }

    /// <summary>The RoleBinding's namespace; <c>""</c> for a ClusterRoleBinding; null when unknown.</summary>
    public string? BindingNamespace { get; init; }

    /// <summary>Role or ClusterRole; null when unknown.</summary>
    public string? RoleKind { get; init; }

    public string? RoleName { get; init; }

    /// <summary>
    /// The subject of the binding that matched as the module writes subjects, e.g. <c>ServiceAccount ns1/app</c> or
    /// <c>Group system:authenticated</c> (not the authorizer's <c>ServiceAccount "app/ns1"</c>).
    /// </summary>
    public string? BindingSubject { get; init; }

    /// <summary>The rule as a PolicyRule.</summary>
    public PolicyRule ToPolicyRule() => NonResourceUrls.Count > 0
        ? PolicyRules.NonResource(Verbs, NonResourceUrls)
        : PolicyRules.Resource(Verbs, ApiGroups, Resources, ResourceNames.Count == 0 ? null : ResourceNames);

    /// <summary>The API server's compact form, e.g. <c>{APIGroups:["apps"], Resources:["deployments"], Verbs:["get"]}</c>.</summary>
    public override string ToString() => EscalationCheck.CompactString(ToPolicyRule());

    internal static EffectiveRule From(PermissionGrant grant)
    {
        var rule = grant.Rule;
        var source = grant.Source;
        return new EffectiveRule
        {
            Scope = source.Scope,
            Verbs = rule.Verbs ?? [],
            ApiGroups = rule.ApiGroups ?? [],
            Resources = rule.Resources ?? [],
            ResourceNames = rule.ResourceNames ?? [],
            NonResourceUrls = rule.NonResourceURLs ?? [],
            BindingKind = source.BindingKind,
            BindingName = source.BindingName,
            BindingNamespace = source.BindingNamespace,
            RoleKind = source.RoleKind,
            RoleName = source.RoleName,
            BindingSubject = SubjectText(source.Subject, source.BindingNamespace),
        };
    }

    /// <summary>Kind and name, NAMESPACE/NAME for a ServiceAccount (a RoleBinding's namespace when the subject names none).</summary>
    internal static string SubjectText(Subject subject, string bindingNamespace)
    {
        if (subject.Kind == SubjectKinds.ServiceAccount)
        {
            var ns = string.IsNullOrEmpty(subject.Namespace) ? bindingNamespace : subject.Namespace;
            return $"{subject.Kind} {ns}/{subject.Name}";
        }

        return $"{subject.Kind} {subject.Name}";
    }
}

/// <summary>The answer of a SelfSubjectRulesReview: the caller's rules in one namespace (binding and role are not reported).</summary>
/// <param name="Namespace">The namespace asked about.</param>
/// <param name="Rules">The rules, as the server lists them (not merged); resource rules have Scope = the namespace, non-resource rules "".</param>
/// <param name="Incomplete">True when some authorizer could not list its rules (webhook, Node): the list may miss permissions.</param>
/// <param name="EvaluationError">Errors met while listing.</param>
public sealed record SelfRulesReviewResult(string Namespace, IReadOnlyList<EffectiveRule> Rules, bool Incomplete, string EvaluationError);

/// <summary>How an explanation ended.</summary>
public enum ExplanationVerdict
{
    /// <summary>One or more RBAC rules grant the action (all are listed).</summary>
    GrantedByRbac,

    /// <summary>No RBAC rule grants it (and the server, when asked, did not allow it).</summary>
    NotGranted,

    /// <summary>Allowed, but by no RBAC rule: another authorizer (system:masters, Node, webhook).</summary>
    AllowedByOtherAuthorizer,
}

/// <summary>Why a check is (not) allowed: every binding, role and rule that grants it.</summary>
public sealed record PermissionExplanation(PermissionCheckResult Result, ExplanationVerdict Verdict, IReadOnlyList<EffectiveRule> Grants, string Message);

/// <summary>
/// A subject allowed to do something ("who can"), with the binding, role and rule that allow it. <see cref="Covers"/> says what
/// the subject stands for: <c>all ServiceAccounts in namespace NS</c> for <c>system:serviceaccounts:NS</c>, and so on.
/// </summary>
public sealed record PermissionHolder
{
    /// <summary>User, Group or ServiceAccount.</summary>
    public required string SubjectKind { get; init; }

    public required string SubjectName { get; init; }

    /// <summary>The ServiceAccount's namespace (filled in from a RoleBinding when the subject omits it); "" otherwise.</summary>
    public string SubjectNamespace { get; init; } = "";

    /// <summary>A readable description of who the subject covers.</summary>
    public required string Covers { get; init; }

    /// <summary>ClusterRoleBinding or RoleBinding; empty for the privileged group, which needs no binding.</summary>
    public string BindingKind { get; init; } = "";

    public string BindingName { get; init; } = "";

    public string BindingNamespace { get; init; } = "";

    public string RoleKind { get; init; } = "";

    public string RoleName { get; init; } = "";

    /// <summary>The first rule of the role that allows the action (compact form); empty for the privileged group.</summary>
    public string Rule { get; init; } = "";

    /// <summary>What a group or subject stands for, in words.</summary>
    public static string Describe(string kind, string name, string @namespace)
    {
        switch (kind)
        {
            case SubjectKinds.ServiceAccount:
                return $"ServiceAccount {@namespace}/{name}";
            case SubjectKinds.User:
                return ServiceAccountIdentity.TryParse(name, out var ns, out var sa) ? $"ServiceAccount {ns}/{sa} (named as a user)" : $"user {name}";
            case SubjectKinds.Group:
                if (name == ServiceAccountIdentity.AllServiceAccountsGroup) return "all ServiceAccounts in all namespaces";
                if (name.StartsWith(ServiceAccountIdentity.NamespaceGroupPrefix, StringComparison.Ordinal))
                {
                    return $"all ServiceAccounts in namespace {name[ServiceAccountIdentity.NamespaceGroupPrefix.Length..]}";
                }
                if (name == ServiceAccountIdentity.AuthenticatedGroup) return "all authenticated users and ServiceAccounts";
                if (name == ServiceAccountIdentity.UnauthenticatedGroup) return "anonymous (unauthenticated) requests";
                if (name == ServiceAccountIdentity.MastersGroup) return "members of system:masters (cluster administrators)";
                return $"members of group {name}";
            default:
                return $"{kind} {name}";
        }
    }
}

/// <summary>
/// One permission that differs between two identities, in the style of Compare-Object: <c>&lt;=</c> only the reference has
/// it, <c>=&gt;</c> only the difference has it, <c>==</c> both (when equal ones are asked for). Permissions are compared as
/// atomic tuples (scope, verb, group, resource, resource name) or (verb, URL), literally: <c>*</c> is a value of its own,
/// so a <c>*</c> on one side and <c>get</c> on the other are two differences.
/// </summary>
public sealed record PermissionDifference
{
    public required string SideIndicator { get; init; }

    /// <summary><c>""</c> for cluster-wide, otherwise the namespace.</summary>
    public string Scope { get; init; } = "";

    public required string Verb { get; init; }

    public string ApiGroup { get; init; } = "";

    public string Resource { get; init; } = "";

    public string ResourceName { get; init; } = "";

    public string NonResourceUrl { get; init; } = "";

    /// <summary>Compares two rule sets (e.g. two ServiceAccounts' effective rules); results sorted by scope, group, resource, verb.</summary>
    public static IReadOnlyList<PermissionDifference> Compare(IEnumerable<EffectiveRule> reference, IEnumerable<EffectiveRule> difference, bool includeEqual = false)
    {
        var left = Atoms(reference);
        var right = Atoms(difference);
        var result = new List<PermissionDifference>();
        foreach (var atom in left)
        {
            if (!right.Contains(atom))
            {
                result.Add(atom.ToDifference("<="));
            }
            else if (includeEqual)
            {
                result.Add(atom.ToDifference("=="));
            }
        }
        foreach (var atom in right)
        {
            if (!left.Contains(atom))
            {
                result.Add(atom.ToDifference("=>"));
            }
        }
        return result
            .OrderBy(d => d.Scope, StringComparer.Ordinal)
            .ThenBy(d => d.NonResourceUrl, StringComparer.Ordinal)
            .ThenBy(d => d.ApiGroup, StringComparer.Ordinal)
            .ThenBy(d => d.Resource, StringComparer.Ordinal)
            .ThenBy(d => d.ResourceName, StringComparer.Ordinal)
            .ThenBy(d => d.Verb, StringComparer.Ordinal)
            .ThenBy(d => d.SideIndicator, StringComparer.Ordinal)
            .ToList();
    }

    private static HashSet<Atom> Atoms(IEnumerable<EffectiveRule> rules)
    {
        var atoms = new HashSet<Atom>();
        foreach (var rule in rules)
        {
            foreach (var piece in EscalationCheck.Breakdown(rule.ToPolicyRule()))
            {
                atoms.Add(piece.NonResourceURLs is { Count: > 0 } urls
                    ? new Atom("", piece.Verbs![0], "", "", "", urls[0])
                    : new Atom(rule.Scope, piece.Verbs![0], piece.ApiGroups![0], piece.Resources![0], piece.ResourceNames is { Count: > 0 } n ? n[0] : "", ""));
            }
        }
        return atoms;
    }

    private readonly record struct Atom(string Scope, string Verb, string Group, string Resource, string Name, string Url)
    {
        public PermissionDifference ToDifference(string side) => new()
        {
            SideIndicator = side,
            Scope = Scope,
            Verb = Verb,
            ApiGroup = Group,
            Resource = Resource,
            ResourceName = Name,
            NonResourceUrl = Url,
        };
    }
}
