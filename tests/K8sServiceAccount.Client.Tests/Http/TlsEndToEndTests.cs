using System.Net;
using System.Security.Cryptography.X509Certificates;
using K8sServiceAccount.Client.Config;
using K8sServiceAccount.Client.Http;
using K8sServiceAccount.Client.Models;
using K8sServiceAccount.Client.Tests.Http.Support;

namespace K8sServiceAccount.Client.Tests.Http;

/// <summary>Real TLS handshakes against a loopback Kestrel server with certificates made for each case.</summary>
public sealed class TlsEndToEndTests : IClassFixture<TlsEndToEndTests.Pki>
{
    private const string Path = "/api/v1/namespaces/default/serviceaccounts/build-robot";
    private readonly Pki _pki;

    public TlsEndToEndTests(Pki pki) => _pki = pki;

    /// <summary>One CA and server certificate for the whole class: RSA key generation is the slow part.</summary>
    public sealed class Pki : IDisposable
    {
        public X509Certificate2 Ca { get; } = TestPki.CreateCa();

        public X509Certificate2 OtherCa { get; } = TestPki.CreateCa("some-other-ca");

        public X509Certificate2 LoopbackServer { get; }

        public Pki() => LoopbackServer = TestPki.CreateServer(Ca);

        public void Dispose()
        {
            Ca.Dispose();
            OtherCa.Dispose();
            LoopbackServer.Dispose();
        }
    }

    [Fact]
    public async Task The_cluster_CA_is_accepted_and_the_bearer_token_is_sent()
    {
        await using var server = await TestApiServer.StartAsync(_pki.LoopbackServer);
        using var connection = Connect(server.Url, _pki.Ca, new AuthSettings { Token = "bearer-secret-1" });

        var account = await connection.GetAsync(Path, KubeJsonContext.Default.ServiceAccount, CancellationToken.None);

        Assert.Equal("build-robot", account.Metadata?.Name);
        var request = Assert.Single(server.Requests);
        Assert.Equal("Bearer bearer-secret-1", request.Header("Authorization"));
        Assert.Equal(Path, request.PathAndQuery);
        Assert.Equal("HTTP/2", request.Protocol);
    }

    [Fact]
    public async Task A_server_certificate_from_another_CA_is_refused()
    {
        await using var server = await TestApiServer.StartAsync(_pki.LoopbackServer);
        using var connection = Connect(server.Url, _pki.OtherCa, caSource: "certificate-authority-data in /tmp/kubeconfig");

        var error = await Assert.ThrowsAsync<K8sClientException>(() =>
            connection.GetAsync(Path, KubeJsonContext.Default.ServiceAccount, CancellationToken.None));

        Assert.Equal("KubernetesTlsFailure", error.ErrorId);
        Assert.Equal(K8sErrorCategory.SecurityError, error.Category);
        Assert.Contains("certificate signed by unknown authority", error.Message);
        Assert.Contains("certificate-authority-data in /tmp/kubeconfig", error.Message);
        Assert.Contains(server.Url.Authority, error.Message);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task Without_a_cluster_CA_the_system_trust_store_decides()
    {
        await using var server = await TestApiServer.StartAsync(_pki.LoopbackServer);
        using var connection = Connect(server.Url, ca: null);

        var error = await Assert.ThrowsAsync<K8sClientException>(() =>
            connection.GetAsync(Path, KubeJsonContext.Default.ServiceAccount, CancellationToken.None));

        Assert.Equal("KubernetesTlsFailure", error.ErrorId);
        Assert.Contains("system trust store", error.Message);
    }

    [Fact]
    public async Task A_certificate_for_another_host_name_is_refused()
    {
        using var certificate = TestPki.CreateServer(_pki.Ca, dnsNames: ["api.other.example"], ipAddresses: []);
        await using var server = await TestApiServer.StartAsync(certificate);
        using var connection = Connect(server.Url, _pki.Ca);

        var error = await Assert.ThrowsAsync<K8sClientException>(() =>
            connection.GetAsync(Path, KubeJsonContext.Default.ServiceAccount, CancellationToken.None));

        Assert.Equal("KubernetesTlsFailure", error.ErrorId);
        Assert.Contains("certificate is valid for api.other.example, not 127.0.0.1", error.Message);
    }

    [Fact]
    public async Task An_expired_certificate_is_refused()
    {
        using var certificate = TestPki.CreateServer(_pki.Ca,
            notBefore: DateTimeOffset.UtcNow.AddDays(-30), notAfter: DateTimeOffset.UtcNow.AddDays(-1));
        await using var server = await TestApiServer.StartAsync(certificate);
        using var connection = Connect(server.Url, _pki.Ca);

        var error = await Assert.ThrowsAsync<K8sClientException>(() =>
            connection.GetAsync(Path, KubeJsonContext.Default.ServiceAccount, CancellationToken.None));

        Assert.Equal("KubernetesTlsFailure", error.ErrorId);
        Assert.Contains("certificate has expired or is not yet valid", error.Message);
    }

    [Fact]
    public async Task Tls_server_name_is_sent_as_SNI_and_checked_instead_of_the_URL_host()
    {
        using var certificate = TestPki.CreateServer(_pki.Ca, dnsNames: ["kubernetes.default.svc"], ipAddresses: []);
        await using var server = await TestApiServer.StartAsync(certificate);
        using var connection = KubernetesConnection.Create(
            Settings(server.Url, _pki.Ca) with { TlsServerName = "kubernetes.default.svc" },
            TestConnections.Options());

        var account = await connection.GetAsync(Path, KubeJsonContext.Default.ServiceAccount, CancellationToken.None);

        Assert.Equal("build-robot", account.Metadata?.Name);
        Assert.Equal("kubernetes.default.svc", Assert.Single(server.SniHostNames));
    }

    [Theory]
    [InlineData(false, "gzip")]
    [InlineData(true, null)]
    public async Task Gzip_is_accepted_unless_disable_compression_is_set(bool disableCompression, string? expected)
    {
        await using var server = await TestApiServer.StartAsync(_pki.LoopbackServer);
        using var connection = KubernetesConnection.Create(
            Settings(server.Url, _pki.Ca) with { DisableCompression = disableCompression },
            TestConnections.Options());

        await connection.GetAsync(Path, KubeJsonContext.Default.ServiceAccount, CancellationToken.None);

        Assert.Equal(expected, Assert.Single(server.Requests).Header("Accept-Encoding"));
    }

    [Fact]
    public async Task Insecure_skip_tls_verify_connects_without_a_second_warning()
    {
        await using var server = await TestApiServer.StartAsync(_pki.LoopbackServer);
        using var connection = KubernetesConnection.Create(
            Settings(server.Url, ca: null) with { InsecureSkipTlsVerify = true },
            TestConnections.Options());
        var log = new RecordingLog();

        using (connection.UseLog(log))
        {
            await connection.GetAsync(Path, KubeJsonContext.Default.ServiceAccount, CancellationToken.None);
            await connection.GetAsync(Path, KubeJsonContext.Default.ServiceAccount, CancellationToken.None);
        }

        // The connection resolver warns once when the connection is made (KubeconfigResolutionTests); a request does not
        // repeat it in other words.
        Assert.Empty(log.WarningLines);
    }

    [Theory]
    [InlineData(TestPki.ClientKeyKind.RsaPkcs1)]
    [InlineData(TestPki.ClientKeyKind.RsaPkcs8)]
    [InlineData(TestPki.ClientKeyKind.EcSec1)]
    [InlineData(TestPki.ClientKeyKind.EcPkcs8)]
    public async Task The_client_certificate_is_presented(TestPki.ClientKeyKind kind)
    {
        var (clientCertificate, certificatePem, keyPem) = TestPki.CreateClient(_pki.Ca, kind);
        using var _ = clientCertificate;
        await using var server = await TestApiServer.StartAsync(_pki.LoopbackServer);
        using var connection = Connect(server.Url, _pki.Ca, new AuthSettings
        {
            ClientCertificatePem = System.Text.Encoding.ASCII.GetBytes(certificatePem),
            ClientKeyPem = System.Text.Encoding.ASCII.GetBytes(keyPem),
            ClientCertificateOrigin = "client-certificate-data in test",
            ClientKeyOrigin = "client-key-data in test",
        });

        await connection.GetAsync(Path, KubeJsonContext.Default.ServiceAccount, CancellationToken.None);

        var request = Assert.Single(server.Requests);
        Assert.Equal(clientCertificate.Thumbprint, request.ClientCertificateThumbprint);
        Assert.Null(request.Header("Authorization"));
    }

    [Fact]
    public async Task A_client_certificate_and_a_token_are_both_presented_as_client_go_does()
    {
        var (clientCertificate, certificatePem, keyPem) = TestPki.CreateClient(_pki.Ca, TestPki.ClientKeyKind.RsaPkcs8);
        using var _ = clientCertificate;
        await using var server = await TestApiServer.StartAsync(_pki.LoopbackServer);
        using var connection = Connect(server.Url, _pki.Ca, new AuthSettings
        {
            Token = "bearer-secret-2",
            ClientCertificatePem = System.Text.Encoding.ASCII.GetBytes(certificatePem),
            ClientKeyPem = System.Text.Encoding.ASCII.GetBytes(keyPem),
        });

        await connection.GetAsync(Path, KubeJsonContext.Default.ServiceAccount, CancellationToken.None);

        var request = Assert.Single(server.Requests);
        Assert.Equal(clientCertificate.Thumbprint, request.ClientCertificateThumbprint);
        Assert.Equal("Bearer bearer-secret-2", request.Header("Authorization"));
    }

    [Fact]
    public async Task A_client_certificate_from_an_exec_plugin_is_presented()
    {
        var (clientCertificate, certificatePem, keyPem) = TestPki.CreateClient(_pki.Ca, TestPki.ClientKeyKind.EcSec1);
        using var _ = clientCertificate;
        using var plugins = new Auth.PluginDirectory();
        var reply = System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["apiVersion"] = "client.authentication.k8s.io/v1",
            ["kind"] = "ExecCredential",
            ["status"] = new Dictionary<string, string> { ["clientCertificateData"] = certificatePem, ["clientKeyData"] = keyPem },
        });
        var command = plugins.Script("cert-plugin", $"cat <<'JSON'\n{reply}\nJSON\n");
        await using var server = await TestApiServer.StartAsync(_pki.LoopbackServer);
        using var connection = Connect(server.Url, _pki.Ca, new AuthSettings
        {
            Exec = new ExecConfig { Command = command, ApiVersion = "client.authentication.k8s.io/v1", InteractiveMode = "Never" },
        });

        await connection.GetAsync(Path, KubeJsonContext.Default.ServiceAccount, CancellationToken.None);

        Assert.Equal(clientCertificate.Thumbprint, Assert.Single(server.Requests).ClientCertificateThumbprint);
    }

    [Fact]
    public async Task A_new_exec_plugin_certificate_is_presented_on_new_connections_after_rotation()
    {
        var (first, firstPem, firstKey) = TestPki.CreateClient(_pki.Ca, TestPki.ClientKeyKind.EcSec1, "first");
        var (second, secondPem, secondKey) = TestPki.CreateClient(_pki.Ca, TestPki.ClientKeyKind.RsaPkcs1, "second");
        using var _ = first;
        using var __ = second;
        using var plugins = new Auth.PluginDirectory();
        File.WriteAllText(plugins.PathOf("reply-1.json"), CertificateReply(firstPem, firstKey, "2026-01-01T00:10:00Z"));
        File.WriteAllText(plugins.PathOf("reply-2.json"), CertificateReply(secondPem, secondKey, "2026-01-01T01:00:00Z"));
        var command = plugins.Script("cert-plugin",
            $"echo run >> '{plugins.Root}/runs.txt'\nn=$(wc -l < '{plugins.Root}/runs.txt' | tr -d ' ')\ncat \"{plugins.Root}/reply-$n.json\"\n");
        var environment = new TestEnvironment { UtcNow = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero) };
        await using var server = await TestApiServer.StartAsync(_pki.LoopbackServer);
        using var connection = KubernetesConnection.Create(
            Settings(server.Url, _pki.Ca, new AuthSettings
            {
                Exec = new ExecConfig { Command = command, ApiVersion = "client.authentication.k8s.io/v1", InteractiveMode = "Never" },
            }),
            TestConnections.Options(environment: environment));

        await connection.GetAsync(Path, KubeJsonContext.Default.ServiceAccount, CancellationToken.None);
        environment.Advance(TimeSpan.FromMinutes(11));
        await connection.GetAsync(Path, KubeJsonContext.Default.ServiceAccount, CancellationToken.None);

        Assert.Equal([first.Thumbprint, second.Thumbprint], server.Requests.Select(r => r.ClientCertificateThumbprint));
    }

    private static string CertificateReply(string certificatePem, string keyPem, string expiration) =>
        System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["apiVersion"] = "client.authentication.k8s.io/v1",
            ["kind"] = "ExecCredential",
            ["status"] = new Dictionary<string, string>
            {
                ["clientCertificateData"] = certificatePem,
                ["clientKeyData"] = keyPem,
                ["expirationTimestamp"] = expiration,
            },
        });

    private static KubernetesConnection Connect(Uri server, X509Certificate2? ca, AuthSettings? auth = null, string? caSource = null) =>
        KubernetesConnection.Create(Settings(server, ca, auth, caSource), TestConnections.Options());

    private static ResolvedConnection Settings(Uri server, X509Certificate2? ca, AuthSettings? auth = null, string? caSource = null) =>
        TestConnections.Settings(auth, new Uri($"https://127.0.0.1:{server.Port}")) with
        {
            CertificateAuthorityData = ca is null ? null : TestPki.Pem(ca),
            CaSource = ca is null ? null : caSource ?? "certificate-authority-data in test",
        };
}
