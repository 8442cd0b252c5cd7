namespace K8sServiceAccount;

/// <summary>
/// One rule an identity holds (Get-K8sPermission, Test-K8sPermission -Explain), with where it applies and the binding
/// and role that grant it when known. A resource rule has ApiGroups and Resources; a non-resource rule has NonResourceUrls.
/// </summary>
public sealed class K8sPermissionRule
{
    /// <summary>Whose rule it is: (self), system:serviceaccount:NAMESPACE:NAME, a user or groups.</summary>
    public string Subject { get; init; } = string.Empty;

    /// <summary>Empty for cluster-wide (a ClusterRoleBinding, non-resource rules); otherwise the namespace it is limited to.</summary>
    public string Scope { get; init; } = string.Empty;

    /// <summary>The verbs allowed.</summary>
    public string[] Verbs { get; init; } = Array.Empty<string>();

    /// <summary>The API groups (empty string: the core group; *: all).</summary>
    public string[] ApiGroups { get; init; } = Array.Empty<string>();

    /// <summary>The resources (with /subresource where the rule names one).</summary>
    public string[] Resources { get; init; } = Array.Empty<string>();

    /// <summary>The object names the rule is limited to; empty for all objects.</summary>
    public string[] ResourceNames { get; init; } = Array.Empty<string>();

    /// <summary>The non-resource URLs of a non-resource rule.</summary>
    public string[] NonResourceUrls { get; init; } = Array.Empty<string>();

    /// <summary>ClusterRoleBinding or RoleBinding; null when the server did not say (SelfSubjectRulesReview).</summary>
    public string? BindingKind { get; init; }

    /// <summary>The binding's name; null when unknown.</summary>
    public string? BindingName { get; init; }

    /// <summary>The RoleBinding's namespace; empty for a ClusterRoleBinding; null when unknown.</summary>
    public string? BindingNamespace { get; init; }

    /// <summary>Role or ClusterRole; null when unknown.</summary>
    public string? RoleKind { get; init; }

    /// <summary>The role's name; null when unknown.</summary>
    public string? RoleName { get; init; }

    /// <summary>The binding subject that matched, e.g. ServiceAccount "app/ns1" or Group "system:authenticated".</summary>
    public string? BindingSubject { get; init; }

    /// <summary>True when the server could not list every rule (SelfSubjectRulesReview incomplete): more may be allowed.</summary>
    public bool Incomplete { get; init; }

    /// <summary>Errors met while listing or resolving the rules.</summary>
    public string EvaluationError { get; init; } = string.Empty;

    /// <summary>
    /// How the rules were found: RbacObjects (the cluster's, a snapshot's or policy files' roles and bindings) or
    /// SelfSubjectRulesReview (the server's answer for yourself, or for another identity by impersonation when the RBAC
    /// objects may not be listed; binding and role are then unknown).
    /// </summary>
    public string Method { get; init; } = RbacObjectsMethod;

    internal const string RbacObjectsMethod = "RbacObjects";
    internal const string RulesReviewMethod = "SelfSubjectRulesReview";

    /// <summary>The rule in the API server's compact form.</summary>
    public string Rule { get; init; } = string.Empty;

    /// <summary>The rule in the API server's compact form.</summary>
    public override string ToString() => Rule;
}
