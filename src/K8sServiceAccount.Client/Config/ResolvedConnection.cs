namespace K8sServiceAccount.Client.Config;

/// <summary>Where the connection settings came from (DESIGN.md, "Connection order").</summary>
public enum ConnectionSource
{
    /// <summary>-Kubeconfig, -Context or -InCluster on the call itself.</summary>
    Parameter,
    /// <summary>The runspace's connection set by Connect-K8sCluster.</summary>
    Session,
    /// <summary>Automatic: KUBECONFIG or ~/.kube/config.</summary>
    Kubeconfig,
    /// <summary>Automatic: the Pod's mounted ServiceAccount.</summary>
    InCluster,
}

/// <summary>How the client authenticates.</summary>
public enum AuthKind
{
    None,
    Token,
    TokenFile,
    ClientCertificate,
    Basic,
    Exec,
}

/// <summary>
/// The connection a command will use, fully resolved, and why. Every public property is safe to print:
/// secrets live only in <see cref="Auth"/>, which is internal and never printable.
/// </summary>
public sealed record ResolvedConnection
{
    public required ConnectionSource Source { get; init; }

    /// <summary>Why this source was chosen, in a sentence (e.g. "KUBECONFIG names /a:/b; /a exists").</summary>
    public required string Reason { get; init; }

    public required Uri Server { get; init; }

    public string? ContextName { get; init; }

    public string? ClusterName { get; init; }

    /// <summary>The kubeconfig user entry's name (in-cluster: null).</summary>
    public string? UserName { get; init; }

    public required string Namespace { get; init; }

    /// <summary>Where the namespace came from: "parameter", "context", "POD_NAMESPACE", "namespace file", "default".</summary>
    public required string NamespaceSource { get; init; }

    public AuthKind AuthKind { get; init; }

    /// <summary>Where the cluster CA came from ("certificate-authority-data in FILE", "file PATH"), or null for the system trust store.</summary>
    public string? CaSource { get; init; }

    /// <summary>The kubeconfig files that were read, in merge order.</summary>
    public IReadOnlyList<string> KubeconfigFiles { get; init; } = Array.Empty<string>();

    public string? TlsServerName { get; init; }

    public bool InsecureSkipTlsVerify { get; init; }

    public Uri? ProxyUrl { get; init; }

    public bool DisableCompression { get; init; }

    /// <summary>PEM or DER bytes of the cluster CA bundle (not secret), or null.</summary>
    public byte[]? CertificateAuthorityData { get; init; }

    /// <summary>Impersonation requested by the kubeconfig user entry (not secret).</summary>
    public Impersonation? Impersonation { get; init; }

    /// <summary>Warnings found while resolving (e.g. both certificate-authority and -data set).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = Array.Empty<string>();

    /// <summary>The credentials. Internal: never bound, formatted or serialized.</summary>
    internal AuthSettings Auth { get; init; } = AuthSettings.None;

    /// <summary>Printable summary; never includes credentials.</summary>
    public override string ToString() =>
        $"{Source}: {Server} context={ContextName ?? "-"} cluster={ClusterName ?? "-"} user={UserName ?? "-"} namespace={Namespace} auth={AuthKind}";
}

/// <summary>kubeconfig "as", "as-groups", "as-uid", "as-user-extra".</summary>
public sealed record Impersonation
{
    public string? UserName { get; init; }

    public IReadOnlyList<string> Groups { get; init; } = Array.Empty<string>();

    public string? Uid { get; init; }

    public IReadOnlyDictionary<string, IReadOnlyList<string>> Extra { get; init; } =
        new Dictionary<string, IReadOnlyList<string>>();
}

/// <summary>
/// The secret half of a connection. Never printed: ToString names the kind only.
/// One request credential is set (token, token file, basic or exec; the resolver enforces client-go's
/// "more than one authentication method" rule). As in client-go, a client certificate may accompany a token
/// or basic auth: both are then presented.
/// </summary>
internal sealed record AuthSettings
{
    public static readonly AuthSettings None = new();

    public string? Token { get; init; }

    /// <summary>A file whose content is the bearer token, re-read at most once a minute.</summary>
    public string? TokenFile { get; init; }

    public byte[]? ClientCertificatePem { get; init; }

    public byte[]? ClientKeyPem { get; init; }

    /// <summary>Where the client certificate came from, for error messages ("client-certificate-data in FILE" or a path).</summary>
    public string? ClientCertificateOrigin { get; init; }

    public string? ClientKeyOrigin { get; init; }

    public string? Username { get; init; }

    public string? Password { get; init; }

    public ExecConfig? Exec { get; init; }

    /// <summary>The user:password of the cluster's proxy-url, kept out of the printable ProxyUrl.</summary>
    public System.Net.NetworkCredential? ProxyCredential { get; init; }

    public override string ToString() => "AuthSettings (redacted)";
}

/// <summary>A kubeconfig exec credential plugin entry.</summary>
internal sealed record ExecConfig
{
    public required string Command { get; init; }

    public IReadOnlyList<string> Args { get; init; } = Array.Empty<string>();

    public IReadOnlyList<KeyValuePair<string, string>> Env { get; init; } = Array.Empty<KeyValuePair<string, string>>();

    public required string ApiVersion { get; init; }

    public string? InstallHint { get; init; }

    public bool ProvideClusterInfo { get; init; }

    /// <summary>Never, IfAvailable or Always (client-go's default for v1beta1 is IfAvailable; v1 requires it).</summary>
    public string InteractiveMode { get; init; } = "IfAvailable";

    /// <summary>The kubeconfig file that named the plugin: relative commands resolve against its directory.</summary>
    public string? SourceFile { get; init; }

    /// <summary>The cluster's extensions[client.authentication.k8s.io/exec].extension, passed on with provideClusterInfo (raw JSON).</summary>
    public string? ClusterConfigJson { get; init; }
}
