namespace K8sServiceAccount;

/// <summary>
/// A subject allowed to do something (Get-K8sPermissionSubject, "who can"), with the binding, role and rule that allow
/// it. Covers says whom the subject stands for, e.g. "all ServiceAccounts in namespace NS" for system:serviceaccounts:NS.
/// </summary>
public sealed class K8sPermissionHolder
{
    /// <summary>User, Group or ServiceAccount.</summary>
    public string SubjectKind { get; init; } = string.Empty;

    /// <summary>The user, group or ServiceAccount name.</summary>
    public string SubjectName { get; init; } = string.Empty;

    /// <summary>The ServiceAccount's namespace; empty for users and groups.</summary>
    public string SubjectNamespace { get; init; } = string.Empty;

    /// <summary>Whom the subject covers, in words.</summary>
    public string Covers { get; init; } = string.Empty;

    /// <summary>ClusterRoleBinding or RoleBinding; empty for system:masters, which needs no binding.</summary>
    public string BindingKind { get; init; } = string.Empty;

    /// <summary>The binding's name.</summary>
    public string BindingName { get; init; } = string.Empty;

    /// <summary>The RoleBinding's namespace; empty for a ClusterRoleBinding.</summary>
    public string BindingNamespace { get; init; } = string.Empty;

    /// <summary>Role or ClusterRole.</summary>
    public string RoleKind { get; init; } = string.Empty;

    /// <summary>The role's name.</summary>
    public string RoleName { get; init; } = string.Empty;

    /// <summary>The first rule of the role that allows the action (compact form).</summary>
    public string Rule { get; init; } = string.Empty;

    /// <summary>Kind and name of the subject.</summary>
    public override string ToString() => SubjectNamespace.Length > 0 ? $"{SubjectKind} {SubjectNamespace}/{SubjectName}" : $"{SubjectKind} {SubjectName}";
}
