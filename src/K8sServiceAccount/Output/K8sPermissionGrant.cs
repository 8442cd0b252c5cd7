namespace K8sServiceAccount;

/// <summary>
/// What Grant-K8sPermission or Revoke-K8sPermission did to the role and binding it manages. It carries the subject, the
/// requested rules, the scope and the name, so piping it to Revoke-K8sPermission (-Grant) takes back what was granted.
/// </summary>
public sealed class K8sPermissionGrant
{
    /// <summary>The subject granted to or revoked from (system:serviceaccount:NAMESPACE:NAME, a user name or a group name).</summary>
    public string Subject { get; init; } = string.Empty;

    /// <summary>What kind of subject Subject is: ServiceAccount, User or Group.</summary>
    public string SubjectKind { get; init; } = string.Empty;

    /// <summary>Role or ClusterRole (-ClusterWide).</summary>
    public string RoleKind { get; init; } = string.Empty;

    /// <summary>RoleBinding or ClusterRoleBinding (-ClusterWide).</summary>
    public string BindingKind { get; init; } = string.Empty;

    /// <summary>The name of both the role and the binding (k8ssa-grant:NAMESPACE:NAME by default).</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>The namespace of the Role and RoleBinding; empty for cluster-wide.</summary>
    public string Namespace { get; init; } = string.Empty;

    /// <summary>Unchanged, Created, Updated, Deleted or NotFound.</summary>
    public string RoleAction { get; init; } = string.Empty;

    /// <summary>Unchanged, Created, Updated, Deleted or NotFound.</summary>
    public string BindingAction { get; init; } = string.Empty;

    /// <summary>
    /// The rules asked for (resolved through discovery, as the role holds them), whether or not they were already there;
    /// empty for a Revoke of the whole grant.
    /// </summary>
    public K8sPolicyRule[] Rules { get; init; } = Array.Empty<K8sPolicyRule>();

    /// <summary>The rules added to the role (Grant) or removed from it (Revoke).</summary>
    public K8sPolicyRule[] ChangedRules { get; init; } = Array.Empty<K8sPolicyRule>();

    /// <summary>
    /// Revoke only: what of the requested permissions the role still grants through other rules (added by another Grant);
    /// Revoke-K8sPermission warns about them. Empty when the revocation took full effect.
    /// </summary>
    public K8sPolicyRule[] StillGranted { get; init; } = Array.Empty<K8sPolicyRule>();

    /// <summary>True when nothing changed (a repeated Grant or Revoke).</summary>
    public bool Unchanged { get; init; }

    /// <summary>The objects and what happened to them.</summary>
    public override string ToString() => $"{RoleKind} {Name}: {RoleAction}; {BindingKind} {Name}: {BindingAction}";
}
