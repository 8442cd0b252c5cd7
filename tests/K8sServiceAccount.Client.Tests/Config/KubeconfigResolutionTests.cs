using System.Text.Json;
using K8sServiceAccount.Client.Config;

namespace K8sServiceAccount.Client.Tests.Config;

/// <summary>What each fixture resolves to: every field of the connection, one edge case per test.</summary>
public sealed class KubeconfigResolutionTests
{
    private static readonly byte[] FixtureCa = File.ReadAllBytes(Path.Combine(KubeconfigFixtures.Root, "_pki", "ca.crt"));
    private static readonly byte[] FixtureClientCertificate = File.ReadAllBytes(Path.Combine(KubeconfigFixtures.Root, "_pki", "client.crt"));
    private static readonly byte[] FixtureClientKey = File.ReadAllBytes(Path.Combine(KubeconfigFixtures.Root, "_pki", "client.key"));

    [Fact]
    public void Token_user_with_ca_data_and_context_namespace()
    {
        var connection = KubeconfigFixtures.Resolve("single-token");

        Assert.Equal(ConnectionSource.Kubeconfig, connection.Source);
        Assert.Contains("KUBECONFIG names", connection.Reason);
        Assert.Equal(new Uri("https://dev.example.test:6443"), connection.Server);
        Assert.Equal(("dev", "dev-cluster", "dev-admin"), (connection.ContextName, connection.ClusterName, connection.UserName));
        Assert.Equal(("team-a", "context"), (connection.Namespace, connection.NamespaceSource));
        Assert.Equal(AuthKind.Token, connection.AuthKind);
        Assert.Equal("fixture-token-SECRET-single", connection.Auth.Token);
        Assert.Equal(FixtureCa, connection.CertificateAuthorityData);
        Assert.StartsWith("certificate-authority-data in ", connection.CaSource);
        Assert.Equal(new[] { KubeconfigFixtures.CasePath("single-token", "config.yaml") }, connection.KubeconfigFiles);
        Assert.Empty(connection.Warnings);
        Assert.DoesNotContain("SECRET", connection.ToString());
        Assert.DoesNotContain("SECRET", connection.Auth.ToString());
    }

    [Fact]
    public void Namespace_parameter_wins_then_context_then_default()
    {
        Assert.Equal(("override", "parameter"), Namespace(KubeconfigFixtures.Resolve("single-token", "dev", "override")));
        Assert.Equal(("team-a", "context"), Namespace(KubeconfigFixtures.Resolve("single-token", "dev")));
        Assert.Equal(("default", "default"), Namespace(KubeconfigFixtures.Resolve("single-token", "dev-no-namespace")));

        static (string, string) Namespace(ResolvedConnection c) => (c.Namespace, c.NamespaceSource);
    }

    [Fact]
    public void Context_parameter_makes_the_source_a_parameter()
    {
        var connection = KubeconfigFixtures.Resolve("single-token", "dev-no-namespace");

        Assert.Equal(ConnectionSource.Parameter, connection.Source);
        Assert.Contains("-Context 'dev-no-namespace'", connection.Reason);
    }

    [Fact]
    public void Two_files_merge_first_wins_and_current_context_comes_from_the_first_that_sets_it()
    {
        var connection = KubeconfigFixtures.Resolve("merge-two-files");

        Assert.Equal("only-b", connection.ContextName);
        Assert.Equal(new Uri("https://from-a.example.test"), connection.Server);
        Assert.Equal(AuthKind.Token, connection.AuthKind);
        Assert.Equal("fixture-token-SECRET-a", connection.Auth.Token);
        Assert.Equal(2, connection.KubeconfigFiles.Count);

        var shared = KubeconfigFixtures.Resolve("merge-two-files", "shared");
        Assert.Equal(("shared", "from-a"), (shared.ClusterName, shared.Namespace));
    }

    [Fact]
    public void Three_files_merge()
    {
        var config = KubeconfigFixtures.Load("merge-three-files");

        Assert.Equal("ctx-three", config.CurrentContext);
        Assert.Equal(new[] { "ctx-one", "everywhere", "ctx-two", "ctx-three" }, config.Contexts.Select(c => c.Name));
        Assert.Equal("everywhere-1", config.FindContext("everywhere")!.Namespace);
        Assert.Equal(new Uri("https://c3.example.test"), KubeconfigFixtures.Resolve("merge-three-files").Server);
    }

    [Fact]
    public void Relative_paths_resolve_against_the_file_that_names_them()
    {
        const string fixture = "relative-paths";
        var certs = KubeconfigFixtures.Resolve(fixture);
        Assert.Equal(AuthKind.ClientCertificate, certs.AuthKind);
        Assert.Equal("file " + KubeconfigFixtures.CasePath(fixture, "conf", "certs", "ca.crt"), certs.CaSource);
        Assert.Equal(KubeconfigFixtures.CasePath(fixture, "pki", "client.crt"), certs.Auth.ClientCertificateOrigin);
        Assert.Equal(KubeconfigFixtures.CasePath(fixture, "conf", "client.key"), certs.Auth.ClientKeyOrigin);
        Assert.Equal(FixtureClientCertificate, certs.Auth.ClientCertificatePem);
        Assert.Equal(FixtureClientKey, certs.Auth.ClientKeyPem);

        var tokenFile = KubeconfigFixtures.Resolve(fixture, "token-file");
        Assert.Equal(AuthKind.TokenFile, tokenFile.AuthKind);
        Assert.Equal(KubeconfigFixtures.CasePath(fixture, "conf", "token"), tokenFile.Auth.TokenFile);
        Assert.Null(tokenFile.Auth.Token);

        Assert.Equal(KubeconfigFixtures.CasePath(fixture, "conf", "bin", "get-token.sh"), KubeconfigFixtures.Resolve(fixture, "exec-path").Auth.Exec!.Command);
        Assert.Equal("kubectl-fixture-plugin", KubeconfigFixtures.Resolve(fixture, "exec-name").Auth.Exec!.Command);
    }

    [Fact]
    public void Relative_paths_of_merged_files_use_the_winning_entrys_directory()
    {
        var first = KubeconfigFixtures.Resolve("relative-paths-merge", "first");
        var second = KubeconfigFixtures.Resolve("relative-paths-merge", "second");

        Assert.Equal("file " + KubeconfigFixtures.CasePath("relative-paths-merge", "first", "ca.crt"), first.CaSource);
        Assert.Equal("file " + KubeconfigFixtures.CasePath("relative-paths-merge", "second", "ca.crt"), second.CaSource);
        Assert.Equal("first", KubeconfigFixtures.Load("relative-paths-merge").CurrentContext);
    }

    [Fact]
    public void Missing_and_empty_entries_are_skipped()
    {
        var connection = KubeconfigFixtures.Resolve("missing-and-empty-entries");

        Assert.Equal(new[] { KubeconfigFixtures.CasePath("missing-and-empty-entries", "present.yaml") }, connection.KubeconfigFiles);
        Assert.Contains("of these", connection.Reason);
        Assert.True(connection.InsecureSkipTlsVerify);
        Assert.Contains(connection.Warnings, w => w.Contains("insecure-skip-tls-verify is set for cluster"));
    }

    [Fact]
    public void An_empty_file_in_the_list_contributes_nothing()
    {
        var connection = KubeconfigFixtures.Resolve("empty-file");

        Assert.Equal("real", connection.ContextName);
        Assert.Equal(2, connection.KubeconfigFiles.Count);
    }

    [Fact]
    public void Client_certificate_data_and_a_token_are_both_kept_as_in_client_go()
    {
        var certificate = KubeconfigFixtures.Resolve("client-cert-data");
        Assert.Equal(AuthKind.ClientCertificate, certificate.AuthKind);
        Assert.Equal(FixtureClientCertificate, certificate.Auth.ClientCertificatePem);
        Assert.Equal(FixtureClientKey, certificate.Auth.ClientKeyPem);
        Assert.Contains("client-certificate-data of user \"cert-data\"", certificate.Auth.ClientCertificateOrigin);

        var both = KubeconfigFixtures.Resolve("client-cert-data", "cert-and-token");
        Assert.Equal(AuthKind.Token, both.AuthKind);
        Assert.NotNull(both.Auth.ClientCertificatePem);
        Assert.Equal("fixture-token-SECRET-with-cert", both.Auth.Token);
    }

    [Fact]
    public void Client_certificate_files()
    {
        var connection = KubeconfigFixtures.Resolve("client-cert-files");

        Assert.Equal(AuthKind.ClientCertificate, connection.AuthKind);
        Assert.Equal(FixtureClientCertificate, connection.Auth.ClientCertificatePem);
        Assert.Equal(KubeconfigFixtures.CasePath("client-cert-files", "client.key"), connection.Auth.ClientKeyOrigin);
    }

    [Fact]
    public void Basic_auth()
    {
        var connection = KubeconfigFixtures.Resolve("basic-auth");

        Assert.Equal(AuthKind.Basic, connection.AuthKind);
        Assert.Equal(("admin", "fixture-password-SECRET-basic"), (connection.Auth.Username, connection.Auth.Password));
        Assert.Equal(new Uri("http://basic.example.test:8080"), connection.Server);
    }

    [Fact]
    public void Token_file_and_token_with_token_file()
    {
        var file = KubeconfigFixtures.Resolve("token-file");
        Assert.Equal(AuthKind.TokenFile, file.AuthKind);
        Assert.Equal(KubeconfigFixtures.CasePath("token-file", "sa-token"), file.Auth.TokenFile);

        var both = KubeconfigFixtures.Resolve("token-file", "token-and-file");
        Assert.Equal(AuthKind.Token, both.AuthKind);
        Assert.Null(both.Auth.TokenFile);
        Assert.Contains(both.Warnings, w => w.Contains("token and tokenFile are both set"));
        Assert.DoesNotContain(both.Warnings, w => w.Contains("SECRET"));
    }

    [Fact]
    public void Exec_v1_keeps_arguments_as_a_list_and_passes_cluster_info()
    {
        var connection = KubeconfigFixtures.Resolve("exec-v1");

        Assert.Equal(AuthKind.Exec, connection.AuthKind);
        var exec = connection.Auth.Exec!;
        Assert.Equal("/opt/plugins/get token", exec.Command);
        Assert.Equal(new[] { "--cluster", "a b c", "--flag=with spaces" }, exec.Args);
        Assert.Equal(new[] { new KeyValuePair<string, string>("FIXTURE_MODE", "strict"), new KeyValuePair<string, string>("EMPTY_VALUE", "") }, exec.Env);
        Assert.Equal("client.authentication.k8s.io/v1", exec.ApiVersion);
        Assert.Equal("Never", exec.InteractiveMode);
        Assert.True(exec.ProvideClusterInfo);
        Assert.Equal("install get-token from https://example.test/get-token", exec.InstallHint);
        Assert.Equal(KubeconfigFixtures.CasePath("exec-v1", "config.yaml"), exec.SourceFile);
        using var clusterConfig = JsonDocument.Parse(exec.ClusterConfigJson!);
        Assert.Equal("fixture", clusterConfig.RootElement.GetProperty("audience").GetString());
        Assert.Equal(3, clusterConfig.RootElement.GetProperty("retries").GetInt32());
        Assert.True(clusterConfig.RootElement.GetProperty("verbose").GetBoolean());
    }

    [Fact]
    public void Exec_v1beta1_defaults_interactive_mode_to_if_available()
    {
        var exec = KubeconfigFixtures.Resolve("exec-v1beta1").Auth.Exec!;

        Assert.Equal("IfAvailable", exec.InteractiveMode);
        Assert.Equal(new[] { "eks", "get-token", "--cluster-name", "fixture" }, exec.Args);
        Assert.Null(exec.ClusterConfigJson);
    }

    [Fact]
    public void Proxy_urls_http_https_and_socks5_with_credentials_kept_out_of_the_printable_url()
    {
        Assert.Equal(new Uri("http://proxy.example.test:3128"), KubeconfigFixtures.Resolve("proxy-url").ProxyUrl);
        Assert.Equal(new Uri("https://proxy.example.test:8443"), KubeconfigFixtures.Resolve("proxy-url", "https-proxy").ProxyUrl);

        var socks = KubeconfigFixtures.Resolve("proxy-url", "socks");
        Assert.Equal(new Uri("socks5://socks.example.test:1080"), socks.ProxyUrl);
        Assert.Equal("fixture-user", socks.Auth.ProxyCredential!.UserName);
        Assert.Equal("fixture-password-SECRET-proxy", socks.Auth.ProxyCredential.Password);
        Assert.DoesNotContain("SECRET", socks.ToString());
    }

    [Fact]
    public void Tls_server_name_and_disable_compression()
    {
        var connection = KubeconfigFixtures.Resolve("tls-fields");

        Assert.Equal("kubernetes.default.svc", connection.TlsServerName);
        Assert.True(connection.DisableCompression);
        Assert.False(connection.InsecureSkipTlsVerify);
        Assert.Equal(new Uri("https://10.0.0.1:6443"), connection.Server);
    }

    [Fact]
    public void A_server_without_scheme_gets_https_when_tls_is_configured()
    {
        Assert.Equal(new Uri("https://no-scheme.example.test:6443"), KubeconfigFixtures.Resolve("tls-fields", "no-scheme").Server);
    }

    [Fact]
    public void Insecure_cluster_warns()
    {
        var connection = KubeconfigFixtures.Resolve("tls-fields", "insecure");

        Assert.True(connection.InsecureSkipTlsVerify);
        Assert.Null(connection.CaSource);
        Assert.Contains(connection.Warnings, w => w.Contains("insecure-skip-tls-verify"));
    }

    [Fact]
    public void Ca_data_wins_over_ca_file_with_a_warning()
    {
        var connection = KubeconfigFixtures.Resolve("ca-file-and-data");

        Assert.StartsWith("certificate-authority-data in", connection.CaSource);
        Assert.Equal(FixtureCa, connection.CertificateAuthorityData);
        Assert.Contains("certificate-authority-data and certificate-authority are both specified for both. certificate-authority-data will override.", connection.Warnings);
    }

    [Fact]
    public void Impersonation_fields()
    {
        var connection = KubeconfigFixtures.Resolve("impersonation");

        var impersonation = connection.Impersonation!;
        Assert.Equal("system:serviceaccount:apps:sample-sa", impersonation.UserName);
        Assert.Equal("0b1c2d3e", impersonation.Uid);
        Assert.Equal(new[] { "system:serviceaccounts", "system:serviceaccounts:apps" }, impersonation.Groups);
        Assert.Equal(new[] { "view", "edit" }, impersonation.Extra["scopes"]);
        Assert.Equal(new[] { "audit" }, impersonation.Extra["reason"]);
        Assert.Equal("apps", connection.Namespace);
    }

    [Fact]
    public void Context_without_user_is_anonymous()
    {
        var connection = KubeconfigFixtures.Resolve("dangling-references", "anonymous");

        Assert.Equal(AuthKind.None, connection.AuthKind);
        Assert.Null(connection.UserName);
        Assert.Same(AuthSettings.None, connection.Auth);
    }

    [Fact]
    public void Case_sensitive_context_names_pick_different_clusters()
    {
        Assert.Equal(new Uri("https://upper.example.test"), KubeconfigFixtures.Resolve("case-sensitive-names", "Prod").Server);
        Assert.Equal(new Uri("https://lower.example.test"), KubeconfigFixtures.Resolve("case-sensitive-names", "prod").Server);
    }

    [Fact]
    public void Null_sections_are_empty()
    {
        var connection = KubeconfigFixtures.Resolve("sections-null");

        Assert.Equal("minimal", connection.ClusterName);
        Assert.Equal(AuthKind.None, connection.AuthKind);
    }

    [Fact]
    public void Explicit_kubeconfig_parameter()
    {
        var environment = KubeconfigFixtures.Environment("single-token");
        environment.Set("KUBECONFIG", null);
        var path = KubeconfigFixtures.CasePath("single-token", "config.yaml");

        var connection = ConnectionResolver.Resolve(new ConnectionRequest { KubeconfigPath = path }, environment);

        Assert.Equal(ConnectionSource.Parameter, connection.Source);
        Assert.Equal($"-Kubeconfig '{path}' was given.", connection.Reason);
        Assert.Equal("dev", connection.ContextName);
    }
}
