namespace K8sServiceAccount;

/// <summary>A Role or ClusterRole, as the New-, Get- and Remove- role cmdlets write it.</summary>
public sealed class K8sRoleInfo
{
    /// <summary>Role or ClusterRole.</summary>
    public string Kind { get; init; } = string.Empty;

    /// <summary>The name.</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>The Role's namespace; empty for a ClusterRole.</summary>
    public string Namespace { get; init; } = string.Empty;

    /// <summary>The rules.</summary>
    public K8sPolicyRule[] Rules { get; init; } = Array.Empty<K8sPolicyRule>();

    /// <summary>True for a ClusterRole with an aggregationRule (its rules are filled in by the server).</summary>
    public bool IsAggregated { get; init; }

    /// <summary>
    /// A ClusterRole's aggregation selectors in kubectl's label-selector syntax (one per selector, any of which matches:
    /// rbac.example.com/aggregate-to-monitoring=true); empty when it does not aggregate.
    /// </summary>
    public string[] AggregationRule { get; init; } = Array.Empty<string>();

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
