using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Text;
using K8sServiceAccount.Client.Auth;
using K8sServiceAccount.Client.Config;
using K8sServiceAccount.Client.Http;
using K8sServiceAccount.Client.Models;
using K8sServiceAccount.Client.Tests.Http.Support;

namespace K8sServiceAccount.Client.Tests.Http;

/// <summary>Request building, retries, error mapping, warnings, timeouts and watches, over a stub network.</summary>
public sealed class KubernetesConnectionTests
{
    private const string Path = "/api/v1/namespaces/default/serviceaccounts/build-robot";
    private const string ListPath = "/api/v1/namespaces/default/serviceaccounts";

    [Fact]
    public async Task Basic_auth_is_sent_as_an_Authorization_header()
    {
        var stub = new StubHandler((_, _) => StubHandler.Json(HttpStatusCode.OK, StubHandler.ServiceAccountJson));
        using var connection = TestConnections.OverStub(stub, new AuthSettings { Username = "admin", Password = "p@ss:word" });

        await connection.GetAsync(Path, KubeJsonContext.Default.ServiceAccount, CancellationToken.None);

        var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:p@ss:word"));
        Assert.Equal(expected, Assert.Single(stub.Requests).Authorization);
    }

    [Fact]
    public async Task Impersonation_headers_are_sent_with_extra_keys_escaped_as_client_go_does()
    {
        var stub = new StubHandler((_, _) => StubHandler.Json(HttpStatusCode.OK, StubHandler.ServiceAccountJson));
        var impersonation = new Impersonation
        {
            UserName = "system:serviceaccount:ci:deployer",
            Uid = "1234",
            Groups = ["system:serviceaccounts", "team a"],
            Extra = new Dictionary<string, IReadOnlyList<string>>
            {
                ["example.com/scopes"] = ["read", "write"],
                ["reason"] = ["audit"],
            },
        };
        using var connection = TestConnections.OverStub(stub, impersonation: impersonation);

        await connection.GetAsync(Path, KubeJsonContext.Default.ServiceAccount, CancellationToken.None);

        var request = Assert.Single(stub.Requests);
        Assert.Equal("system:serviceaccount:ci:deployer", request.Header("Impersonate-User"));
        Assert.Equal("1234", request.Header("Impersonate-Uid"));
        // Several values reach the handler as one, split into lines as it is written (the test below reads the wire).
        Assert.Equal(["system:serviceaccounts", "team a"], request.Header("Impersonate-Group")!.Split(ImpersonationHeaders.ValueSeparator));
        Assert.Equal(["read", "write"], request.Header("Impersonate-Extra-example.com%2Fscopes")!.Split(ImpersonationHeaders.ValueSeparator));
        Assert.Equal("audit", request.Header("Impersonate-Extra-reason"));
    }

    [Fact]
    public async Task Several_impersonated_groups_and_extra_values_go_as_one_header_line_each_as_kubectl_sends_them()
    {
        // HttpClient alone would write "Impersonate-Group: devs, ops", which the API server reads as one group.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var received = Task.Run(async () =>
        {
            using var client = await listener.AcceptTcpClientAsync();
            var stream = client.GetStream();
            var head = new StringBuilder();
            var buffer = new byte[4096];
            while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                var read = await stream.ReadAsync(buffer);
                if (read == 0) break;
                head.Append(Encoding.UTF8.GetString(buffer, 0, read));
            }
            var body = Encoding.UTF8.GetBytes(StubHandler.ServiceAccountJson);
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n"));
            await stream.WriteAsync(body);
            return head.ToString();
        });
        var impersonation = new Impersonation
        {
            UserName = "alice",
            Groups = ["devs", "ops", "équipe"],
            Extra = new Dictionary<string, IReadOnlyList<string>> { ["scopes"] = ["read", "write"], ["reason"] = ["audit"] },
        };
        using var connection = KubernetesConnection.Create(
            TestConnections.Settings(impersonation: impersonation, server: new Uri($"http://127.0.0.1:{port}")), TestConnections.Options());

        await connection.GetAsync(Path, KubeJsonContext.Default.ServiceAccount, CancellationToken.None);

        var lines = (await received).Split("\r\n");
        Assert.StartsWith("GET " + Path + " HTTP/1.1", lines[0], StringComparison.Ordinal);
        Assert.Equal(["Impersonate-User: alice"], lines.Where(l => l.StartsWith("Impersonate-User:", StringComparison.Ordinal)));
        Assert.Equal(["Impersonate-Group: devs", "Impersonate-Group: ops", "Impersonate-Group: équipe"],
            lines.Where(l => l.StartsWith("Impersonate-Group:", StringComparison.Ordinal)));
        Assert.Equal(["Impersonate-Extra-scopes: read", "Impersonate-Extra-scopes: write"],
            lines.Where(l => l.StartsWith("Impersonate-Extra-scopes:", StringComparison.Ordinal)));
        Assert.Equal(["Impersonate-Extra-reason: audit"], lines.Where(l => l.StartsWith("Impersonate-Extra-reason:", StringComparison.Ordinal)));
        Assert.DoesNotContain(lines, l => l.Contains(ImpersonationHeaders.ValueSeparator));
    }

    [Fact]
    public void Impersonation_headers_are_written_as_UTF8_on_every_protocol_as_kubectl_writes_them()
    {
        // HttpClient refuses a non-ASCII header value unless an encoding is chosen for it; kubectl sends "josé" as UTF-8.
        using var http2 = new HttpRequestMessage(HttpMethod.Get, "https://h/") { Version = HttpVersion.Version20 };
        var encoding = ImpersonationHeaders.EncodingFor("Impersonate-User", http2);
        Assert.NotNull(encoding);
        Assert.Equal(Encoding.UTF8.GetBytes("josé"), encoding.GetBytes("josé"));
        Assert.Equal(Encoding.ASCII.GetBytes("a\r\nImpersonate-Group: b"), ImpersonationHeaders.EncodingFor("Impersonate-Group", http2)!.GetBytes("a\u0001b"));
        Assert.Null(ImpersonationHeaders.EncodingFor("Authorization", http2));
    }

    [Theory]
    [InlineData("devs\r\nX-Injected: 1")]
    [InlineData("devs\nops")]
    [InlineData("devs\u0001ops")]
    public async Task An_impersonated_value_with_a_control_character_is_refused_naming_the_kubeconfig_field(string group)
    {
        var stub = new StubHandler((_, _) => StubHandler.Json(HttpStatusCode.OK, StubHandler.ServiceAccountJson));
        using var connection = TestConnections.OverStub(stub, impersonation: new Impersonation { UserName = "alice", Groups = ["ok", group] });

        var error = await Assert.ThrowsAsync<K8sClientException>(() => connection.GetAsync(Path, KubeJsonContext.Default.ServiceAccount, CancellationToken.None));

        Assert.Equal(("InvalidImpersonation", K8sErrorCategory.InvalidArgument), (error.ErrorId, error.Category));
        Assert.Contains("as-groups", error.Message, StringComparison.Ordinal);
        Assert.Empty(stub.Requests);
    }

    [Fact]
    public async Task An_impersonating_view_replaces_the_impersonation_and_shares_the_connection_and_its_log()
    {
        var stub = new StubHandler((_, _) => StubHandler.Json(HttpStatusCode.OK, StubHandler.ServiceAccountJson));
        using var connection = TestConnections.OverStub(stub, new AuthSettings { Token = "view-token" },
            impersonation: new Impersonation { UserName = "from-kubeconfig", Groups = ["g0"] });
        var log = new RecordingLog();

        using (connection.UseLog(log))
        {
            using (var view = connection.WithImpersonation(new Impersonation { UserName = "system:serviceaccount:ns:app", Groups = ["system:serviceaccounts"] }))
            {
                await view.GetAsync(Path, KubeJsonContext.Default.ServiceAccount, CancellationToken.None);
            }

            await connection.GetAsync(Path, KubeJsonContext.Default.ServiceAccount, CancellationToken.None);
        }

        var (viaView, direct) = (stub.Requests[0], stub.Requests[1]);
        Assert.Equal("system:serviceaccount:ns:app", viaView.Header("Impersonate-User"));
        Assert.Equal("system:serviceaccounts", viaView.Header("Impersonate-Group"));
        Assert.Equal("Bearer view-token", viaView.Authorization);
        Assert.Equal("from-kubeconfig", direct.Header("Impersonate-User"));
        Assert.Equal(2, log.VerboseLines.Count());
    }

    [Fact]
    public async Task Lines_a_log_declines_are_not_written_but_server_warnings_are()
    {
        var stub = new StubHandler((_, _) =>
        {
            var answer = StubHandler.Json(HttpStatusCode.OK, StubHandler.ServiceAccountJson);
            answer.Headers.TryAddWithoutValidation("Warning", "299 - \"deprecated field\"");
            return answer;
        });
        using var connection = TestConnections.OverStub(stub, new AuthSettings { Token = "quiet-token" });
        var quiet = new RecordingLog(verboseAndDebug: false);
        var chatty = new RecordingLog();

        using (connection.UseLog(quiet))
        {
            await connection.GetAsync(Path, KubeJsonContext.Default.ServiceAccount, CancellationToken.None);
        }

        using (connection.UseLog(chatty))
        {
            await connection.GetAsync(Path, KubeJsonContext.Default.ServiceAccount, CancellationToken.None);
        }

        Assert.Equal(["deprecated field"], quiet.WarningLines);
        Assert.Empty(quiet.VerboseLines);
        Assert.Single(chatty.VerboseLines);
        Assert.Single(chatty.DebugLines);
        chatty.AssertNoSecrets("quiet-token");
    }

    [Theory]
    [InlineData("scopes", "scopes")]
    [InlineData("example.com/scopes", "example.com%2Fscopes")]
    [InlineData("a b", "a%20b")]
    [InlineData("100%", "100%25")]
    [InlineData("ключ", "%D0%BA%D0%BB%D1%8E%D1%87")]
    public void Impersonation_extra_keys_are_percent_encoded(string key, string expected) =>
        Assert.Equal(expected, K8sServiceAccount.Client.Auth.ImpersonationHeaders.EscapeKey(key));

    [Fact]
    public async Task A_post_sends_the_JSON_body_with_its_content_type()
    {
        var stub = new StubHandler((_, _) => StubHandler.Json(HttpStatusCode.Created, StubHandler.ServiceAccountJson));
        using var connection = TestConnections.OverStub(stub);
        var account = new ServiceAccount { Metadata = new ObjectMeta { Name = "build-robot" } };

        await connection.SendAsync(HttpMethod.Post, ListPath, account, KubeJsonContext.Default.ServiceAccount,
            KubeJsonContext.Default.ServiceAccount, CancellationToken.None);

        var request = Assert.Single(stub.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal("https://127.0.0.1:6443" + ListPath, request.Uri.ToString());
        Assert.StartsWith("application/json", request.ContentType);
        Assert.Contains("\"name\":\"build-robot\"", request.Body);
    }

    [Fact]
    public async Task A_server_URL_with_a_path_prefix_keeps_it()
    {
        var stub = new StubHandler((_, _) => StubHandler.Json(HttpStatusCode.OK, StubHandler.ServiceAccountJson));
        using var connection = KubernetesConnection.Create(
            TestConnections.Settings(server: new Uri("https://rancher.example/k8s/clusters/c-abc/")),
            TestConnections.Options(stub));

        await connection.GetAsync(Path, KubeJsonContext.Default.ServiceAccount, CancellationToken.None);

        Assert.Equal("https://rancher.example/k8s/clusters/c-abc" + Path, Assert.Single(stub.Requests).Uri.ToString());
    }

    [Fact]
    public async Task A_429_with_Retry_After_is_retried_after_at_least_that_long()
    {
        var delays = new List<TimeSpan>();
        var stub = new StubHandler((_, attempt) => attempt <= 2
            ? StubHandler.Text(HttpStatusCode.TooManyRequests, "Too many requests, please try again later.", ("Retry-After", "3"))
            : StubHandler.Json(HttpStatusCode.OK, StubHandler.ServiceAccountJson));
        using var connection = TestConnections.OverStub(stub, delays: delays);

        var account = await connection.GetAsync(Path, KubeJsonContext.Default.ServiceAccount, CancellationToken.None);

        Assert.Equal("build-robot", account.Metadata?.Name);
        Assert.Equal(3, stub.Requests.Count);
        Assert.Equal(2, delays.Count);
        Assert.All(delays, wait => Assert.True(wait >= TimeSpan.FromSeconds(3), $"waited {wait}"));
    }

    [Fact]
    public async Task A_429_is_retried_even_for_a_post_because_the_server_did_not_handle_it()
    {
        var stub = new StubHandler((_, attempt) => attempt == 1
            ? StubHandler.Json(HttpStatusCode.TooManyRequests, StubHandler.StatusJson(429, "TooManyRequests", "slow down"), ("Retry-After", "1"))
            : StubHandler.Json(HttpStatusCode.Created, StubHandler.ServiceAccountJson));
        using var connection = TestConnections.OverStub(stub);

        await connection.SendAsync(HttpMethod.Post, ListPath, new ServiceAccount(), KubeJsonContext.Default.ServiceAccount,
            KubeJsonContext.Default.ServiceAccount, CancellationToken.None);

        Assert.Equal(2, stub.Requests.Count);
    }

    [Fact]
    public async Task A_503_is_retried_for_a_get_a_bounded_number_of_times_with_growing_jittered_waits()
    {
        var delays = new List<TimeSpan>();
        var stub = new StubHandler((_, _) => StubHandler.Text(HttpStatusCode.ServiceUnavailable, "apiserver is shutting down"));
        using var connection = TestConnections.OverStub(stub, delays: delays, maxRetries: 3);

        var error = await Assert.ThrowsAsync<KubernetesApiException>(() =>
            connection.GetAsync(Path, KubeJsonContext.Default.ServiceAccount, CancellationToken.None));

        Assert.Equal(503, error.StatusCode);
        Assert.Contains("apiserver is shutting down", error.Message);
        Assert.Equal(4, stub.Requests.Count);
        Assert.Equal(3, delays.Count);
        Assert.True(delays[0] < delays[2], string.Join(", ", delays));
    }

    [Fact]
    public async Task A_503_with_Retry_After_is_honoured_for_a_get()
    {
        var delays = new List<TimeSpan>();
        var stub = new StubHandler((_, attempt) => attempt == 1
            ? StubHandler.Text(HttpStatusCode.ServiceUnavailable, "busy", ("Retry-After", "2"))
            : StubHandler.Json(HttpStatusCode.OK, StubHandler.ServiceAccountJson));
        using var connection = TestConnections.OverStub(stub, delays: delays);

        await connection.GetAsync(Path, KubeJsonContext.Default.ServiceAccount, CancellationToken.None);

        Assert.True(Assert.Single(delays) >= TimeSpan.FromSeconds(2));
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("PUT")]
    [InlineData("PATCH")]
    [InlineData("DELETE")]
    public async Task A_change_is_not_retried_on_a_5xx_because_it_may_have_been_applied(string method)
    {
        var stub = new StubHandler((_, _) => StubHandler.Text(HttpStatusCode.ServiceUnavailable, "unavailable", ("Retry-After", "1")));
        using var connection = TestConnections.OverStub(stub);

        var error = await Assert.ThrowsAsync<KubernetesApiException>(() => connection.SendAsync(
            new HttpMethod(method), Path, new ServiceAccount(), KubeJsonContext.Default.ServiceAccount,
            KubeJsonContext.Default.ServiceAccount, CancellationToken.None));

        Assert.Equal(503, error.StatusCode);
        Assert.Equal(1, error.RetryAfterSeconds);
        Assert.Single(stub.Requests);
    }

    [Fact]
    public async Task A_connection_that_fails_while_opening_is_retried_for_any_method_but_a_broken_response_only_for_a_get()
    {
        var reset = new StubHandler((_, attempt, _) => attempt == 1
            ? throw new HttpRequestException(HttpRequestError.ConnectionError, "Connection reset by peer", new SocketException((int)SocketError.ConnectionReset))
            : Task.FromResult(StubHandler.Json(HttpStatusCode.Created, StubHandler.ServiceAccountJson)));
        using (var connection = TestConnections.OverStub(reset))
        {
            await connection.SendAsync(HttpMethod.Post, ListPath, new ServiceAccount(), KubeJsonContext.Default.ServiceAccount,
                KubeJsonContext.Default.ServiceAccount, CancellationToken.None);
        }

        Assert.Equal(2, reset.Requests.Count);

        var broken = new StubHandler((_, _, _) =>
            throw new HttpRequestException(HttpRequestError.ResponseEnded, "The response ended prematurely.", new IOException("reset")));
        using (var connection = TestConnections.OverStub(broken, maxRetries: 2))
        {
            var getError = await Assert.ThrowsAsync<K8sClientException>(() =>
                connection.GetAsync(Path, KubeJsonContext.Default.ServiceAccount, CancellationToken.None));
            Assert.Equal("KubernetesConnectionFailed", getError.ErrorId);
            Assert.Equal(3, broken.Requests.Count);

            await Assert.ThrowsAsync<WriteOutcomeUnknownException>(() => connection.SendAsync(HttpMethod.Post, ListPath, new ServiceAccount(),
                KubeJsonContext.Default.ServiceAccount, KubeJsonContext.Default.ServiceAccount, CancellationToken.None));
            Assert.Equal(4, broken.Requests.Count);
        }
    }

    public static TheoryData<string, HttpRequestError, SocketError?, bool, string> ConnectionFailures => new()
    {
        // A server that is not there: fail at once, for reads too (as kubectl).
        { "GET", HttpRequestError.ConnectionError, SocketError.ConnectionRefused, false, "KubernetesConnectionRefused" },
        { "POST", HttpRequestError.ConnectionError, SocketError.ConnectionRefused, false, "KubernetesConnectionRefused" },
        { "GET", HttpRequestError.NameResolutionError, SocketError.HostNotFound, false, "KubernetesServerNameNotResolved" },
        { "GET", HttpRequestError.NameResolutionError, SocketError.NoData, false, "KubernetesServerNameNotResolved" },
        { "GET", HttpRequestError.NameResolutionError, SocketError.TryAgain, false, "KubernetesServerNameNotResolved" },
        { "GET", HttpRequestError.NameResolutionError, null, false, "KubernetesServerNameNotResolved" },
        { "GET", HttpRequestError.ConnectionError, SocketError.HostNotFound, false, "KubernetesServerNameNotResolved" },
        // The request never left: any method may be sent again.
        { "GET", HttpRequestError.ConnectionError, SocketError.ConnectionReset, true, "KubernetesConnectionFailed" },
        { "DELETE", HttpRequestError.ConnectionError, SocketError.TimedOut, true, "KubernetesConnectionFailed" },
        // Dropped mid-request: only what changes nothing.
        { "GET", HttpRequestError.ResponseEnded, null, true, "KubernetesConnectionFailed" },
        { "HEAD", HttpRequestError.HttpProtocolError, null, true, "KubernetesConnectionFailed" },
        // ... and a change is then of unknown outcome (issue 11 defect 9).
        { "PUT", HttpRequestError.ResponseEnded, null, false, "KubernetesWriteOutcomeUnknown" },
        { "PATCH", HttpRequestError.Unknown, SocketError.ConnectionReset, false, "KubernetesWriteOutcomeUnknown" },
        // TLS is not transient.
        { "GET", HttpRequestError.SecureConnectionError, null, false, "KubernetesTlsFailure" },
    };

    [Theory]
    [MemberData(nameof(ConnectionFailures))]
    public async Task A_connection_failure_is_retried_only_when_it_can_recover(
        string method, HttpRequestError kind, SocketError? socketError, bool retried, string errorId)
    {
        var failure = new HttpRequestException(kind, "failed", socketError is { } code ? new SocketException((int)code) : null);
        Assert.Equal(retried, RetryPolicy.ShouldRetry(new HttpMethod(method), failure));

        var delays = new List<TimeSpan>();
        var stub = new StubHandler((_, _, _) => throw failure);
        using var connection = TestConnections.OverStub(stub, maxRetries: 2, delays: delays);
        var error = await Assert.ThrowsAnyAsync<K8sClientException>(() => connection.SendAsync(new HttpMethod(method), Path,
            new ServiceAccount(), KubeJsonContext.Default.ServiceAccount, KubeJsonContext.Default.ServiceAccount, CancellationToken.None));

        Assert.Equal(errorId, error.ErrorId);
        Assert.Equal(retried ? 3 : 1, stub.Requests.Count);
        Assert.Equal(retried ? 2 : 0, delays.Count);
        Assert.Contains(connection.Settings.Server.Host, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_Retry_After_longer_than_a_minute_is_not_waited_for_but_reported()
    {
        var delays = new List<TimeSpan>();
        var stub = new StubHandler((_, _) =>
            StubHandler.Json(HttpStatusCode.TooManyRequests, StubHandler.StatusJson(429, "TooManyRequests", "rate limited"), ("Retry-After", "300")));
        using var connection = TestConnections.OverStub(stub, delays: delays);

        var error = await Assert.ThrowsAsync<KubernetesApiException>(() =>
            connection.GetAsync(Path, KubeJsonContext.Default.ServiceAccount, CancellationToken.None));

        Assert.Equal(300, error.RetryAfterSeconds);
        Assert.Equal("rate limited", error.Message);
        Assert.Single(stub.Requests);
        Assert.Empty(delays);
    }

    [Fact]
    public async Task A_Status_body_becomes_a_typed_exception_with_the_server_message()
    {
        const string body = """
            {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"serviceaccounts \"build-robot\" not found","reason":"NotFound","details":{"name":"build-robot","kind":"serviceaccounts"},"code":404}
            """;
        var stub = new StubHandler((_, _) => StubHandler.Json(HttpStatusCode.NotFound, body));
        using var connection = TestConnections.OverStub(stub);

        var error = await Assert.ThrowsAsync<KubernetesApiException>(() =>
            connection.GetAsync(Path, KubeJsonContext.Default.ServiceAccount, CancellationToken.None));

        Assert.True(error.IsNotFound);
        Assert.Equal("KubernetesNotFound", error.ErrorId);
        Assert.Equal(K8sErrorCategory.ObjectNotFound, error.Category);
        Assert.Equal("serviceaccounts \"build-robot\" not found", error.Message);
        Assert.Equal("build-robot", error.Status?.Details?.Name);
        Assert.Single(stub.Requests);
    }

    [Fact]
    public async Task A_401_Status_keeps_Unauthorized()
    {
        var stub = new StubHandler((_, _) => StubHandler.Json(HttpStatusCode.Unauthorized, StubHandler.StatusJson(401, "Unauthorized", "Unauthorized")));
        using var connection = TestConnections.OverStub(stub, new AuthSettings { Token = "expired-token" });

        var error = await Assert.ThrowsAsync<KubernetesApiException>(() =>
            connection.GetAsync(Path, KubeJsonContext.Default.ServiceAccount, CancellationToken.None));

        Assert.True(error.IsUnauthorized);
        Assert.Equal("Unauthorized", error.Message);
        Assert.Equal("KubernetesUnauthorized", error.ErrorId);
        Assert.Equal(K8sErrorCategory.AuthenticationError, error.Category);
        Assert.Single(stub.Requests);
    }

    [Fact]
    public async Task A_plain_text_429_gets_the_TooManyRequests_reason_and_keeps_the_text()
    {
        var stub = new StubHandler((_, _) =>
            StubHandler.Text(HttpStatusCode.TooManyRequests, "Too many requests, please try again later.\n", ("Retry-After", "1")));
        using var connection = TestConnections.OverStub(stub, maxRetries: 0);

        var error = await Assert.ThrowsAsync<KubernetesApiException>(() =>
            connection.GetAsync(Path, KubeJsonContext.Default.ServiceAccount, CancellationToken.None));

        Assert.Equal("KubernetesTooManyRequests", error.ErrorId);
        Assert.Equal(K8sErrorCategory.LimitsExceeded, error.Category);
        Assert.Equal(
            "the server has received too many requests and has asked us to try again later: Too many requests, please try again later.",
            error.Message);
        Assert.Equal(1, error.RetryAfterSeconds);
    }

    [Fact]
    public async Task A_non_Status_error_page_gets_client_go_generic_message()
    {
        var stub = new StubHandler((_, _) => StubHandler.Text(HttpStatusCode.BadGateway, "<html>bad gateway</html>"));
        using var connection = TestConnections.OverStub(stub, maxRetries: 0);

        var error = await Assert.ThrowsAsync<KubernetesApiException>(() =>
            connection.GetAsync(Path, KubeJsonContext.Default.ServiceAccount, CancellationToken.None));

        Assert.Equal("KubernetesInternalError", error.ErrorId);
        Assert.Equal("an error on the server (\"<html>bad gateway</html>\") has prevented the request from succeeding", error.Message);
    }

    [Fact]
    public async Task Warning_headers_are_raised_and_logged()
    {
        var stub = new StubHandler((_, _) => StubHandler.Json(HttpStatusCode.Created, StubHandler.ServiceAccountJson,
            ("Warning", "299 - \"requested expiration of 600 seconds shortened to 3600 seconds\""),
            ("Warning", "299 - \"a \\\"quoted\\\" word\", 299 - \"second, with comma\" \"Mon, 23 Nov 2026 05:00:00 GMT\"")));
        using var connection = TestConnections.OverStub(stub);
        var raised = new List<string>();
        connection.ServerWarning += raised.Add;
        var log = new RecordingLog();

        using (connection.UseLog(log))
        {
            await connection.GetAsync(Path, KubeJsonContext.Default.ServiceAccount, CancellationToken.None);
        }

        string[] expected =
        [
            "requested expiration of 600 seconds shortened to 3600 seconds",
            "a \"quoted\" word",
            "second, with comma",
        ];
        Assert.Equal(expected, raised);
        Assert.Equal(expected, log.WarningLines);
    }

    [Fact]
    public async Task A_call_that_takes_longer_than_the_timeout_fails_with_KubernetesRequestTimeout()
    {
        var stub = new StubHandler(async (_, _, token) =>
        {
            await Task.Delay(Timeout.Infinite, token);
            throw new InvalidOperationException("unreachable");
        });
        using var connection = TestConnections.OverStub(stub, timeout: TimeSpan.FromMilliseconds(100));

        var error = await Assert.ThrowsAsync<K8sClientException>(() =>
            connection.GetAsync(Path, KubeJsonContext.Default.ServiceAccount, CancellationToken.None));

        Assert.Equal("KubernetesRequestTimeout", error.ErrorId);
        Assert.Equal(K8sErrorCategory.OperationTimeout, error.Category);
        Assert.Contains(Path, error.Message);
    }

    [Fact]
    public async Task Cancellation_by_the_caller_is_an_OperationCanceledException()
    {
        var stub = new StubHandler(async (_, _, token) =>
        {
            await Task.Delay(Timeout.Infinite, token);
            throw new InvalidOperationException("unreachable");
        });
        using var connection = TestConnections.OverStub(stub);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            connection.GetAsync(Path, KubeJsonContext.Default.ServiceAccount, cancel.Token));
    }

    [Fact]
    public async Task A_watch_yields_each_event_as_it_arrives_and_an_ERROR_event_becomes_an_exception()
    {
        var pipe = new Pipe();
        var stub = new StubHandler((request, _) =>
        {
            var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(pipe.Reader.AsStream()) };
            response.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json;stream=watch");
            return response;
        });
        using var connection = TestConnections.OverStub(stub);
        await using var events = connection.WatchAsync(ListPath + "?watch=true", KubeJsonContext.Default.WatchEventServiceAccount, CancellationToken.None)
            .GetAsyncEnumerator();

        await WriteLine(pipe, """{"type":"ADDED","object":{"kind":"ServiceAccount","metadata":{"name":"a"}}}""");
        Assert.True(await events.MoveNextAsync());
        Assert.Equal(("ADDED", "a"), (events.Current.Type, events.Current.Object?.Metadata?.Name));

        var next = events.MoveNextAsync().AsTask();
        await Task.Delay(50);
        Assert.False(next.IsCompleted, "the second event has not been sent yet");
        await WriteLine(pipe, """{"type":"MODIFIED","object":{"kind":"ServiceAccount","metadata":{"name":"a","resourceVersion":"7"}}}""");
        Assert.True(await next);
        Assert.Equal("MODIFIED", events.Current.Type);
        Assert.Equal("7", events.Current.Object?.Metadata?.ResourceVersion);

        await WriteLine(pipe, """{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 1 (7)","reason":"Expired","code":410}}""");
        var error = await Assert.ThrowsAsync<KubernetesApiException>(async () => await events.MoveNextAsync());
        Assert.Equal(410, error.StatusCode);
        Assert.Equal("Expired", error.Reason);
        Assert.Equal("too old resource version: 1 (7)", error.Message);
    }

    [Fact]
    public async Task A_watch_stops_when_the_caller_cancels_while_waiting_for_the_next_event()
    {
        var pipe = new Pipe();
        var stub = new StubHandler((_, _) => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(pipe.Reader.AsStream()) });
        using var connection = TestConnections.OverStub(stub, timeout: TimeSpan.FromMilliseconds(50));
        using var cancel = new CancellationTokenSource();
        await using var events = connection.WatchAsync(ListPath + "?watch=true", KubeJsonContext.Default.WatchEventServiceAccount, cancel.Token)
            .GetAsyncEnumerator();

        await WriteLine(pipe, """{"type":"ADDED","object":{"metadata":{"name":"a"}}}""");
        Assert.True(await events.MoveNextAsync());
        var next = events.MoveNextAsync().AsTask();
        await Task.Delay(200); // longer than the timeout: a quiet watch is not a timed-out one
        Assert.False(next.IsCompleted);
        cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => next);
    }

    [Fact]
    public async Task A_watch_ends_when_the_server_ends_the_stream()
    {
        const string lines = """
            {"type":"ADDED","object":{"metadata":{"name":"a"}}}
            {"type":"DELETED","object":{"metadata":{"name":"a"}}}

            """;
        var stub = new StubHandler((_, _) => StubHandler.Json(HttpStatusCode.OK, lines));
        using var connection = TestConnections.OverStub(stub);

        var types = new List<string?>();
        await foreach (var watchEvent in connection.WatchAsync(ListPath + "?watch=true", KubeJsonContext.Default.WatchEventServiceAccount, CancellationToken.None))
        {
            types.Add(watchEvent.Type);
        }

        Assert.Equal(["ADDED", "DELETED"], types);
    }

    [Fact]
    public async Task A_watch_line_longer_than_MaxResponseBytes_fails_typed_without_reading_the_rest()
    {
        // A hostile server sending one endless line: the reader must stop at the limit, not buffer it all.
        var endless = new EndlessLineStream(totalBytes: 16 * 1024 * 1024);
        var stub = new StubHandler((_, _) => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(endless) });
        var options = TestConnections.Options(stub);
        using var connection = KubernetesConnection.Create(TestConnections.Settings(), new KubernetesConnectionOptions
        {
            WrapHandler = options.WrapHandler,
            Environment = options.Environment,
            MaxResponseBytes = 1024 * 1024,
        });

        var error = await Assert.ThrowsAsync<K8sClientException>(async () =>
        {
            await foreach (var unused in connection.WatchAsync(ListPath + "?watch=true", KubeJsonContext.Default.WatchEventServiceAccount, CancellationToken.None))
            {
            }
        });

        Assert.Equal("KubernetesInvalidResponse", error.ErrorId);
        Assert.Equal(K8sErrorCategory.ProtocolError, error.Category);
        Assert.Contains("a watch event is larger than 1 MiB", error.Message);
        Assert.InRange(endless.BytesRead, 1024 * 1024, 2 * 1024 * 1024);
    }

    [Fact]
    public async Task A_watch_event_just_under_MaxResponseBytes_and_events_after_it_are_read()
    {
        var padding = new string('x', (1024 * 1024) - 200);
        var lines = """{"type":"ADDED","object":{"metadata":{"name":"a","annotations":{"p":""" + "\"" + padding + "\"" + """}}}}""" + "\r\n"
            + """{"type":"DELETED","object":{"metadata":{"name":"a"}}}""" + "\n";
        var stub = new StubHandler((_, _) => StubHandler.Json(HttpStatusCode.OK, lines));
        var options = TestConnections.Options(stub);
        using var connection = KubernetesConnection.Create(TestConnections.Settings(), new KubernetesConnectionOptions
        {
            WrapHandler = options.WrapHandler,
            Environment = options.Environment,
            MaxResponseBytes = 1024 * 1024,
        });

        var names = new List<string?>();
        await foreach (var watchEvent in connection.WatchAsync(ListPath + "?watch=true", KubeJsonContext.Default.WatchEventServiceAccount, CancellationToken.None))
        {
            names.Add(watchEvent.Type + " " + watchEvent.Object?.Metadata?.Name);
        }

        Assert.Equal(["ADDED a", "DELETED a"], names);
    }

    [Fact]
    public async Task Each_call_writes_one_verbose_line_with_method_url_status_duration_and_retries()
    {
        var stub = new StubHandler((_, attempt) => attempt == 1
            ? StubHandler.Text(HttpStatusCode.TooManyRequests, "busy", ("Retry-After", "1"))
            : StubHandler.Json(HttpStatusCode.OK, StubHandler.ServiceAccountJson));
        using var connection = TestConnections.OverStub(stub);
        var log = new RecordingLog();

        using (connection.UseLog(log))
        {
            await connection.GetAsync(Path, KubeJsonContext.Default.ServiceAccount, CancellationToken.None);
        }

        var line = Assert.Single(log.VerboseLines);
        Assert.Matches(@"^GET https://127\.0\.0\.1:6443/api/v1/namespaces/default/serviceaccounts/build-robot 200 OK in \d+ ms after 1 retry$", line);
        Assert.Contains(log.DebugLines, l => l.Contains("429 TooManyRequests") && l.Contains("retry 1 of 5"));
    }

    [Fact]
    public async Task UseLog_routes_lines_to_the_innermost_scope_and_restores_the_previous_log()
    {
        var stub = new StubHandler((_, _) => StubHandler.Json(HttpStatusCode.OK, StubHandler.ServiceAccountJson));
        using var connection = TestConnections.OverStub(stub);
        var outer = new RecordingLog();
        var inner = new RecordingLog();

        using (connection.UseLog(outer))
        {
            using (connection.UseLog(inner))
            {
                await connection.GetAsync(Path, KubeJsonContext.Default.ServiceAccount, CancellationToken.None);
            }

            await connection.GetAsync(Path, KubeJsonContext.Default.ServiceAccount, CancellationToken.None);
        }

        await connection.GetAsync(Path, KubeJsonContext.Default.ServiceAccount, CancellationToken.None);
        Assert.Single(inner.VerboseLines);
        Assert.Single(outer.VerboseLines);
    }

    [Fact]
    public void A_server_URL_that_is_not_http_or_https_is_refused()
    {
        var error = Assert.Throws<K8sClientException>(() =>
            KubernetesConnection.Create(TestConnections.Settings(server: new Uri("ftp://example.com")), TestConnections.Options()));

        Assert.Equal("KubernetesServerUrlInvalid", error.ErrorId);
        Assert.Contains("ftp://example.com", error.Message);
    }

    [Fact]
    public void Retry_backoff_grows_is_jittered_is_capped_and_never_shorter_than_Retry_After()
    {
        Assert.Equal(TimeSpan.FromMilliseconds(125), RetryPolicy.Delay(1, null, jitter: 0));
        Assert.Equal(TimeSpan.FromMilliseconds(250), RetryPolicy.Delay(1, null, jitter: 1));
        Assert.Equal(TimeSpan.FromMilliseconds(500), RetryPolicy.Delay(3, null, jitter: 0));
        Assert.Equal(RetryPolicy.MaxBackoff, RetryPolicy.Delay(30, null, jitter: 1));
        Assert.Equal(TimeSpan.FromSeconds(5), RetryPolicy.Delay(1, TimeSpan.FromSeconds(5), jitter: 0.5));
    }

    private static async Task WriteLine(Pipe pipe, string line)
    {
        await pipe.Writer.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"));
        await pipe.Writer.FlushAsync();
    }
}

/// <summary>A watch body of one line of 'x' that never ends within <c>totalBytes</c>; counts what was read.</summary>
internal sealed class EndlessLineStream(long totalBytes) : Stream
{
    private long position;

    public long BytesRead => Interlocked.Read(ref position);

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count)
    {
        var n = (int)Math.Min(count, totalBytes - position);
        buffer.AsSpan(offset, n).Fill((byte)'x');
        Interlocked.Add(ref position, n);
        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
