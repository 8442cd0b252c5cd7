namespace K8sServiceAccount;

/// <summary>A RoleBinding or ClusterRoleBinding, as the New-, Get- and Remove- binding cmdlets write it.</summary>
public sealed class K8sRoleBindingInfo
{
    /// <summary>RoleBinding or ClusterRoleBinding.</summary>
    public string Kind { get; init; } = string.Empty;

    /// <summary>The name.</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>The RoleBinding's namespace; empty for a ClusterRoleBinding.</summary>
    public string Namespace { get; init; } = string.Empty;

    /// <summary>Role or ClusterRole: the kind of role bound.</summary>
    public string RoleKind { get; init; } = string.Empty;

    /// <summary>The name of the role bound.</summary>
    public string RoleName { get; init; } = string.Empty;

    /// <summary>The subjects the role is granted to.</summary>
    public K8sRbacSubject[] Subjects { get; init; } = Array.Empty<K8sRbacSubject>();

    /// <summary>The labels.</summary>
    public Dictionary<string, string> Labels { get; init; } = new(StringComparer.Ordinal);

    /// <summary>The object's UID.</summary>
    public string? Uid { get; init; }

    /// <summary>The resourceVersion read.</summary>
    public string? ResourceVersion { get; init; }

    /// <summary>When the object was created (UTC).</summary>
    public DateTime? CreationTimestamp { get; init; }

    /// <summary>How long ago the object was created (now minus CreationTimestamp); the views show it as kubectl's AGE.</summary>
    public TimeSpan? Age => CreationTimestamp is { } created ? DateTime.UtcNow - created : null;


    /// <summary>Kind and namespace/name.</summary>
    public override string ToString() => Namespace.Length > 0 ? $"{Kind} {Namespace}/{Name}" : $"{Kind} {Name}";
}
