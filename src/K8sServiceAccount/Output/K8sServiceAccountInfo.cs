namespace K8sServiceAccount;

/// <summary>
/// A ServiceAccount, as New-, Get-, Set- and Remove-K8sServiceAccount return it. Name and Namespace are at the
/// top level so that the object pipes into the other ServiceAccount and token cmdlets by property name.
/// </summary>
public sealed class K8sServiceAccountInfo
{
    /// <summary>The ServiceAccount's name.</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>The namespace the ServiceAccount lives in.</summary>
    public string Namespace { get; init; } = string.Empty;

    /// <summary>The object's UID; Remove-K8sServiceAccount uses it so a namesake created later is not deleted.</summary>
    public string? Uid { get; init; }

    /// <summary>The object's resourceVersion when it was read (it changes on every update).</summary>
    public string? ResourceVersion { get; init; }

    /// <summary>When the ServiceAccount was created, in UTC (the format view shows it as Age).</summary>
    public DateTime? CreationTimestamp { get; init; }

    /// <summary>How long ago the object was created (now minus CreationTimestamp); the views show it as kubectl's AGE.</summary>
    public TimeSpan? Age => CreationTimestamp is { } created ? DateTime.UtcNow - created : null;


    /// <summary>The labels (an empty dictionary when there are none).</summary>
    public Dictionary<string, string> Labels { get; init; } = new(StringComparer.Ordinal);

    /// <summary>The annotations (an empty dictionary when there are none).</summary>
    public Dictionary<string, string> Annotations { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Names of the Secrets the ServiceAccount lists (legacy token Secrets; empty on current clusters).</summary>
    public string[] Secrets { get; init; } = Array.Empty<string>();

    /// <summary>Names of the Secrets Pods running as this ServiceAccount use to pull images.</summary>
    public string[] ImagePullSecrets { get; init; } = Array.Empty<string>();

    /// <summary>automountServiceAccountToken; null when unset, which Kubernetes treats as true.</summary>
    public bool? AutomountServiceAccountToken { get; init; }

    /// <summary>"namespace/name", as kubectl names objects.</summary>
    public override string ToString() => Namespace + "/" + Name;
}
