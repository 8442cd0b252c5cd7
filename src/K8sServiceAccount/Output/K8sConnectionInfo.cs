namespace K8sServiceAccount;

/// <summary>Where a command's connection settings came from (DESIGN.md connection order).</summary>
public enum K8sConnectionSource
{
    /// <summary>-Kubeconfig, -Context, -InCluster or -Connection on the call itself.</summary>
    Parameter,

    /// <summary>The connection set by Connect-K8sCluster (this runspace's, else the process's).</summary>
    Session,

    /// <summary>Automatic: KUBECONFIG or ~/.kube/config.</summary>
    Kubeconfig,

    /// <summary>Automatic: the Pod's mounted ServiceAccount.</summary>
    InCluster,
}

/// <summary>How the connection authenticates to the API server.</summary>
public enum K8sAuthKind
{
    /// <summary>No credentials (the server sees an anonymous request).</summary>
    None,

    /// <summary>A bearer token from the kubeconfig.</summary>
    Token,

    /// <summary>A bearer token read from a file (re-read as it rotates).</summary>
    TokenFile,

    /// <summary>A TLS client certificate.</summary>
    ClientCertificate,

    /// <summary>HTTP basic authentication.</summary>
    Basic,

    /// <summary>An exec credential plugin.</summary>
    Exec,
}

/// <summary>
/// The connection a command uses and why, as Get-K8sConnection and Connect-K8sCluster -PassThru return it.
/// Holds no secret: credentials are described by kind only.
/// </summary>
public sealed class K8sConnectionInfo
{
    /// <summary>Which source of the connection order was chosen.</summary>
    public K8sConnectionSource Source { get; init; }

    /// <summary>Why that source was chosen, in a sentence.</summary>
    public string Reason { get; init; } = string.Empty;

    /// <summary>The API server's URL.</summary>
    public Uri? Server { get; init; }

    /// <summary>The kubeconfig context, or null in-cluster.</summary>
    public string? Context { get; init; }

    /// <summary>The kubeconfig cluster entry, or null in-cluster.</summary>
    public string? Cluster { get; init; }

    /// <summary>The kubeconfig user entry, or null in-cluster.</summary>
    public string? User { get; init; }

    /// <summary>The namespace commands use when not given one.</summary>
    public string Namespace { get; init; } = string.Empty;

    /// <summary>Where the namespace came from: parameter, context, POD_NAMESPACE, namespace file or default.</summary>
    public string NamespaceSource { get; init; } = string.Empty;

    /// <summary>How the connection authenticates.</summary>
    public K8sAuthKind AuthKind { get; init; }

    /// <summary>Where the cluster CA came from, or null when the system trust store is used.</summary>
    public string? CaSource { get; init; }

    /// <summary>The kubeconfig files read, in merge order (empty in-cluster).</summary>
    public string[] KubeconfigFiles { get; init; } = Array.Empty<string>();

    /// <summary>The server name checked in the server's certificate, when it differs from the URL's host.</summary>
    public string? TlsServerName { get; init; }

    /// <summary>True when the server's certificate is not verified (kubeconfig insecure-skip-tls-verify).</summary>
    public bool InsecureSkipTlsVerify { get; init; }

    /// <summary>The proxy requests go through, or null.</summary>
    public Uri? ProxyUrl { get; init; }

    /// <summary>True when responses are requested uncompressed (kubeconfig disable-compression).</summary>
    public bool DisableCompression { get; init; }

    /// <summary>The user the connection impersonates (kubeconfig "as"), or null.</summary>
    public string? ImpersonateUser { get; init; }

    /// <summary>The groups the connection impersonates (kubeconfig "as-groups").</summary>
    public string[] ImpersonateGroups { get; init; } = Array.Empty<string>();

    /// <summary>The UID the connection impersonates (kubeconfig "as-uid"), or null.</summary>
    public string? ImpersonateUid { get; init; }

    /// <summary>Extra impersonation fields (kubeconfig "as-user-extra").</summary>
    public IReadOnlyDictionary<string, string[]> ImpersonateExtra { get; init; } = new Dictionary<string, string[]>();

    /// <summary>
    /// The request timeout commands get with this connection unless given -RequestTimeout (set by Connect-K8sCluster
    /// -RequestTimeout or Get-K8sConnection -RequestTimeout): each call to the API server, retries included, ends with
    /// KubernetesRequestTimeout after it; 00:00:00 means none. Null: the default (100 seconds per attempt).
    /// </summary>
    public TimeSpan? RequestTimeout { get; init; }

    /// <summary>Problems noticed while resolving the connection (also written as warnings).</summary>
    public string[] Warnings { get; init; } = Array.Empty<string>();

    /// <summary>
    /// The settings and shared connection behind this object, for -Connection. Not public: PowerShell shows, formats and
    /// serializes only the description above; a copy read back from a file or another process has none.
    /// </summary>
    internal Internal.ConnectionHandle? Handle { get; init; }

    /// <summary>A one-line summary.</summary>
    public override string ToString() => $"{Source}: {Server} context={Context ?? "-"} namespace={Namespace}";
}
