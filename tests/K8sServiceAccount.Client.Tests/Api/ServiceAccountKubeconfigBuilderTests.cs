using System.Text;
using K8sServiceAccount.Client.Api;
using K8sServiceAccount.Client.Config;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace K8sServiceAccount.Client.Tests.Api;

public class ServiceAccountKubeconfigBuilderTests
{
    private const string Token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln";
    private const string CaPem = "-----BEGIN CERTIFICATE-----\nMIIBdummy\n-----END CERTIFICATE-----\n";

    private static ResolvedConnection Connection(
        string server = "https://10.0.0.1:6443",
        string? cluster = "prod",
        byte[]? ca = null,
        bool insecure = false,
        string? tlsServerName = null,
        Uri? proxy = null) => new()
    {
        Source = ConnectionSource.Kubeconfig,
        Reason = "test",
        Server = new Uri(server),
        ClusterName = cluster,
        Namespace = "default",
        NamespaceSource = "default",
        CertificateAuthorityData = ca,
        InsecureSkipTlsVerify = insecure,
        TlsServerName = tlsServerName,
        ProxyUrl = proxy,
    };

    private static YamlMappingNode Parse(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static YamlMappingNode Entry(YamlMappingNode root, string list, string field) =>
        (YamlMappingNode)((YamlMappingNode)((YamlSequenceNode)root[list]).Children.Single())[field];

    private static string Scalar(YamlNode node, string key) => ((YamlScalarNode)((YamlMappingNode)node)[key]).Value!;

    [Fact]
    public void Builds_a_complete_kubeconfig_for_the_service_account()
    {
        var config = ServiceAccountKubeconfigBuilder.Build(
            Connection(ca: Encoding.ASCII.GetBytes(CaPem), tlsServerName: "api.internal", proxy: new Uri("http://proxy.local:3128")),
            "ns1", "app", Token);

        Assert.Equal("app@prod", config.ContextName);
        var root = Parse(config.Yaml);
        Assert.Equal("v1", Scalar(root, "apiVersion"));
        Assert.Equal("Config", Scalar(root, "kind"));
        Assert.Equal("app@prod", Scalar(root, "current-context"));

        var namedCluster = (YamlMappingNode)((YamlSequenceNode)root["clusters"]).Children.Single();
        Assert.Equal("prod", Scalar(namedCluster, "name"));
        var cluster = Entry(root, "clusters", "cluster");
        Assert.Equal("https://10.0.0.1:6443", Scalar(cluster, "server"));
        Assert.Equal(CaPem, Encoding.ASCII.GetString(Convert.FromBase64String(Scalar(cluster, "certificate-authority-data"))));
        Assert.Equal("api.internal", Scalar(cluster, "tls-server-name"));
        Assert.Equal("http://proxy.local:3128", Scalar(cluster, "proxy-url"));
        Assert.False(cluster.Children.ContainsKey("insecure-skip-tls-verify"));

        var context = Entry(root, "contexts", "context");
        Assert.Equal("prod", Scalar(context, "cluster"));
        Assert.Equal("app@prod", Scalar(context, "user"));
        Assert.Equal("ns1", Scalar(context, "namespace"));

        var namedUser = (YamlMappingNode)((YamlSequenceNode)root["users"]).Children.Single();
        Assert.Equal("app@prod", Scalar(namedUser, "name"));
        Assert.Equal(Token, Scalar(Entry(root, "users", "user"), "token"));
        Assert.DoesNotContain(Token, config.ToString());
    }

    [Fact]
    public void Insecure_source_keeps_the_flag_and_drops_the_CA_as_client_go_requires()
    {
        var config = ServiceAccountKubeconfigBuilder.Build(Connection(ca: Encoding.ASCII.GetBytes(CaPem), insecure: true), "ns1", "app", Token);
        var cluster = Entry(Parse(config.Yaml), "clusters", "cluster");
        Assert.Equal("true", Scalar(cluster, "insecure-skip-tls-verify"));
        Assert.Equal(ScalarStyle.Plain, ((YamlScalarNode)cluster["insecure-skip-tls-verify"]).Style);
        Assert.False(cluster.Children.ContainsKey("certificate-authority-data"));
    }

    [Fact]
    public void DER_CA_is_embedded_as_PEM()
    {
        var der = Enumerable.Range(0, 100).Select(i => (byte)i).ToArray();
        var config = ServiceAccountKubeconfigBuilder.Build(Connection(ca: der), "ns1", "app", Token);
        var pem = Encoding.ASCII.GetString(Convert.FromBase64String(Scalar(Entry(Parse(config.Yaml), "clusters", "cluster"), "certificate-authority-data")));
        Assert.StartsWith("-----BEGIN CERTIFICATE-----\n", pem);
        Assert.EndsWith("-----END CERTIFICATE-----\n", pem);
        var body = string.Concat(pem.Split('\n').Where(l => !l.StartsWith("-----", StringComparison.Ordinal)));
        Assert.Equal(der, Convert.FromBase64String(body));
    }

    [Fact]
    public void Without_a_CA_the_system_trust_store_applies()
    {
        var config = ServiceAccountKubeconfigBuilder.Build(Connection(), "ns1", "app", Token);
        Assert.False(Entry(Parse(config.Yaml), "clusters", "cluster").Children.ContainsKey("certificate-authority-data"));
    }

    [Fact]
    public void Strings_that_look_like_other_types_are_quoted()
    {
        var config = ServiceAccountKubeconfigBuilder.Build(Connection(cluster: "true"), "123", "null", Token, contextName: "yes");
        var root = Parse(config.Yaml);
        var context = Entry(root, "contexts", "context");
        Assert.NotEqual(ScalarStyle.Plain, ((YamlScalarNode)context["namespace"]).Style);
        Assert.Equal("123", Scalar(context, "namespace"));
        Assert.NotEqual(ScalarStyle.Plain, ((YamlScalarNode)context["cluster"]).Style);
        Assert.NotEqual(ScalarStyle.Plain, ((YamlScalarNode)root["current-context"]).Style);
    }

    [Fact]
    public void Given_context_name_names_context_and_user()
    {
        var config = ServiceAccountKubeconfigBuilder.Build(Connection(), "ns1", "app", Token, contextName: "ci");
        var root = Parse(config.Yaml);
        Assert.Equal("ci", Scalar(root, "current-context"));
        Assert.Equal("ci", Scalar(Entry(root, "contexts", "context"), "user"));
    }

    [Fact]
    public void In_cluster_source_names_the_cluster_after_the_server_host()
    {
        var config = ServiceAccountKubeconfigBuilder.Build(Connection(server: "https://10.96.0.1:443/", cluster: null), "ns1", "app", Token);
        Assert.Equal("10.96.0.1", config.ClusterName);
        Assert.Equal("app@10.96.0.1", config.ContextName);
        Assert.Equal("https://10.96.0.1", Scalar(Entry(Parse(config.Yaml), "clusters", "cluster"), "server"));
    }

    [Fact]
    public void Server_with_a_path_is_kept_whole()
    {
        var config = ServiceAccountKubeconfigBuilder.Build(Connection(server: "https://rancher.example/k8s/clusters/c-1"), "ns1", "app", Token);
        Assert.Equal("https://rancher.example/k8s/clusters/c-1", Scalar(Entry(Parse(config.Yaml), "clusters", "cluster"), "server"));
    }

    [Fact]
    public void Built_from_an_issued_token_it_carries_namespace_account_and_expiry()
    {
        var issued = new ServiceAccountToken
        {
            Namespace = "ns1",
            ServiceAccount = "app",
            Token = Token,
            ExpirationTimestamp = new DateTimeOffset(2026, 11, 23, 8, 0, 0, TimeSpan.Zero),
            Audiences = Array.Empty<string>(),
            GrantedDuration = TimeSpan.FromHours(1),
        };
        var config = ServiceAccountKubeconfigBuilder.Build(Connection(), issued);
        Assert.Equal(issued.ExpirationTimestamp, config.ExpirationTimestamp);
        Assert.Equal("app@prod", config.ContextName);
        Assert.Equal("ns1", Scalar(Entry(Parse(config.Yaml), "contexts", "context"), "namespace"));
        Assert.Equal(Token, Scalar(Entry(Parse(config.Yaml), "users", "user"), "token"));
    }

    [Fact]
    public void Empty_token_is_rejected()
    {
        var e = Assert.Throws<K8sClientException>(() => ServiceAccountKubeconfigBuilder.Build(Connection(), "ns1", "app", " "));
        Assert.Equal("InvalidToken", e.ErrorId);
    }
}

public class ServiceAccountKubeconfigRoundTripTests
{
    private const string Token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln";
    private static readonly string CaPem = SelfSignedCaPem();

    private static string SelfSignedCaPem()
    {
        using var key = System.Security.Cryptography.ECDsa.Create();
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest(
            "CN=round-trip-ca", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return certificate.ExportCertificatePem() + "\n";
    }

    [Fact]
    public void The_config_loader_resolves_the_generated_kubeconfig_to_the_same_cluster_as_the_service_account()
    {
        // The source kubeconfig names its CA by file: the generated one must carry the same bytes as data.
        var environment = new Config.FakeSystemEnvironment()
            .AddFile("/home/fixture/ca.crt", CaPem)
            .AddFile("/home/fixture/admin.yaml", """
                apiVersion: v1
                kind: Config
                clusters:
                - name: prod
                  cluster:
                    server: https://10.0.0.1:6443
                    certificate-authority: ca.crt
                    tls-server-name: api.internal
                    proxy-url: http://proxy.local:3128
                contexts:
                - name: admin@prod
                  context: {cluster: prod, user: admin}
                current-context: admin@prod
                users:
                - name: admin
                  user: {token: admin-token}
                """);
        var source = ConnectionResolver.Resolve(new ConnectionRequest { KubeconfigPath = "/home/fixture/admin.yaml" }, environment);

        var generated = ServiceAccountKubeconfigBuilder.Build(source, "ns1", "app", Token);
        environment.AddFile("/home/fixture/app.yaml", generated.Yaml);
        var resolved = ConnectionResolver.Resolve(new ConnectionRequest { KubeconfigPath = "/home/fixture/app.yaml" }, environment);

        Assert.Equal(source.Server, resolved.Server);
        Assert.Equal("prod", resolved.ClusterName);
        Assert.Equal("app@prod", resolved.ContextName);
        Assert.Equal("ns1", resolved.Namespace);
        Assert.Equal("api.internal", resolved.TlsServerName);
        Assert.Equal(new Uri("http://proxy.local:3128"), resolved.ProxyUrl);
        Assert.Equal(CaPem, Encoding.ASCII.GetString(resolved.CertificateAuthorityData!));
        Assert.False(resolved.InsecureSkipTlsVerify);
        Assert.Equal(AuthKind.Token, resolved.AuthKind);
        Assert.Equal(Token, resolved.Auth.Token);
    }

    [Fact]
    public void An_insecure_source_stays_insecure()
    {
        var environment = new Config.FakeSystemEnvironment().AddFile("/home/fixture/admin.yaml", """
            apiVersion: v1
            kind: Config
            clusters:
            - name: dev
              cluster: {server: "https://127.0.0.1:8443", insecure-skip-tls-verify: true}
            contexts:
            - name: dev
              context: {cluster: dev, user: dev}
            current-context: dev
            users:
            - name: dev
              user: {token: t}
            """);
        var source = ConnectionResolver.Resolve(new ConnectionRequest { KubeconfigPath = "/home/fixture/admin.yaml" }, environment);
        environment.AddFile("/home/fixture/app.yaml", ServiceAccountKubeconfigBuilder.Build(source, "ns1", "app", Token).Yaml);

        var resolved = ConnectionResolver.Resolve(new ConnectionRequest { KubeconfigPath = "/home/fixture/app.yaml" }, environment);

        Assert.True(resolved.InsecureSkipTlsVerify);
        Assert.Null(resolved.CertificateAuthorityData);
    }
}
