namespace K8sServiceAccount;

/// <summary>A subject of a RoleBinding or ClusterRoleBinding.</summary>
public sealed class K8sRbacSubject
{
    /// <summary>ServiceAccount, User or Group.</summary>
    public string Kind { get; init; } = string.Empty;

    /// <summary>The name.</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>The ServiceAccount's namespace; empty for users and groups.</summary>
    public string Namespace { get; init; } = string.Empty;

    /// <summary>Kind and name (namespace/name for a ServiceAccount).</summary>
    public override string ToString() => Namespace.Length > 0 ? $"{Kind} {Namespace}/{Name}" : $"{Kind} {Name}";
}
