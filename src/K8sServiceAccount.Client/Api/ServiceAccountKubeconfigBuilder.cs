using System.Text;
using K8sServiceAccount.Client.Config;
using YamlDotNet.Serialization;

namespace K8sServiceAccount.Client.Api;

/// <summary>
/// A kubeconfig that authenticates as a ServiceAccount. <see cref="Yaml"/> contains the token: treat it as a
/// secret. ToString never shows it.
/// </summary>
public sealed class ServiceAccountKubeconfig
{
    public required string Namespace { get; init; }

    public required string ServiceAccount { get; init; }

    public required string ClusterName { get; init; }

    public required string UserName { get; init; }

    public required string ContextName { get; init; }

    /// <summary>The kubeconfig document, token included.</summary>
    public required string Yaml { get; init; }

    /// <summary>When the embedded token expires (null for a legacy token, which does not).</summary>
    public DateTimeOffset? ExpirationTimestamp { get; init; }

    /// <inheritdoc />
    public override string ToString() =>
        $"kubeconfig for {Namespace}/{ServiceAccount}, context {ContextName} (token redacted)";
}

/// <summary>
/// Builds the kubeconfig New-K8sSaKubeconfig hands out: the current connection's server, CA bundle (whether
/// it came from a file or from data, it is embedded as certificate-authority-data), tls-server-name,
/// proxy-url and insecure flag, a user with the given token, and a context on the ServiceAccount's namespace
/// that is the current context.
/// </summary>
public static class ServiceAccountKubeconfigBuilder
{
    // kubectl reads kubeconfig with a YAML 1.1 parser, where yes/no/on/off are booleans: quote those too.
    private static readonly ISerializer Serializer = new SerializerBuilder()
        .WithQuotingNecessaryStrings(quoteYaml1_1Strings: true)
        .ConfigureDefaultValuesHandling(DefaultValuesHandling.OmitNull)
        .DisableAliases()
        .Build();

    /// <summary>The default context name: "&lt;serviceAccount&gt;@&lt;cluster&gt;".</summary>
    public static string DefaultContextName(string serviceAccount, string clusterName) => serviceAccount + "@" + clusterName;

    /// <summary>Builds the kubeconfig around a token just issued by <see cref="TokenOperations.RequestTokenAsync"/>.</summary>
    public static ServiceAccountKubeconfig Build(ResolvedConnection connection, ServiceAccountToken token, string? contextName = null)
    {
        ArgumentNullException.ThrowIfNull(token);
        var config = Build(connection, token.Namespace, token.ServiceAccount, token.Token, contextName);
        return new ServiceAccountKubeconfig
        {
            Namespace = config.Namespace,
            ServiceAccount = config.ServiceAccount,
            ClusterName = config.ClusterName,
            UserName = config.UserName,
            ContextName = config.ContextName,
            Yaml = config.Yaml,
            ExpirationTimestamp = token.ExpirationTimestamp,
        };
    }

    /// <summary>
    /// Builds the kubeconfig. The cluster entry keeps the source's cluster name (in-cluster: the server's
    /// host); the user and context are both named <paramref name="contextName"/>, by default "sa@cluster".
    /// </summary>
    public static ServiceAccountKubeconfig Build(
        ResolvedConnection connection,
        string @namespace,
        string serviceAccount,
        string token,
        string? contextName = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentException.ThrowIfNullOrEmpty(@namespace);
        ArgumentException.ThrowIfNullOrEmpty(serviceAccount);
        if (string.IsNullOrWhiteSpace(token))
        {
            throw new K8sClientException("InvalidToken", K8sErrorCategory.InvalidArgument, "Token is required to build a kubeconfig: it is empty.");
        }

        var clusterName = string.IsNullOrEmpty(connection.ClusterName) ? connection.Server.Host : connection.ClusterName;
        contextName = string.IsNullOrWhiteSpace(contextName) ? DefaultContextName(serviceAccount, clusterName) : contextName;

        var document = new KubeconfigDocument
        {
            Clusters =
            {
                new NamedCluster
                {
                    Name = clusterName,
                    Cluster = new ClusterEntry
                    {
                        Server = ServerText(connection.Server),
                        // client-go refuses a CA together with insecure-skip-tls-verify, so the flag wins.
                        CertificateAuthorityData = connection.InsecureSkipTlsVerify || connection.CertificateAuthorityData is not { Length: > 0 } ca
                            ? null
                            : Convert.ToBase64String(AsPem(ca)),
                        TlsServerName = string.IsNullOrEmpty(connection.TlsServerName) ? null : connection.TlsServerName,
                        ProxyUrl = connection.ProxyUrl?.OriginalString,
                        InsecureSkipTlsVerify = connection.InsecureSkipTlsVerify ? true : null,
                    },
                },
            },
            Contexts =
            {
                new NamedContext
                {
                    Name = contextName,
                    Context = new ContextEntry { Cluster = clusterName, User = contextName, Namespace = @namespace },
                },
            },
            CurrentContext = contextName,
            Users =
            {
                new NamedUser { Name = contextName, User = new UserEntry { Token = token.Trim() } },
            },
        };

        return new ServiceAccountKubeconfig
        {
            Namespace = @namespace,
            ServiceAccount = serviceAccount,
            ClusterName = clusterName,
            UserName = contextName,
            ContextName = contextName,
            Yaml = Serializer.Serialize(document),
        };
    }

    // "https://host:6443/" is how Uri prints a bare authority; kubeconfigs conventionally have no trailing slash.
    private static string ServerText(Uri server) =>
        server.AbsolutePath == "/" && string.IsNullOrEmpty(server.Query)
            ? server.GetLeftPart(UriPartial.Authority)
            : server.AbsoluteUri;

    // certificate-authority-data must be PEM; a DER certificate is wrapped.
    private static byte[] AsPem(byte[] ca)
    {
        var text = Encoding.ASCII.GetString(ca, 0, Math.Min(ca.Length, 64));
        if (text.TrimStart().StartsWith("-----BEGIN", StringComparison.Ordinal))
        {
            return ca;
        }

        var pem = new StringBuilder("-----BEGIN CERTIFICATE-----\n");
        var base64 = Convert.ToBase64String(ca);
        for (var i = 0; i < base64.Length; i += 64)
        {
            pem.Append(base64, i, Math.Min(64, base64.Length - i)).Append('\n');
        }

        pem.Append("-----END CERTIFICATE-----\n");
        return Encoding.ASCII.GetBytes(pem.ToString());
    }

    // The kubeconfig v1 shape, in kubectl's key order.
    private sealed class KubeconfigDocument
    {
        [YamlMember(Alias = "apiVersion", Order = 0)]
        public string ApiVersion { get; set; } = "v1";

        [YamlMember(Alias = "kind", Order = 1)]
        public string Kind { get; set; } = "Config";

        [YamlMember(Alias = "clusters", Order = 2)]
        public List<NamedCluster> Clusters { get; } = new();

        [YamlMember(Alias = "contexts", Order = 3)]
        public List<NamedContext> Contexts { get; } = new();

        [YamlMember(Alias = "current-context", Order = 4)]
        public string? CurrentContext { get; set; }

        [YamlMember(Alias = "preferences", Order = 5)]
        public Dictionary<string, string> Preferences { get; } = new();

        [YamlMember(Alias = "users", Order = 6)]
        public List<NamedUser> Users { get; } = new();
    }

    private sealed class NamedCluster
    {
        [YamlMember(Alias = "name", Order = 0)]
        public string? Name { get; set; }

        [YamlMember(Alias = "cluster", Order = 1)]
        public ClusterEntry? Cluster { get; set; }
    }

    private sealed class ClusterEntry
    {
        [YamlMember(Alias = "server", Order = 0)]
        public string? Server { get; set; }

        [YamlMember(Alias = "certificate-authority-data", Order = 1)]
        public string? CertificateAuthorityData { get; set; }

        [YamlMember(Alias = "tls-server-name", Order = 2)]
        public string? TlsServerName { get; set; }

        [YamlMember(Alias = "proxy-url", Order = 3)]
        public string? ProxyUrl { get; set; }

        [YamlMember(Alias = "insecure-skip-tls-verify", Order = 4)]
        public bool? InsecureSkipTlsVerify { get; set; }
    }

    private sealed class NamedContext
    {
        [YamlMember(Alias = "name", Order = 0)]
        public string? Name { get; set; }

        [YamlMember(Alias = "context", Order = 1)]
        public ContextEntry? Context { get; set; }
    }

    private sealed class ContextEntry
    {
        [YamlMember(Alias = "cluster", Order = 0)]
        public string? Cluster { get; set; }

        [YamlMember(Alias = "user", Order = 1)]
        public string? User { get; set; }

        [YamlMember(Alias = "namespace", Order = 2)]
        public string? Namespace { get; set; }
    }

    private sealed class NamedUser
    {
        [YamlMember(Alias = "name", Order = 0)]
        public string? Name { get; set; }

        [YamlMember(Alias = "user", Order = 1)]
        public UserEntry? User { get; set; }
    }

    private sealed class UserEntry
    {
        [YamlMember(Alias = "token", Order = 0)]
        public string? Token { get; set; }
    }
}
