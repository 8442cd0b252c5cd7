namespace K8sServiceAccount.Client.Config;

/// <summary>
/// A kubeconfig could not be found, read or used. <see cref="File"/> and <see cref="Field"/> say where:
/// the file that holds the problem and the field inside it (for example <c>clusters[1].cluster.server</c>).
/// The message never contains a token, key or password.
/// </summary>
public sealed class KubeconfigException : K8sClientException
{
    /// <summary>Creates the exception; <paramref name="file"/> also becomes <see cref="K8sClientException.Target"/>.</summary>
    public KubeconfigException(
        string errorId,
        K8sErrorCategory category,
        string message,
        string? file = null,
        string? field = null,
        Exception? inner = null)
        : base(errorId, category, message, inner)
    {
        File = file;
        Field = field;
        Target = file;
    }

    /// <summary>The kubeconfig file concerned, when there is one.</summary>
    public string? File { get; }

    /// <summary>The field concerned, as a path into the file (<c>users[0].user.exec.apiVersion</c>), when there is one.</summary>
    public string? Field { get; }
}

/// <summary>The stable error ids of connection resolution (the cmdlet layer uses them as ErrorRecord ids).</summary>
public static class ConnectionErrorIds
{
    /// <summary>An explicit kubeconfig path does not exist, or every KUBECONFIG entry is missing.</summary>
    public const string KubeconfigNotFound = nameof(KubeconfigNotFound);

    /// <summary>A kubeconfig file exists but could not be read.</summary>
    public const string KubeconfigUnreadable = nameof(KubeconfigUnreadable);

    /// <summary>A kubeconfig file is malformed or fails client-go's validation.</summary>
    public const string KubeconfigInvalid = nameof(KubeconfigInvalid);

    /// <summary>No context was given and the kubeconfig has no current-context.</summary>
    public const string KubeconfigNoCurrentContext = nameof(KubeconfigNoCurrentContext);

    /// <summary>The requested (or current) context is not in the kubeconfig.</summary>
    public const string KubeconfigContextNotFound = nameof(KubeconfigContextNotFound);

    /// <summary>The context names a cluster that is not in the kubeconfig.</summary>
    public const string KubeconfigClusterNotFound = nameof(KubeconfigClusterNotFound);

    /// <summary>The context names a user that is not in the kubeconfig.</summary>
    public const string KubeconfigUserNotFound = nameof(KubeconfigUserNotFound);

    /// <summary>A file named by the kubeconfig (certificate-authority, client-certificate, client-key, tokenFile) cannot be read.</summary>
    public const string KubeconfigReferencedFileUnreadable = nameof(KubeconfigReferencedFileUnreadable);

    /// <summary>The user entry has more than one authentication method (client-go's rule).</summary>
    public const string KubeconfigMultipleAuthMethods = nameof(KubeconfigMultipleAuthMethods);

    /// <summary>The user entry uses a removed auth-provider plugin (gcp, azure, oidc...).</summary>
    public const string KubeconfigAuthProviderUnsupported = nameof(KubeconfigAuthProviderUnsupported);

    /// <summary>The exec entry's apiVersion is not client.authentication.k8s.io/v1 or v1beta1.</summary>
    public const string KubeconfigExecApiVersionUnsupported = nameof(KubeconfigExecApiVersionUnsupported);

    /// <summary>-InCluster was requested but the Pod environment is incomplete.</summary>
    public const string InClusterConfigNotFound = nameof(InClusterConfigNotFound);

    /// <summary>The mounted ServiceAccount token (or CA) exists but cannot be read.</summary>
    public const string InClusterTokenUnreadable = nameof(InClusterTokenUnreadable);

    /// <summary>Automatic resolution found neither a kubeconfig nor an in-cluster environment.</summary>
    public const string NoClusterConnection = nameof(NoClusterConnection);

    /// <summary>The request combines options that exclude each other (e.g. -InCluster with -Kubeconfig).</summary>
    public const string ConnectionRequestInvalid = nameof(ConnectionRequestInvalid);
}
