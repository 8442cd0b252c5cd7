namespace K8sServiceAccount;

/// <summary>A kubeconfig file New-K8sSaKubeconfig wrote for a ServiceAccount. Carries no token.</summary>
public sealed class K8sSaKubeconfigFile
{
    /// <summary>The file's full path. It is readable by its owner only (on Unix, mode 0600).</summary>
    public string Path { get; init; } = string.Empty;

    /// <summary>The ServiceAccount's namespace (also the context's namespace).</summary>
    public string Namespace { get; init; } = string.Empty;

    /// <summary>The ServiceAccount the kubeconfig authenticates as.</summary>
    public string ServiceAccount { get; init; } = string.Empty;

    /// <summary>The kubeconfig's context (and current-context).</summary>
    public string ContextName { get; init; } = string.Empty;

    /// <summary>The cluster entry's name.</summary>
    public string Cluster { get; init; } = string.Empty;

    /// <summary>The API server the kubeconfig points at.</summary>
    public string Server { get; init; } = string.Empty;

    /// <summary>When the embedded token expires, in UTC: the kubeconfig stops working then.</summary>
    public DateTime? ExpirationTimestamp { get; init; }

    /// <summary>The path.</summary>
    public override string ToString() => Path;
}
