namespace K8sServiceAccount;

/// <summary>A context of the kubeconfig, as Get-K8sContext returns it.</summary>
public sealed class K8sContextInfo
{
    /// <summary>The context's name (case-sensitive).</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>True for the kubeconfig's current-context (kubectl marks it with *).</summary>
    public bool IsCurrent { get; init; }

    /// <summary>The cluster entry the context names.</summary>
    public string? Cluster { get; init; }

    /// <summary>The user entry the context names (kubectl's AUTHINFO).</summary>
    public string? User { get; init; }

    /// <summary>The context's namespace, or null when it sets none (commands then use "default").</summary>
    public string? Namespace { get; init; }

    /// <summary>The kubeconfig file that defines the context (the first one wins when several do).</summary>
    public string SourceFile { get; init; } = string.Empty;

    /// <summary>
    /// The kubeconfig file Get-K8sContext read when given -Kubeconfig; null when it read KUBECONFIG or ~/.kube/config.
    /// Connect-K8sCluster connects a piped context through the same file.
    /// </summary>
    public string? Kubeconfig { get; init; }

    /// <summary>The name, so the object reads well in strings and in -Context arguments.</summary>
    public override string ToString() => Name;
}
