namespace K8sServiceAccount.Client.Config;

/// <summary>
/// What the caller asked for: the -Kubeconfig, -Context, -Namespace and -InCluster parameters of a cmdlet
/// (or of Connect-K8sCluster). Everything unset means automatic resolution (DESIGN.md, "Connection order").
/// </summary>
public sealed record ConnectionRequest
{
    /// <summary>An explicit kubeconfig file; it must exist and is not merged with KUBECONFIG.</summary>
    public string? KubeconfigPath { get; init; }

    /// <summary>The context to use instead of the kubeconfig's current-context (names are case-sensitive).</summary>
    public string? Context { get; init; }

    /// <summary>The namespace to use instead of the context's (or the Pod's).</summary>
    public string? Namespace { get; init; }

    /// <summary>Use the Pod's mounted ServiceAccount even when a kubeconfig exists.</summary>
    public bool InCluster { get; init; }

    /// <summary>True when the request names a connection source itself (path, context or in-cluster).</summary>
    public bool NamesSource => !string.IsNullOrEmpty(KubeconfigPath) || !string.IsNullOrEmpty(Context) || InCluster;
}
