using System.Text;
using K8sServiceAccount.Client.Api;
using K8sServiceAccount.Client.Http;

namespace K8sServiceAccount.Client.Tests.Api;

public class TokenOperationsTests
{
    private const string Jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6bnMxOmFwcCJ9.c2lnbmF0dXJl";
    private const string TokenPath = "/api/v1/namespaces/ns1/serviceaccounts/app/token";

    private static string TokenAnswer(string spec, string expiration = "2026-11-23T07:00:00Z", string? metadata = null, string token = Jwt) =>
        "{\"kind\":\"TokenRequest\",\"apiVersion\":\"authentication.k8s.io/v1\",\"metadata\":" + (metadata ?? "{}") +
        ",\"spec\":" + spec + ",\"status\":{\"token\":\"" + token + "\",\"expirationTimestamp\":\"" + expiration + "\"}}";

    [Fact]
    public async Task Request_sends_kubectls_TokenRequest_and_reports_the_answer()
    {
        var transport = new FakeTransport().Reply(TokenAnswer(
            """{"audiences":["https://vault"],"expirationSeconds":1200,"boundObjectRef":{"kind":"Pod","apiVersion":"v1","name":"web-0","uid":"pod-uid"}}"""));

        var token = await new TokenOperations(transport).RequestTokenAsync("ns1", "app", new TokenRequestOptions
        {
            Audiences = new[] { "https://vault" },
            Duration = TimeSpan.FromMinutes(20),
            Binding = new TokenBinding("Pod", "web-0"),
        });

        var request = Assert.Single(transport.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal(TokenPath, request.Path);
        Assert.Equal(
            """{"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest","spec":{"audiences":["https://vault"],"expirationSeconds":1200,"boundObjectRef":{"kind":"Pod","apiVersion":"v1","name":"web-0"}}}""",
            request.Body);
        Assert.Equal(Jwt, token.Token);
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 7, 0, 0, TimeSpan.Zero), token.ExpirationTimestamp);
        Assert.Equal(new[] { "https://vault" }, token.Audiences);
        Assert.Equal(new TokenBinding("Pod", "web-0", "pod-uid"), token.BoundObject);
        Assert.Equal(TimeSpan.FromMinutes(20), token.RequestedDuration);
        Assert.Equal(TimeSpan.FromMinutes(20), token.GrantedDuration);
        Assert.False(token.IsShortened);
        Assert.Null(token.ShortenedWarning);
    }

    [Fact]
    public async Task Default_request_has_an_empty_spec_and_the_server_chooses()
    {
        var transport = new FakeTransport().Reply(TokenAnswer("""{"audiences":["https://kubernetes.default.svc"],"expirationSeconds":3600,"boundObjectRef":null}"""));
        var token = await new TokenOperations(transport).RequestTokenAsync("ns1", "app");
        Assert.Equal("""{"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest","spec":{}}""", transport.Requests[0].Body);
        Assert.Null(token.RequestedDuration);
        Assert.Equal(TimeSpan.FromHours(1), token.GrantedDuration);
        Assert.Equal(new[] { "https://kubernetes.default.svc" }, token.Audiences);
        Assert.Null(token.BoundObject);
        Assert.False(token.IsShortened);
    }

    [Fact]
    public async Task Zero_duration_means_the_servers_default_as_in_kubectl()
    {
        var transport = new FakeTransport().Reply(TokenAnswer("""{"expirationSeconds":3600}"""));
        var token = await new TokenOperations(transport).RequestTokenAsync("ns1", "app", new TokenRequestOptions { Duration = TimeSpan.Zero });
        Assert.DoesNotContain("expirationSeconds", transport.Requests[0].Body);
        Assert.Null(token.RequestedDuration);
    }

    [Fact]
    public async Task Shortened_token_is_flagged_and_warned_about()
    {
        var transport = new FakeTransport().Reply(TokenAnswer("""{"expirationSeconds":3600}"""));
        var log = new RecordingLog();
        var token = await new TokenOperations(transport, log).RequestTokenAsync("ns1", "app", new TokenRequestOptions { Duration = TimeSpan.FromHours(48) });

        Assert.Contains("\"expirationSeconds\":172800", transport.Requests[0].Body);
        Assert.True(token.IsShortened);
        Assert.Equal(TimeSpan.FromHours(1), token.GrantedDuration);
        Assert.Equal(TimeSpan.FromHours(48), token.RequestedDuration);
        var warning = Assert.Single(log.Warnings);
        Assert.Contains("ns1/app", warning);
        Assert.Contains("2.00:00:00", warning);
        Assert.Contains("01:00:00", warning);
        Assert.DoesNotContain(Jwt, warning);
    }

    [Fact]
    public async Task Granted_duration_falls_back_to_expiration_minus_creation_time()
    {
        var transport = new FakeTransport().Reply(TokenAnswer(
            "{}", expiration: "2026-11-23T07:00:00Z", metadata: """{"name":"app","creationTimestamp":"2026-11-23T06:30:00Z"}"""));
        var token = await new TokenOperations(transport).RequestTokenAsync("ns1", "app", new TokenRequestOptions { Duration = TimeSpan.FromHours(1) });
        Assert.Equal(TimeSpan.FromMinutes(30), token.GrantedDuration);
        Assert.True(token.IsShortened);
    }

    [Fact]
    public async Task Granted_duration_without_spec_or_creation_time_uses_the_send_time()
    {
        var now = new DateTimeOffset(2026, 11, 23, 6, 0, 0, TimeSpan.Zero);
        var transport = new FakeTransport().Reply(TokenAnswer("{}", expiration: "2026-11-23T06:20:00Z"));
        var token = await new TokenOperations(transport, clock: new FixedClock(now)).RequestTokenAsync("ns1", "app");
        Assert.Equal(TimeSpan.FromMinutes(20), token.GrantedDuration);
    }

    public static TheoryData<TokenRequestOptions, string> InvalidOptions => new()
    {
        { new TokenRequestOptions { Duration = TimeSpan.FromMinutes(9) }, "TokenDurationTooShort" },
        { new TokenRequestOptions { Duration = TimeSpan.FromSeconds(599) }, "TokenDurationTooShort" },
        { new TokenRequestOptions { Duration = TimeSpan.FromMinutes(-20) }, "InvalidTokenDuration" },
        { new TokenRequestOptions { Duration = TimeSpan.FromMilliseconds(600_500) }, "InvalidTokenDuration" },
        { new TokenRequestOptions { Duration = TimeSpan.FromSeconds(4294967297) }, "TokenDurationTooLong" },
        { new TokenRequestOptions { Audiences = new[] { "a", "" } }, "InvalidTokenAudience" },
        { new TokenRequestOptions { Binding = new TokenBinding("Deployment", "web") }, "InvalidBoundObjectKind" },
        { new TokenRequestOptions { Binding = new TokenBinding("pod", "web") }, "InvalidBoundObjectKind" },
        { new TokenRequestOptions { Binding = new TokenBinding("Pod", "") }, "BoundObjectNameRequired" },
        { new TokenRequestOptions { Binding = new TokenBinding("", "web") }, "BoundObjectKindRequired" },
        { new TokenRequestOptions { Binding = new TokenBinding("", "", "some-uid") }, "BoundObjectKindRequired" },
    };

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public async Task Invalid_requests_fail_before_anything_is_sent(TokenRequestOptions options, string errorId)
    {
        var transport = new FakeTransport();
        var e = await Assert.ThrowsAsync<K8sClientException>(() => new TokenOperations(transport).RequestTokenAsync("ns1", "app", options));
        Assert.Equal(errorId, e.ErrorId);
        Assert.Equal(K8sErrorCategory.InvalidArgument, e.Category);
        Assert.Empty(transport.Requests);
    }

    [Fact]
    public void Duration_messages_carry_the_servers_wording()
    {
        var e = Assert.Throws<K8sClientException>(() => new TokenRequestOptions { Duration = TimeSpan.FromMinutes(5) }.Validate());
        Assert.Contains("Duration", e.Message);
        Assert.Contains("spec.expirationSeconds: Invalid value: 300: may not specify a duration less than 10 minutes", e.Message);
        var kind = Assert.Throws<K8sClientException>(() => new TokenRequestOptions { Binding = new TokenBinding("Job", "x") }.Validate());
        Assert.Contains("supported values are Node, Pod, Secret", kind.Message);
    }

    [Theory]
    [InlineData("Node")]
    [InlineData("Secret")]
    public async Task Every_supported_kind_is_sent_with_core_v1(string kind)
    {
        var transport = new FakeTransport().Reply(TokenAnswer("{}"));
        await new TokenOperations(transport).RequestTokenAsync("ns1", "app", new TokenRequestOptions { Binding = new TokenBinding(kind, "x", "u-1") });
        Assert.Contains($$"""
            "boundObjectRef":{"kind":"{{kind}}","apiVersion":"v1","name":"x","uid":"u-1"}
            """.Trim(), transport.Requests[0].Body);
    }

    [Theory]
    [InlineData("Bad_Name", "ns1", "InvalidServiceAccountName")]
    [InlineData("app", "Bad.NS", "InvalidNamespaceName")]
    public async Task Names_are_validated_first(string sa, string ns, string errorId)
    {
        var transport = new FakeTransport();
        var e = await Assert.ThrowsAsync<K8sClientException>(() => new TokenOperations(transport).RequestTokenAsync(ns, sa));
        Assert.Equal(errorId, e.ErrorId);
        Assert.Empty(transport.Requests);
    }

    [Fact]
    public async Task Missing_service_account_keeps_the_servers_NotFound()
    {
        var transport = new FakeTransport().Fail(404, "NotFound", "serviceaccounts \"app\" not found");
        var e = await Assert.ThrowsAsync<KubernetesApiException>(() => new TokenOperations(transport).RequestTokenAsync("ns1", "app"));
        Assert.Equal("serviceaccounts \"app\" not found", e.Message);
    }

    [Fact]
    public async Task Answer_without_token_is_NoTokenInResponse()
    {
        var transport = new FakeTransport().Reply(TokenAnswer("{}", token: ""));
        var e = await Assert.ThrowsAsync<K8sClientException>(() => new TokenOperations(transport).RequestTokenAsync("ns1", "app"));
        Assert.Equal("NoTokenInResponse", e.ErrorId);
        Assert.Contains("no token in server response", e.Message);
    }

    [Fact]
    public async Task Token_never_shows_in_ToString_or_log()
    {
        var transport = new FakeTransport().Reply(TokenAnswer("""{"expirationSeconds":600}"""));
        var log = new RecordingLog();
        var token = await new TokenOperations(transport, log).RequestTokenAsync("ns1", "app", new TokenRequestOptions { Duration = TimeSpan.FromHours(1) });
        Assert.DoesNotContain(Jwt, token.ToString());
        Assert.All(log.Verbose.Concat(log.Warnings), line => Assert.DoesNotContain(Jwt, line));
    }

    // ---- legacy tokens ----

    private const string SaJson = """{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"app","namespace":"ns1","uid":"sa-uid","resourceVersion":"3"}}""";
    private const string SecretListPath = "/api/v1/namespaces/ns1/secrets?fieldSelector=type%3Dkubernetes.io%2Fservice-account-token&limit=500";

    private static string Secret(string name, string saName = "app", string? uid = null, string? token = null, string rv = "10", string created = "2026-11-01T00:00:00Z", string type = "kubernetes.io/service-account-token")
    {
        var annotations = "{\"kubernetes.io/service-account.name\":\"" + saName + "\"" + (uid is null ? "" : ",\"kubernetes.io/service-account.uid\":\"" + uid + "\"") + "}";
        var data = token is null
            ? ""
            : ",\"data\":{\"token\":\"" + Convert.ToBase64String(Encoding.UTF8.GetBytes(token)) + "\",\"ca.crt\":\"" + Convert.ToBase64String("CA"u8.ToArray()) + "\",\"namespace\":\"bnMx\"}";
        return "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"" + name + "\",\"namespace\":\"ns1\",\"resourceVersion\":\"" + rv +
               "\",\"creationTimestamp\":\"" + created + "\",\"annotations\":" + annotations + "},\"type\":\"" + type + "\"" + data + "}";
    }

    private static string SecretList(params string[] secrets) =>
        "{\"kind\":\"SecretList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"20\"},\"items\":[" + string.Join(",", secrets) + "]}";

    private static string Event(string type, string secretJson) => "{\"type\":\"" + type + "\",\"object\":" + secretJson + "}";

    [Fact]
    public async Task Legacy_token_uses_an_existing_filled_secret()
    {
        var transport = new FakeTransport()
            .Reply(SaJson)
            .Reply(SecretList(
                Secret("other-token", saName: "other", token: "T-other"),
                Secret("app-token-stale", uid: "old-uid", token: "T-stale"),
                Secret("app-token-b", uid: "sa-uid", token: "T-b", created: "2026-11-02T00:00:00Z"),
                Secret("app-token-a", uid: "sa-uid", token: "T-a", created: "2026-11-01T00:00:00Z"),
                Secret("app-token-pending", created: "2026-10-01T00:00:00Z")));

        var token = await new TokenOperations(transport).GetOrCreateLegacyTokenAsync("ns1", "app");

        Assert.Equal("app-token-a", token.SecretName);
        Assert.Equal("T-a", token.Token);
        Assert.Equal("CA"u8.ToArray(), token.CertificateAuthorityData);
        Assert.False(token.Created);
        Assert.Equal(new[] { "GET /api/v1/namespaces/ns1/serviceaccounts/app", "GET " + SecretListPath }, transport.Requests.Select(r => $"{r.Method} {r.Path}"));
        Assert.DoesNotContain("T-a", token.ToString());
    }

    [Fact]
    public async Task Legacy_token_creates_a_secret_and_waits_with_a_watch_from_its_resourceVersion()
    {
        var transport = new FakeTransport()
            .Reply(SaJson)
            .Reply(SecretList(Secret("other-token", saName: "other", token: "T-other")))
            .Reply(Secret("app-token-x7k2p", rv: "21"))
            .ReplyWatch(
                Event("MODIFIED", Secret("app-token-x7k2p", uid: "sa-uid", rv: "22")),
                Event("MODIFIED", Secret("app-token-x7k2p", uid: "sa-uid", token: "T-new", rv: "23")));

        var token = await new TokenOperations(transport).GetOrCreateLegacyTokenAsync("ns1", "app", TimeSpan.FromSeconds(30));

        Assert.True(token.Created);
        Assert.Equal("T-new", token.Token);
        Assert.Equal("app-token-x7k2p", token.SecretName);
        var create = transport.Requests[2];
        Assert.Equal("POST", create.Method);
        Assert.Equal("/api/v1/namespaces/ns1/secrets?fieldManager=K8sServiceAccount&fieldValidation=Strict", create.Path);
        Assert.Equal(
            """{"apiVersion":"v1","kind":"Secret","metadata":{"generateName":"app-token-","namespace":"ns1","annotations":{"kubernetes.io/service-account.name":"app"}},"type":"kubernetes.io/service-account-token"}""",
            create.Body);
        var watch = transport.Requests[3];
        Assert.Equal("WATCH", watch.Method);
        Assert.StartsWith(
            "/api/v1/namespaces/ns1/secrets?allowWatchBookmarks=true&fieldSelector=metadata.name%3Dapp-token-x7k2p&resourceVersion=21&timeoutSeconds=",
            watch.Path);
        Assert.EndsWith("&watch=true", watch.Path);
        Assert.Equal(4, transport.Requests.Count);
    }

    [Fact]
    public async Task Legacy_token_waits_for_an_existing_pending_secret_instead_of_creating_another()
    {
        var transport = new FakeTransport()
            .Reply(SaJson)
            .Reply(SecretList(Secret("app-token-pending", rv: "15")))
            .ReplyWatch(Event("MODIFIED", Secret("app-token-pending", uid: "sa-uid", token: "T-late", rv: "16")));

        var token = await new TokenOperations(transport).GetOrCreateLegacyTokenAsync("ns1", "app");

        Assert.False(token.Created);
        Assert.Equal("T-late", token.Token);
        Assert.DoesNotContain(transport.Requests, r => r.Method == "POST");
        Assert.Contains("resourceVersion=15", transport.Requests[2].Path);
    }

    [Fact]
    public async Task Legacy_token_times_out_with_LegacyTokenNotFilled_when_the_controller_never_fills()
    {
        var transport = new FakeTransport()
            .Reply(SaJson)
            .Reply(SecretList())
            .Reply(Secret("app-token-x7k2p", rv: "21"));
        var stream = transport.ReplyWatch();
        stream.TryWrite(Event("ADDED", Secret("app-token-x7k2p", rv: "21")));

        var e = await Assert.ThrowsAsync<K8sClientException>(() =>
            new TokenOperations(transport).GetOrCreateLegacyTokenAsync("ns1", "app", TimeSpan.FromMilliseconds(300)));

        Assert.Equal("LegacyTokenNotFilled", e.ErrorId);
        Assert.Equal(K8sErrorCategory.OperationTimeout, e.Category);
        Assert.Equal("ns1/app-token-x7k2p", e.Target);
        Assert.Contains("ns1/app-token-x7k2p", e.Message);
        Assert.Contains("00:00:00.3000000", e.Message);
    }

    [Fact]
    public async Task Legacy_token_reports_a_secret_deleted_by_the_controller()
    {
        var transport = new FakeTransport()
            .Reply(SaJson)
            .Reply(SecretList())
            .Reply(Secret("app-token-x7k2p", rv: "21"))
            .ReplyWatch(Event("DELETED", Secret("app-token-x7k2p", rv: "22")));

        var e = await Assert.ThrowsAsync<K8sClientException>(() => new TokenOperations(transport).GetOrCreateLegacyTokenAsync("ns1", "app"));

        Assert.Equal("LegacyTokenSecretDeleted", e.ErrorId);
        Assert.Equal(K8sErrorCategory.ObjectNotFound, e.Category);
        Assert.Contains("ServiceAccount ns1/app exists", e.Message);
    }

    [Fact]
    public async Task Legacy_token_resumes_the_watch_from_the_last_seen_version_when_the_server_ends_it()
    {
        var transport = new FakeTransport()
            .Reply(SaJson)
            .Reply(SecretList())
            .Reply(Secret("app-token-x7k2p", rv: "21"))
            .ReplyWatch(Event("MODIFIED", Secret("app-token-x7k2p", uid: "sa-uid", rv: "25")))
            .ReplyWatch(Event("MODIFIED", Secret("app-token-x7k2p", uid: "sa-uid", token: "T", rv: "26")));

        var token = await new TokenOperations(transport).GetOrCreateLegacyTokenAsync("ns1", "app");

        Assert.Equal("T", token.Token);
        Assert.Contains("resourceVersion=21", transport.Requests[3].Path);
        Assert.Contains("resourceVersion=25", transport.Requests[4].Path);
    }

    [Fact]
    public async Task Legacy_token_rereads_the_secret_when_its_version_is_too_old_to_watch()
    {
        var transport = new FakeTransport()
            .Reply(SaJson)
            .Reply(SecretList())
            .Reply(Secret("app-token-x7k2p", rv: "21"))
            .ReplyWatch("""{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 21 (30)","reason":"Expired","code":410}}""")
            .Reply(Secret("app-token-x7k2p", uid: "sa-uid", token: "T-fresh", rv: "31"));

        var token = await new TokenOperations(transport).GetOrCreateLegacyTokenAsync("ns1", "app");

        Assert.Equal("T-fresh", token.Token);
        Assert.Equal("GET /api/v1/namespaces/ns1/secrets/app-token-x7k2p", $"{transport.Requests[4].Method} {transport.Requests[4].Path}");
    }

    [Fact]
    public async Task Legacy_token_for_a_missing_service_account_creates_nothing()
    {
        var transport = new FakeTransport().Fail(404, "NotFound", "serviceaccounts \"app\" not found");
        var e = await Assert.ThrowsAsync<KubernetesApiException>(() => new TokenOperations(transport).GetOrCreateLegacyTokenAsync("ns1", "app"));
        Assert.True(e.IsNotFound);
        Assert.Single(transport.Requests);
    }

    [Fact]
    public async Task Caller_cancellation_is_not_reported_as_a_timeout()
    {
        var transport = new FakeTransport();
        transport.ReplyWatch();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        var secret = System.Text.Json.JsonSerializer.Deserialize(Secret("app-token-x", rv: "5"), Models.KubeJsonContext.Default.Secret)!;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            new TokenOperations(transport).WaitForLegacyTokenAsync(secret, TimeSpan.FromMinutes(1), cancellationToken: cancel.Token));
    }

    [Fact]
    public async Task Find_reports_a_pending_secret_without_creating_anything()
    {
        var transport = new FakeTransport()
            .Reply(SaJson)
            .Reply(SecretList(Secret("app-token-pending", rv: "15")));

        var lookup = await new TokenOperations(transport).FindLegacyTokenAsync("ns1", "app");

        Assert.Null(lookup.Token);
        Assert.Equal("app-token-pending", lookup.PendingSecret!.Metadata.Name);
        Assert.Equal("sa-uid", lookup.ServiceAccount.Metadata.Uid);
        Assert.Equal(2, transport.Requests.Count);
    }

    [Fact]
    public async Task Find_with_no_secret_reports_neither_token_nor_pending_secret()
    {
        var transport = new FakeTransport()
            .Reply(SaJson)
            .Reply(SecretList(Secret("app-token-x", type: "Opaque", token: "T")));
        var lookup = await new TokenOperations(transport).FindLegacyTokenAsync("ns1", "app");
        Assert.Null(lookup.Token);
        Assert.Null(lookup.PendingSecret);
    }

    [Fact]
    public async Task Find_falls_back_to_filtering_here_when_the_server_cannot_select_by_type()
    {
        var transport = new FakeTransport()
            .Reply(SaJson)
            .Fail(400, "BadRequest", "Unable to find \"/v1, Resource=secrets\" that match label selector \"\", field selector \"type=kubernetes.io/service-account-token\": field label not supported: type")
            .Reply(SecretList(Secret("opaque", type: "Opaque", token: "T-x"), Secret("app-token-a", token: "T-a")));

        var lookup = await new TokenOperations(transport).FindLegacyTokenAsync("ns1", "app");

        Assert.Equal("T-a", lookup.Token!.Token);
        Assert.Equal("/api/v1/namespaces/ns1/secrets?limit=500", transport.Requests[2].Path);
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
