using K8sServiceAccount.Client.Config;

namespace K8sServiceAccount.Client.Tests.Config;

/// <summary>
/// Every malformed kubeconfig is one <see cref="KubeconfigException"/> naming file and field, with kubectl's
/// wording where users search for it; never a raw parser exception, and never a secret in the message.
/// </summary>
public sealed class KubeconfigBadInputTests
{
    public static TheoryData<string, string, string?, string> MalformedFiles() => new()
    {
        // fixture, error id, field, text the message must contain
        { "malformed-yaml", ConnectionErrorIds.KubeconfigInvalid, null, "yaml: line 3:" },
        { "malformed-tab", ConnectionErrorIds.KubeconfigInvalid, null, "found invalid tab" },
        { "wrong-type-server", ConnectionErrorIds.KubeconfigInvalid, "clusters[0].cluster.server", "cannot unmarshal number into field clusters[0].cluster.server of type string" },
        { "wrong-type-bool", ConnectionErrorIds.KubeconfigInvalid, "clusters[0].cluster.insecure-skip-tls-verify", "cannot unmarshal string into field clusters[0].cluster.insecure-skip-tls-verify of type bool" },
        { "yaml11-bool-namespace", ConnectionErrorIds.KubeconfigInvalid, "contexts[0].context.namespace", "cannot unmarshal bool into field contexts[0].context.namespace of type string" },
        { "wrong-type-section", ConnectionErrorIds.KubeconfigInvalid, "clusters", "cannot unmarshal object into field clusters of type array" },
        { "bad-base64", ConnectionErrorIds.KubeconfigInvalid, "clusters[0].cluster.certificate-authority-data", "is not valid base64" },
        { "duplicate-names", ConnectionErrorIds.KubeconfigInvalid, "users[1].name", "duplicate name \"u\" in list users" },
        { "wrong-kind", ConnectionErrorIds.KubeconfigInvalid, "kind", "no kind \"Pod\" is registered for version \"v1\"" },
        { "top-level-list", ConnectionErrorIds.KubeconfigInvalid, null, "couldn't get version/kind" },
        { "merge-with-malformed", ConnectionErrorIds.KubeconfigInvalid, null, "bad.yaml" },
        { "all-entries-missing", ConnectionErrorIds.KubeconfigNotFound, null, "None of the files named by KUBECONFIG exist" },
    };

    [Theory]
    [MemberData(nameof(MalformedFiles))]
    public void Malformed_file_is_one_error_naming_file_and_field(string fixture, string errorId, string? field, string text)
    {
        var error = Assert.Throws<KubeconfigException>(() => KubeconfigFixtures.Load(fixture));

        Assert.Equal(errorId, error.ErrorId);
        Assert.Equal(field, error.Field);
        Assert.True(error.Message.Contains(text, StringComparison.Ordinal), error.Message);
        Assert.NotNull(error.File);
        Assert.StartsWith(KubeconfigFixtures.CaseDirectory(fixture), error.File);
        Assert.Contains(error.File!, error.Message);
        Assert.DoesNotContain("SECRET", error.Message);
    }

    public static TheoryData<string, string, string, string, string?> InvalidContexts() => new()
    {
        // fixture, context, error id, message text, field
        { "client-cert-data", "cert-without-key", ConnectionErrorIds.KubeconfigInvalid, "client-key-data or client-key must be specified for cert-without-key to use the clientCert authentication method.", "users[2].user.client-key" },
        { "client-cert-data", "cert-data-and-file", ConnectionErrorIds.KubeconfigInvalid, "client-cert-data and client-cert are both specified for cert-data-and-file. client-cert-data will override.", "users[3].user.client-certificate-data" },
        { "basic-auth", "token-and-basic", ConnectionErrorIds.KubeconfigMultipleAuthMethods, "more than one authentication method found for token-and-basic; found [token basicAuth], only one is allowed", "users[1].user.token" },
        { "exec-v1", "exec-v1-no-interactive", ConnectionErrorIds.KubeconfigInvalid, "interactiveMode must be specified for exec-v1-no-interactive to use exec authentication plugin", "users[1].user.exec.interactiveMode" },
        { "exec-v1", "exec-bad-interactive", ConnectionErrorIds.KubeconfigInvalid, "invalid interactiveMode for exec-bad-interactive: \"Sometimes\"", "users[2].user.exec.interactiveMode" },
        { "exec-v1", "exec-no-command", ConnectionErrorIds.KubeconfigInvalid, "command must be specified for exec-no-command to use exec authentication plugin", "users[3].user.exec.command" },
        { "exec-v1beta1", "alpha", ConnectionErrorIds.KubeconfigExecApiVersionUnsupported, "exec plugin: invalid apiVersion \"client.authentication.k8s.io/v1alpha1\"", "users[1].user.exec.apiVersion" },
        { "exec-v1beta1", "unknown-api", ConnectionErrorIds.KubeconfigExecApiVersionUnsupported, "exec plugin: invalid apiVersion \"example.com/v1\"", "users[2].user.exec.apiVersion" },
        { "auth-provider", "gke", ConnectionErrorIds.KubeconfigAuthProviderUnsupported, "gke-gcloud-auth-plugin", "users[0].user.auth-provider" },
        { "auth-provider", "aks", ConnectionErrorIds.KubeconfigAuthProviderUnsupported, "kubelogin", "users[1].user.auth-provider" },
        { "auth-provider", "oidc", ConnectionErrorIds.KubeconfigAuthProviderUnsupported, "kubelogin", "users[2].user.auth-provider" },
        { "proxy-url", "ftp-proxy", ConnectionErrorIds.KubeconfigInvalid, "invalid 'proxy-url' \"ftp://proxy.example.test:21\" for cluster \"ftp-proxy\": unsupported scheme \"ftp\", must be http, https, or socks5", "clusters[3].cluster.proxy-url" },
        { "tls-fields", "insecure-with-ca", ConnectionErrorIds.KubeconfigInvalid, "specifying a root certificates file with the insecure flag is not allowed", "clusters[2].cluster.insecure-skip-tls-verify" },
        { "ca-file-and-data", "missing-file", ConnectionErrorIds.KubeconfigReferencedFileUnreadable, "unable to read certificate-authority", "clusters[1].cluster.certificate-authority" },
        { "ca-file-and-data", "not-pem", ConnectionErrorIds.KubeconfigInvalid, "unable to parse bytes as PEM block", "clusters[2].cluster.certificate-authority" },
        { "impersonation", "groups-only", ConnectionErrorIds.KubeconfigInvalid, "requesting uid, groups or user-extra for groups-only without impersonating a user", "users[1].user.as" },
        { "token-file", "token-file-missing", ConnectionErrorIds.KubeconfigReferencedFileUnreadable, "unable to read tokenFile /nonexistent/fixture/token for token-file-missing", "users[1].user.tokenFile" },
        { "client-cert-files", "missing-key-file", ConnectionErrorIds.KubeconfigReferencedFileUnreadable, "unable to read client-key", "users[1].user.client-key" },
        { "server-missing", "no-server", ConnectionErrorIds.KubeconfigInvalid, "no server found for cluster \"no-server\"", "clusters[0].cluster.server" },
        { "dangling-references", "unknown-cluster", ConnectionErrorIds.KubeconfigClusterNotFound, "cluster \"nowhere\" was not found for context \"unknown-cluster\"", "contexts[name=unknown-cluster].context.cluster" },
        { "dangling-references", "unknown-user", ConnectionErrorIds.KubeconfigUserNotFound, "user \"nobody\" was not found for context \"unknown-user\"", "contexts[name=unknown-user].context.user" },
        { "dangling-references", "no-cluster", ConnectionErrorIds.KubeconfigInvalid, "cluster was not specified for context \"no-cluster\"", "contexts[name=no-cluster].context.cluster" },
        { "dangling-references", "missing-context", ConnectionErrorIds.KubeconfigContextNotFound, "context was not found for specified context: missing-context", null },
        { "case-sensitive-names", "PROD", ConnectionErrorIds.KubeconfigContextNotFound, "context was not found for specified context: PROD", null },
    };

    [Theory]
    [MemberData(nameof(InvalidContexts))]
    public void Invalid_context_is_one_error_naming_file_and_field(string fixture, string context, string errorId, string text, string? field)
    {
        var error = Assert.Throws<KubeconfigException>(() => KubeconfigFixtures.Resolve(fixture, context));

        Assert.Equal(errorId, error.ErrorId);
        Assert.Contains(text, error.Message);
        Assert.Equal(field, error.Field);
        Assert.StartsWith(KubeconfigFixtures.CaseDirectory(fixture), error.File);
        Assert.DoesNotContain("SECRET", error.Message);
    }

    [Fact]
    public void A_CA_that_is_not_PEM_fails_every_resolution_while_a_good_one_keeps_resolving()
    {
        // Parsed CAs are remembered (by their digest) so that resolving on every call stays cheap; a bad one is not.
        for (var i = 0; i < 3; i++)
        {
            var error = Assert.Throws<KubeconfigException>(() => KubeconfigFixtures.Resolve("ca-file-and-data", "not-pem"));
            Assert.Equal("clusters[2].cluster.certificate-authority", error.Field);
        }

        var good = KubeconfigFixtures.Resolve("ca-file-and-data", "both");
        Assert.NotNull(good.CertificateAuthorityData);
        Assert.Equal(good.CertificateAuthorityData, KubeconfigFixtures.Resolve("ca-file-and-data", "both").CertificateAuthorityData);
    }

    [Fact]
    public void Missing_current_context_lists_the_contexts()
    {
        var error = Assert.Throws<KubeconfigException>(() => KubeconfigFixtures.Resolve("no-current-context"));

        Assert.Equal(ConnectionErrorIds.KubeconfigNoCurrentContext, error.ErrorId);
        Assert.Equal("current-context", error.Field);
        Assert.Contains("no context chosen", error.Message);
        Assert.Contains("available contexts: pick-me", error.Message);
        Assert.Equal("pick-me", KubeconfigFixtures.Resolve("no-current-context", "pick-me").ContextName);
    }

    [Fact]
    public void Current_context_naming_a_missing_context_is_not_found()
    {
        var error = Assert.Throws<KubeconfigException>(() => KubeconfigFixtures.Resolve("current-context-missing"));

        Assert.Equal(ConnectionErrorIds.KubeconfigContextNotFound, error.ErrorId);
        Assert.Equal("current-context", error.Field);
        Assert.Contains("context was not found for specified context: gone", error.Message);
    }

    [Fact]
    public void Proxy_credentials_never_appear_in_a_proxy_error()
    {
        var environment = new FakeSystemEnvironment()
            .AddFile("/k", "clusters:\n- name: c\n  cluster:\n    server: https://s\n    proxy-url: gopher://user:pw-SECRET@proxy:70\ncontexts:\n- name: x\n  context: {cluster: c}\ncurrent-context: x\n")
            .Set("KUBECONFIG", "/k");

        var error = Assert.Throws<KubeconfigException>(() => ConnectionResolver.Resolve(new ConnectionRequest(), environment));

        Assert.Contains("unsupported scheme \"gopher\"", error.Message);
        Assert.Contains("gopher://REDACTED@proxy:70", error.Message);
        Assert.DoesNotContain("SECRET", error.Message);
    }

    [Theory]
    [InlineData("https://admin:pw-SECRET@api.example.test", "https://REDACTED@api.example.test")]
    [InlineData("ftp://api.example.test", "ftp://api.example.test")]
    [InlineData("https://", "https://")]
    public void Invalid_server_url_is_named_without_credentials(string server, string shown)
    {
        var environment = new FakeSystemEnvironment()
            .AddFile("/k", $"clusters:\n- name: c\n  cluster:\n    server: '{server}'\ncontexts:\n- name: x\n  context: {{cluster: c}}\ncurrent-context: x\n")
            .Set("KUBECONFIG", "/k");

        var error = Assert.Throws<KubeconfigException>(() => ConnectionResolver.Resolve(new ConnectionRequest(), environment));

        Assert.Equal(("clusters[0].cluster.server", "/k"), (error.Field, error.File));
        Assert.Contains($"server \"{shown}\" of cluster \"c\" is not a valid http or https URL", error.Message);
        Assert.DoesNotContain("SECRET", error.Message);
    }

    [Theory]
    [InlineData("clusters:\n- name: c\n  cluster:\n    server: [a, b]\n", "clusters[0].cluster.server", "array")]
    [InlineData("clusters:\n- name: c\n  cluster:\n    server: {a: b}\n", "clusters[0].cluster.server", "object")]
    [InlineData("clusters:\n- just-a-string\n", "clusters[0]", "string")]
    [InlineData("contexts:\n- name: 12\n", "contexts[0].name", "number")]
    [InlineData("users:\n- name: u\n  user:\n    as-groups: admins\n", "users[0].user.as-groups", "string")]
    [InlineData("users:\n- name: u\n  user:\n    as-user-extra: {k: [1]}\n", "users[0].user.as-user-extra.k[0]", "number")]
    [InlineData("users:\n- name: u\n  user:\n    exec: {command: x, args: [--a, {b: c}]}\n", "users[0].user.exec.args[1]", "object")]
    [InlineData("users:\n- name: u\n  user:\n    exec: {command: x, env: {A: b}}\n", "users[0].user.exec.env", "object")]
    [InlineData("current-context: [x]\n", "current-context", "array")]
    public void Wrong_types_name_the_field(string yaml, string field, string found)
    {
        var environment = new FakeSystemEnvironment().AddFile("/k", yaml).Set("KUBECONFIG", "/k");

        var error = Assert.Throws<KubeconfigException>(() => KubeconfigLoader.Load(null, environment));

        Assert.Equal(field, error.Field);
        Assert.Contains($"cannot unmarshal {found} into field {field}", error.Message);
        Assert.Equal("/k", error.File);
    }

    [Fact]
    public void Duplicate_keys_are_a_yaml_error_not_an_argument_exception()
    {
        var environment = new FakeSystemEnvironment().AddFile("/k", "current-context: a\ncurrent-context: b\n").Set("KUBECONFIG", "/k");

        var error = Assert.Throws<KubeconfigException>(() => KubeconfigLoader.Load(null, environment));

        Assert.Equal(ConnectionErrorIds.KubeconfigInvalid, error.ErrorId);
        Assert.Contains("/k", error.Message);
    }

    [Fact]
    public void A_quoted_number_or_bool_is_a_string_and_yaml_booleans_are_accepted()
    {
        var environment = new FakeSystemEnvironment()
            .AddFile("/k", "clusters:\n- name: \"1\"\n  cluster: {server: 'https://s', insecure-skip-tls-verify: yes}\ncontexts:\n- name: x\n  context: {cluster: \"1\", namespace: \"no\"}\ncurrent-context: x\n")
            .Set("KUBECONFIG", "/k");

        var connection = ConnectionResolver.Resolve(new ConnectionRequest(), environment);

        Assert.Equal(("1", "no", true), (connection.ClusterName, connection.Namespace, connection.InsecureSkipTlsVerify));
    }
}
