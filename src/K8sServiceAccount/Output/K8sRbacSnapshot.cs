using K8sServiceAccount.Client.Permissions;

namespace K8sServiceAccount;

/// <summary>
/// The cluster's Roles, ClusterRoles, RoleBindings and ClusterRoleBindings read once by Get-K8sRbacSnapshot, for fast
/// local evaluation with Test-K8sPermission -Snapshot, Get-K8sPermission, Get-K8sPermissionSubject and
/// Compare-K8sPermission. It models RBAC (and system:masters) only: not the Node or webhook authorizers, and not
/// changes made after TakenAt.
/// </summary>
public sealed class K8sRbacSnapshot
{
    internal K8sRbacSnapshot(RbacSnapshot snapshot, string source, string @namespace)
    {
        Evaluator = snapshot;
        Source = source;
        Namespace = @namespace;
        TakenAt = snapshot.TakenAt.UtcDateTime;
        Roles = snapshot.Policy.Roles.Count;
        ClusterRoles = snapshot.Policy.ClusterRoles.Count;
        RoleBindings = snapshot.Policy.RoleBindings.Count;
        ClusterRoleBindings = snapshot.Policy.ClusterRoleBindings.Count();
    }

    /// <summary>Where the objects were read: the cluster's server address and context, or the policy files.</summary>
    public string Source { get; }

    /// <summary>
    /// The namespace of the context the snapshot was taken with: checks and ServiceAccount names evaluated on the snapshot
    /// without -Namespace use it, so no connection is needed to evaluate.
    /// </summary>
    public string Namespace { get; }

    /// <summary>When the objects were read (UTC).</summary>
    public DateTime TakenAt { get; }

    /// <summary>How many Roles the snapshot holds.</summary>
    public int Roles { get; }

    /// <summary>How many ClusterRoles the snapshot holds.</summary>
    public int ClusterRoles { get; }

    /// <summary>How many RoleBindings the snapshot holds.</summary>
    public int RoleBindings { get; }

    /// <summary>How many ClusterRoleBindings the snapshot holds.</summary>
    public int ClusterRoleBindings { get; }

    internal RbacSnapshot Evaluator { get; }

    /// <summary>The source and the time taken.</summary>
    public override string ToString() => $"RBAC snapshot of {Source} at {TakenAt:u}";
}
