namespace K8sServiceAccount;

/// <summary>How much a permission lets its holder take beyond what it was given (Get-K8sRiskyPermission); higher is worse.</summary>
public enum K8sRiskSeverity
{
    /// <summary>Reach beyond the grant is narrow (e.g. port-forward in one namespace).</summary>
    Low = 0,

    /// <summary>Wildcards, binding writes in a namespace, names-limited grants of a higher level.</summary>
    Medium = 1,

    /// <summary>Takes over a namespace, or cluster-wide certificate approval and binding writes.</summary>
    High = 2,

    /// <summary>Takes over the cluster.</summary>
    Critical = 3,
}

/// <summary>
/// One risky permission a subject holds (Get-K8sRiskyPermission): the rule, the binding and role that grant it, where it
/// applies, its severity and why. ServiceAccount is NAMESPACE/NAME for a ServiceAccount subject and null otherwise, so
/// findings pipe into cmdlets that take -ServiceAccount by property name; there is deliberately no Namespace or Name
/// property, which other cmdlets would bind as the namespace or object to act on.
/// </summary>
public sealed class K8sRiskFinding
{
    /// <summary>User, Group or ServiceAccount.</summary>
    public string SubjectKind { get; init; } = string.Empty;

    /// <summary>The user, group or ServiceAccount name.</summary>
    public string SubjectName { get; init; } = string.Empty;

    /// <summary>The ServiceAccount's namespace; empty for users and groups.</summary>
    public string SubjectNamespace { get; init; } = string.Empty;

    /// <summary>Kind and name, e.g. ServiceAccount NAMESPACE/NAME, User alice, Group system:serviceaccounts:NAMESPACE.</summary>
    public string Subject => SubjectKind + " " + (SubjectNamespace.Length > 0 ? SubjectNamespace + "/" : "") + SubjectName;

    /// <summary>NAMESPACE/NAME for a ServiceAccount (also when a binding names it as a user); null otherwise.</summary>
    public string? ServiceAccount { get; init; }

    /// <summary>Empty for cluster-wide (a ClusterRoleBinding); otherwise the RoleBinding's namespace.</summary>
    public string Scope { get; init; } = string.Empty;

    /// <summary>Critical, High, Medium or Low (see about_K8sServiceAccount, RISK AUDIT).</summary>
    public K8sRiskSeverity Severity { get; init; }

    /// <summary>The kind of risk: ClusterAdmin, Impersonate, EscalateOrBind, TokenCreate, SecretRead, PodCreate, PodExec, NodeProxy, BindingWrite, CsrApproval, SignerApprove, ImpersonateExtra, PortForward, Wildcard.</summary>
    public string Category { get; init; } = string.Empty;

    /// <summary>One line: why this is risky.</summary>
    public string Reason { get; init; } = string.Empty;

    /// <summary>The rule, in the API server's compact form.</summary>
    public string Rule { get; init; } = string.Empty;

    /// <summary>ClusterRoleBinding or RoleBinding.</summary>
    public string BindingKind { get; init; } = string.Empty;

    /// <summary>The binding's name.</summary>
    public string BindingName { get; init; } = string.Empty;

    /// <summary>The RoleBinding's namespace; empty for a ClusterRoleBinding.</summary>
    public string BindingNamespace { get; init; } = string.Empty;

    /// <summary>Role or ClusterRole.</summary>
    public string RoleKind { get; init; } = string.Empty;

    /// <summary>The role's name.</summary>
    public string RoleName { get; init; } = string.Empty;

    /// <summary>The binding's subject that matched, e.g. Group system:serviceaccounts:NS for a ServiceAccount asked about.</summary>
    public string BindingSubject { get; init; } = string.Empty;

    /// <summary>Severity, category and subject.</summary>
    public override string ToString() => $"{Severity} {Category}: {Subject}";
}
