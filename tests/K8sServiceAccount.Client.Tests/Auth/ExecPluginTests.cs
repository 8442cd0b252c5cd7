using System.Net;
using System.Text;
using System.Text.Json;
using K8sServiceAccount.Client.Config;
using K8sServiceAccount.Client.Http;
using K8sServiceAccount.Client.Models;
using K8sServiceAccount.Client.Tests.Http.Support;

namespace K8sServiceAccount.Client.Tests.Auth;

/// <summary>Exec credential plugins, played by small /bin/sh scripts in a temporary directory.</summary>
public sealed class ExecPluginTests : IDisposable
{
    private const string V1 = "client.authentication.k8s.io/v1";
    private const string V1Beta1 = "client.authentication.k8s.io/v1beta1";
    private const string ApiPath = "/api/v1/namespaces/default/serviceaccounts";

    private readonly PluginDirectory _plugins = new();

    public void Dispose() => _plugins.Dispose();

    [Fact]
    public async Task A_v1_plugin_token_is_sent_and_the_plugin_gets_its_arguments_env_and_exec_info()
    {
        var command = TokenPlugin(V1);
        var stub = OkStub();
        using var connection = TestConnections.OverStub(stub, new AuthSettings
        {
            Exec = new ExecConfig
            {
                Command = command,
                ApiVersion = V1,
                Args = ["get-token", "--cluster name", "it's \"quoted\"", "$HOME", ""],
                Env = [new("PLUGIN_GREETING", "hello world")],
                InteractiveMode = "IfAvailable",
            },
        });

        await Get(connection);

        Assert.Equal("Bearer exec-token-1", Assert.Single(stub.Requests).Authorization);
        Assert.Equal(["get-token", "--cluster name", "it's \"quoted\"", "$HOME", ""], File.ReadAllLines(_plugins.PathOf("args.txt")));
        Assert.Equal("hello world", File.ReadAllText(_plugins.PathOf("env.txt")));
        using var info = JsonDocument.Parse(File.ReadAllText(_plugins.PathOf("exec-info.json")));
        Assert.Equal(V1, info.RootElement.GetProperty("apiVersion").GetString());
        Assert.Equal("ExecCredential", info.RootElement.GetProperty("kind").GetString());
        Assert.False(info.RootElement.GetProperty("spec").GetProperty("interactive").GetBoolean());
        Assert.False(info.RootElement.GetProperty("spec").TryGetProperty("cluster", out _));
    }

    [Fact]
    public async Task A_v1beta1_plugin_works()
    {
        var stub = OkStub();
        using var connection = TestConnections.OverStub(stub, Exec(TokenPlugin(V1Beta1), V1Beta1));

        await Get(connection);

        Assert.Equal("Bearer exec-token-1", Assert.Single(stub.Requests).Authorization);
        using var info = JsonDocument.Parse(File.ReadAllText(_plugins.PathOf("exec-info.json")));
        Assert.Equal(V1Beta1, info.RootElement.GetProperty("apiVersion").GetString());
    }

    [Fact]
    public async Task ProvideClusterInfo_puts_the_cluster_in_KUBERNETES_EXEC_INFO()
    {
        var ca = Encoding.ASCII.GetBytes("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
        var settings = TestConnections.Settings(new AuthSettings
        {
            Exec = new ExecConfig
            {
                Command = TokenPlugin(V1),
                ApiVersion = V1,
                ProvideClusterInfo = true,
                ClusterConfigJson = """{"audience":"kubernetes","scopes":["a","b"]}""",
            },
        }) with
        {
            TlsServerName = "kubernetes.default.svc",
            ProxyUrl = new Uri("socks5://proxy.local:1080"),
        };
        var stub = OkStub();
        // The CA bytes only travel to the plugin here; the stub replaces the TLS handler.
        using var connection = KubernetesConnection.Create(settings with { CertificateAuthorityData = null }, TestConnections.Options(stub));
        var plugin = new K8sServiceAccount.Client.Auth.ExecPlugin(settings.Auth.Exec!, settings with { CertificateAuthorityData = ca }, () => false);

        using var info = JsonDocument.Parse(plugin.BuildExecInfo(interactive: false));

        var cluster = info.RootElement.GetProperty("spec").GetProperty("cluster");
        Assert.Equal("https://127.0.0.1:6443", cluster.GetProperty("server").GetString());
        Assert.Equal("kubernetes.default.svc", cluster.GetProperty("tls-server-name").GetString());
        Assert.Equal(ca, cluster.GetProperty("certificate-authority-data").GetBytesFromBase64());
        Assert.Equal("socks5://proxy.local:1080", cluster.GetProperty("proxy-url").GetString());
        Assert.Equal("kubernetes", cluster.GetProperty("config").GetProperty("audience").GetString());
        Assert.False(cluster.TryGetProperty("insecure-skip-tls-verify", out _));

        await Get(connection);
        using var sent = JsonDocument.Parse(File.ReadAllText(_plugins.PathOf("exec-info.json")));
        Assert.Equal("kubernetes.default.svc", sent.RootElement.GetProperty("spec").GetProperty("cluster").GetProperty("tls-server-name").GetString());
    }

    [Fact]
    public async Task A_reply_with_another_apiVersion_is_refused_with_client_go_message()
    {
        using var connection = TestConnections.OverStub(OkStub(), Exec(TokenPlugin(V1Beta1), V1));

        var error = await Assert.ThrowsAsync<K8sClientException>(() => Get(connection));

        Assert.Equal("ExecPluginInvalidCredential", error.ErrorId);
        Assert.Equal(
            $"getting credentials: exec plugin is configured to use API version {V1}, plugin returned version {V1Beta1}",
            error.Message);
    }

    [Fact]
    public void A_configured_apiVersion_other_than_v1_or_v1beta1_is_refused_when_connecting()
    {
        var error = Assert.Throws<K8sClientException>(() =>
            KubernetesConnection.Create(TestConnections.Settings(Exec("aws", "client.authentication.k8s.io/v1alpha1")), TestConnections.Options()));

        Assert.Equal("ExecPluginApiVersionUnsupported", error.ErrorId);
        Assert.Contains("exec plugin: invalid apiVersion \"client.authentication.k8s.io/v1alpha1\"", error.Message);
    }

    [Theory]
    [InlineData("""{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{}}""", "exec plugin didn't return a token or cert/key pair")]
    [InlineData("""{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential"}""", "exec plugin didn't return a status field")]
    [InlineData("""{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"clientCertificateData":"x"}}""", "exec plugin returned only certificate or key, not both")]
    [InlineData("""{"kind":"ExecCredential","status":{"token":"secret-token-value"}}""", "Object 'apiVersion' is missing")]
    [InlineData("""{"apiVersion":"client.authentication.k8s.io/v1","kind":"Pod","status":{"token":"secret-token-value"}}""", "no kind \"Pod\" is registered")]
    [InlineData("""not json secret-token-value""", "the plugin's output is not JSON")]
    [InlineData("""{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"secret-token-value","expirationTimestamp":"tomorrow"}}""", "is not an RFC 3339 time")]
    public async Task An_unusable_reply_is_refused_without_echoing_it(string reply, string expected)
    {
        var command = _plugins.Script("plugin", $"cat <<'JSON'\n{reply}\nJSON\n");
        var stub = OkStub();
        using var connection = TestConnections.OverStub(stub, Exec(command, V1));

        var error = await Assert.ThrowsAsync<K8sClientException>(() => Get(connection));

        Assert.Equal("ExecPluginInvalidCredential", error.ErrorId);
        Assert.StartsWith("getting credentials: ", error.Message);
        Assert.Contains(expected, error.Message);
        Assert.DoesNotContain("secret-token-value", error.Message);
        Assert.Empty(stub.Requests);
    }

    [Fact]
    public async Task A_failing_plugin_reports_its_exit_code_and_its_stderr_goes_to_the_log()
    {
        var command = _plugins.Script("plugin", "echo 'error: refresh token expired, run: login' >&2\nexit 3\n");
        using var connection = TestConnections.OverStub(OkStub(), Exec(command, V1));
        var log = new RecordingLog();

        K8sClientException error;
        using (connection.UseLog(log))
        {
            error = await Assert.ThrowsAsync<K8sClientException>(() => Get(connection));
        }

        Assert.Equal("ExecPluginFailed", error.ErrorId);
        Assert.Equal($"getting credentials: exec: executable {command} failed with exit code 3", error.Message);
        Assert.Contains(log.WarningLines, l => l.Contains("error: refresh token expired, run: login"));
    }

    [Fact]
    public async Task A_missing_executable_shows_the_install_hint()
    {
        var command = _plugins.PathOf("kubelogin");
        using var connection = TestConnections.OverStub(OkStub(), new AuthSettings
        {
            Exec = new ExecConfig { Command = command, ApiVersion = V1, InstallHint = "Install kubelogin:\n  brew install int128/kubelogin/kubelogin" },
        });

        var error = await Assert.ThrowsAsync<K8sClientException>(() => Get(connection));

        Assert.Equal("ExecPluginNotFound", error.ErrorId);
        Assert.Equal(K8sErrorCategory.ObjectNotFound, error.Category);
        Assert.StartsWith($"getting credentials: exec: executable {command} not found\n\nIt looks like you are trying to use a client-go credential plugin that is not installed.", error.Message);
        Assert.EndsWith("\n\nInstall kubelogin:\n  brew install int128/kubelogin/kubelogin", error.Message);
    }

    [Fact]
    public async Task A_bare_command_name_not_on_PATH_is_not_found()
    {
        using var connection = TestConnections.OverStub(OkStub(), Exec("k8ssa-test-no-such-credential-plugin", V1));

        var error = await Assert.ThrowsAsync<K8sClientException>(() => Get(connection));

        Assert.Equal("ExecPluginNotFound", error.ErrorId);
        Assert.Contains("exec: executable k8ssa-test-no-such-credential-plugin not found", error.Message);
    }

    [Fact]
    public async Task A_relative_command_resolves_against_the_kubeconfig_that_names_it()
    {
        TokenPlugin(V1, name: "plugin.sh");
        var stub = OkStub();
        using var connection = TestConnections.OverStub(stub, new AuthSettings
        {
            Exec = new ExecConfig { Command = "./plugin.sh", ApiVersion = V1, SourceFile = _plugins.PathOf("kubeconfig") },
        });

        await Get(connection);

        Assert.Equal("Bearer exec-token-1", Assert.Single(stub.Requests).Authorization);
    }

    [Fact]
    public async Task Credentials_are_cached_until_expirationTimestamp_then_the_plugin_runs_again()
    {
        var environment = new TestEnvironment { UtcNow = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero) };
        var stub = OkStub();
        using var connection = TestConnections.OverStub(stub, Exec(TokenPlugin(V1, expiration: "2026-01-01T00:10:00Z"), V1), environment: environment);

        await Get(connection);
        environment.Advance(TimeSpan.FromMinutes(5));
        await Get(connection);
        environment.Advance(TimeSpan.FromMinutes(5)); // exactly at the expiry: still valid, as in client-go
        await Get(connection);
        environment.Advance(TimeSpan.FromSeconds(1));
        await Get(connection);

        Assert.Equal(2, _plugins.Lines("runs.txt"));
        Assert.Equal(
            ["Bearer exec-token-1", "Bearer exec-token-1", "Bearer exec-token-1", "Bearer exec-token-2"],
            stub.Requests.Select(r => r.Authorization));
    }

    [Fact]
    public async Task A_401_runs_the_plugin_once_more_and_resends_once()
    {
        var stub = new StubHandler((request, _) => request.Authorization == "Bearer exec-token-1"
            ? StubHandler.Json(HttpStatusCode.Unauthorized, StubHandler.StatusJson(401, "Unauthorized", "Unauthorized"))
            : StubHandler.Json(HttpStatusCode.OK, """{"items":[]}"""));
        using var connection = TestConnections.OverStub(stub, Exec(TokenPlugin(V1), V1));

        await Get(connection);
        await Get(connection);

        Assert.Equal(2, _plugins.Lines("runs.txt"));
        Assert.Equal(["Bearer exec-token-1", "Bearer exec-token-2", "Bearer exec-token-2"], stub.Requests.Select(r => r.Authorization));
    }

    [Fact]
    public async Task A_401_that_persists_after_the_re_run_is_returned_without_further_runs()
    {
        var stub = new StubHandler((_, _) => StubHandler.Json(HttpStatusCode.Unauthorized, StubHandler.StatusJson(401, "Unauthorized", "Unauthorized")));
        using var connection = TestConnections.OverStub(stub, Exec(TokenPlugin(V1), V1));

        var error = await Assert.ThrowsAsync<KubernetesApiException>(() => Get(connection));

        Assert.True(error.IsUnauthorized);
        Assert.Equal(2, _plugins.Lines("runs.txt"));
        Assert.Equal(2, stub.Requests.Count);
    }

    [Fact]
    public async Task Without_a_terminal_interactiveMode_Always_fails_with_client_go_error()
    {
        var command = TokenPlugin(V1);
        using var connection = TestConnections.OverStub(OkStub(), Exec(command, V1, interactiveMode: "Always"), terminal: false);

        var error = await Assert.ThrowsAsync<K8sClientException>(() => Get(connection));

        Assert.Equal("getting credentials: exec plugin cannot support interactive mode: standard input is not a terminal", error.Message);
        Assert.Equal(0, _plugins.Lines("runs.txt"));
    }

    [Theory]
    [InlineData("IfAvailable", true, true)]
    [InlineData("IfAvailable", false, false)]
    [InlineData("Never", true, false)]
    [InlineData("Always", true, true)]
    public async Task InteractiveMode_decides_spec_interactive(string mode, bool terminal, bool expected)
    {
        using var connection = TestConnections.OverStub(OkStub(), Exec(TokenPlugin(V1), V1, interactiveMode: mode), terminal: terminal);

        await Get(connection);

        using var info = JsonDocument.Parse(File.ReadAllText(_plugins.PathOf("exec-info.json")));
        Assert.Equal(expected, info.RootElement.GetProperty("spec").GetProperty("interactive").GetBoolean());
    }

    [Fact]
    public async Task An_unknown_interactiveMode_is_an_error()
    {
        using var connection = TestConnections.OverStub(OkStub(), Exec(TokenPlugin(V1), V1, interactiveMode: "Sometimes"));

        var error = await Assert.ThrowsAsync<K8sClientException>(() => Get(connection));

        Assert.Contains("unknown interactiveMode: \"Sometimes\"", error.Message);
    }

    [Fact]
    public async Task A_non_interactive_plugin_that_tries_to_prompt_reads_end_of_file_instead_of_waiting()
    {
        var command = _plugins.Script("plugin",
            $"if read -r answer; then echo got > '{_plugins.Root}/stdin.txt'; else echo eof > '{_plugins.Root}/stdin.txt'; fi\n" +
            $"printf '{{\"apiVersion\":\"{V1}\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"t\"}}}}'\n");
        using var connection = TestConnections.OverStub(OkStub(), Exec(command, V1, interactiveMode: "IfAvailable"), terminal: false);

        await Get(connection);

        Assert.Equal("eof", File.ReadAllText(_plugins.PathOf("stdin.txt")).Trim());
    }

    [Fact]
    public async Task The_request_timeout_does_not_count_the_time_a_plugin_takes_to_log_in()
    {
        var command = _plugins.Script("plugin",
            $"sleep 1\nprintf '{{\"apiVersion\":\"{V1}\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"t\"}}}}'\n");
        var stub = OkStub();
        using var connection = TestConnections.OverStub(stub, Exec(command, V1), timeout: TimeSpan.FromMilliseconds(300));

        await Get(connection);

        Assert.Equal("Bearer t", Assert.Single(stub.Requests).Authorization);
    }

    [Fact]
    public async Task Concurrent_requests_run_the_plugin_once()
    {
        var stub = OkStub();
        using var connection = TestConnections.OverStub(stub, Exec(TokenPlugin(V1), V1));

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Get(connection)));

        Assert.Equal(1, _plugins.Lines("runs.txt"));
        Assert.All(stub.Requests, r => Assert.Equal("Bearer exec-token-1", r.Authorization));
    }

    /// <summary>
    /// A plugin that counts its runs in runs.txt, records its arguments, one env variable and
    /// KUBERNETES_EXEC_INFO, and returns "exec-token-N" for run N.
    /// </summary>
    private string TokenPlugin(string apiVersion, string? expiration = null, string name = "plugin")
    {
        var root = _plugins.Root;
        var expiry = expiration is null ? string.Empty : $",\"expirationTimestamp\":\"{expiration}\"";
        var reply = $"{{\"apiVersion\":\"{apiVersion}\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"exec-token-%s\"{expiry}}}}}";
        return _plugins.Script(name, $$"""
            echo run >> '{{root}}/runs.txt'
            n=$(wc -l < '{{root}}/runs.txt' | tr -d ' ')
            printf '%s' "$KUBERNETES_EXEC_INFO" > '{{root}}/exec-info.json'
            : > '{{root}}/args.txt'
            for a in "$@"; do printf '%s\n' "$a" >> '{{root}}/args.txt'; done
            printf '%s' "$PLUGIN_GREETING" > '{{root}}/env.txt'
            printf '{{reply}}\n' "$n"

            """);
    }

    private static AuthSettings Exec(string command, string apiVersion, string interactiveMode = "IfAvailable") =>
        new() { Exec = new ExecConfig { Command = command, ApiVersion = apiVersion, InteractiveMode = interactiveMode } };

    private static StubHandler OkStub() => new((_, _) => StubHandler.Json(HttpStatusCode.OK, """{"items":[]}"""));

    private static Task<ServiceAccountList> Get(KubernetesConnection connection) =>
        connection.GetAsync(ApiPath, KubeJsonContext.Default.ServiceAccountList, CancellationToken.None);
}
