using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace K8sServiceAccount.Integration.Tests.LocalApiServer;

/// <summary>Status errors, REST verbs and controllers of the local API server over HTTPS (§4, §6, §7).</summary>
public sealed class ApiBehaviourTests : IClassFixture<ServerFixture>
{
    private readonly ServerFixture _server;

    public ApiBehaviourTests(ServerFixture server)
    {
        _server = server;
    }

    private async Task<string> NamespaceAsync()
    {
        string ns = "a-" + Guid.NewGuid().ToString("N")[..10];
        Reply created = await _server.AdminAsync(HttpMethod.Post, "/api/v1/namespaces", $$$"""{"metadata":{"name":"{{{ns}}}"}}""");
        Assert.Equal(HttpStatusCode.Created, created.Status);
        await _server.Host.WaitForControllersAsync();
        return ns;
    }

    private static void AssertStatus(Reply reply, HttpStatusCode code, string reason, string message)
    {
        Assert.True(reply.Status == code, $"expected {code}, got {reply.Status}: {reply.Text}");
        Assert.Equal("Status", reply.Json?["kind"]?.GetValue<string>());
        Assert.Equal(reason, reply.Reason);
        Assert.Equal(message, reply.Message);
        Assert.Equal((int)code, reply.Json!["code"]!.GetValue<int>());
    }

    [Fact]
    public async Task InvalidNamesGetTheRealInvalidStatusWithCauses()
    {
        string ns = await NamespaceAsync();
        Reply reply = await _server.AdminAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/serviceaccounts", """{"metadata":{"name":"Bad_Name"}}""");
        AssertStatus(reply, HttpStatusCode.UnprocessableEntity, "Invalid",
            "ServiceAccount \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
        JsonNode cause = reply.Json!["details"]!["causes"]![0]!;
        Assert.Equal(("FieldValueInvalid", "metadata.name"), (cause["reason"]!.GetValue<string>(), cause["field"]!.GetValue<string>()));
        Assert.Equal("ServiceAccount", reply.Json["details"]!["kind"]!.GetValue<string>());
        Assert.Contains("\"message\":\"ServiceAccount \\\"Bad_Name\\\" is invalid", reply.Text);

        Reply missing = await _server.AdminAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/serviceaccounts", """{"metadata":{}}""");
        AssertStatus(missing, HttpStatusCode.UnprocessableEntity, "Invalid",
            "ServiceAccount \"\" is invalid: metadata.name: Required value: name or generateName is required");

        Reply badNamespace = await _server.AdminAsync(HttpMethod.Post, "/api/v1/namespaces", """{"metadata":{"name":"My_NS"}}""");
        Assert.Contains("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc'", badNamespace.Message);
    }

    [Fact]
    public async Task MalformedRequestsGet400413And415NeverA500()
    {
        string ns = await NamespaceAsync();
        string path = $"/api/v1/namespaces/{ns}/serviceaccounts";
        Assert.Equal(HttpStatusCode.BadRequest, (await _server.AdminAsync(HttpMethod.Post, path, "{not json")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await _server.AdminAsync(HttpMethod.Post, path, "[1,2]")).Status);
        AssertStatus(await _server.AdminAsync(HttpMethod.Post, path, """{"apiVersion":"v2","kind":"ServiceAccount","metadata":{"name":"x"}}"""),
            HttpStatusCode.BadRequest, "BadRequest", "the API version in the data (v2) does not match the expected API version (v1)");
        Assert.Equal(HttpStatusCode.BadRequest, (await _server.AdminAsync(HttpMethod.Post, path, """{"apiVersion":"v1","kind":"Secret","metadata":{"name":"x"}}""")).Status);
        AssertStatus(await _server.AdminAsync(HttpMethod.Post, path, """{"metadata":{"name":"x","namespace":"other"}}"""),
            HttpStatusCode.BadRequest, "BadRequest", "the namespace of the provided object does not match the namespace sent on the request");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await _server.AdminAsync(HttpMethod.Post, path, """{"metadata":{"name":"x"}}""", "text/plain")).Status);
        Assert.StartsWith("ServiceAccount in version \"v1\" cannot be handled as a ServiceAccount:",
            (await _server.AdminAsync(HttpMethod.Post, path, """{"metadata":{"name":"x","labels":{"a":1}}}""")).Message);
        Assert.Equal(HttpStatusCode.BadRequest, (await _server.AdminAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/pods", """{"metadata":{"name":"p"},"spec":"x"}""")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await _server.AdminAsync(HttpMethod.Post, $"/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/roles", """{"metadata":{"name":"r"},"rules":"x"}""")).Status);
        byte[] huge = Encoding.UTF8.GetBytes("{\"metadata\":{\"name\":\"x\"},\"pad\":\"" + new string('a', 3 * 1024 * 1024) + "\"}");
        AssertStatus(await ServerFixture.SendAsync(_server.Admin, HttpMethod.Post, path, huge), HttpStatusCode.RequestEntityTooLarge,
            "RequestEntityTooLarge", "Request entity too large: limit is 3145728");
        AssertStatus(await _server.AdminAsync(HttpMethod.Post, $"/api/v1/namespaces/nope-{ns}/serviceaccounts", """{"metadata":{"name":"x"}}"""),
            HttpStatusCode.NotFound, "NotFound", $"namespaces \"nope-{ns}\" not found");

        await _server.AdminAsync(HttpMethod.Post, path, """{"metadata":{"name":"x"}}""");
        AssertStatus(await _server.AdminAsync(HttpMethod.Put, path + "/x", """{"metadata":{"name":"y"}}"""),
            HttpStatusCode.BadRequest, "BadRequest", "the name of the object (y) does not match the name on the URL (x)");
        AssertStatus(await _server.AdminAsync(HttpMethod.Put, path + "/x", """{"metadata":{"name":"x","resourceVersion":"1"}}"""),
            HttpStatusCode.Conflict, "Conflict", "Operation cannot be fulfilled on serviceaccounts \"x\": the object has been modified; please apply your changes to the latest version and try again");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await _server.AdminAsync(HttpMethod.Patch, path + "/x", "{}", "application/json")).Status);
    }

    [Fact]
    public async Task CreateListPageAndDeleteBehaveAsTheApiServer()
    {
        string ns = await NamespaceAsync();
        string path = $"/api/v1/namespaces/{ns}/serviceaccounts";
        Reply generated = await _server.AdminAsync(HttpMethod.Post, path, """{"metadata":{"generateName":"robot-","labels":{"team":"a"}}}""");
        Assert.Matches("^robot-[bcdfghjklmnpqrstvwxz2456789]{5}$", generated.Json!["metadata"]!["name"]!.GetValue<string>());
        Reply dryRun = await _server.AdminAsync(HttpMethod.Post, path + "?dryRun=All", """{"metadata":{"name":"ghost"}}""");
        Assert.Equal(HttpStatusCode.Created, dryRun.Status);
        Assert.Equal(HttpStatusCode.NotFound, (await _server.AdminAsync(HttpMethod.Get, path + "/ghost")).Status);

        for (int i = 0; i < 3; i++) await _server.AdminAsync(HttpMethod.Post, path, $$$"""{"metadata":{"name":"sa-{{{i}}}"}}""");
        Reply page1 = await _server.AdminAsync(HttpMethod.Get, path + "?limit=2");
        Assert.Equal("ServiceAccountList", page1.Json!["kind"]!.GetValue<string>());
        Assert.Equal(2, page1.Json["items"]!.AsArray().Count);
        Assert.Null(page1.Json["items"]![0]!["kind"]);
        string next = page1.Json["metadata"]!["continue"]!.GetValue<string>();
        Reply page2 = await _server.AdminAsync(HttpMethod.Get, path + "?limit=2&continue=" + Uri.EscapeDataString(next));
        Reply page3 = await _server.AdminAsync(HttpMethod.Get, path + "?limit=2&continue=" + Uri.EscapeDataString(page2.Json!["metadata"]!["continue"]!.GetValue<string>()));
        var names = new[] { page1, page2, page3 }.SelectMany(p => p.Json!["items"]!.AsArray()).Select(i => i!["metadata"]!["name"]!.GetValue<string>()).ToList();
        Assert.Equal(5, names.Count);
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
        Assert.Single((await _server.AdminAsync(HttpMethod.Get, path + "?labelSelector=team%3Da")).Json!["items"]!.AsArray());
        Assert.Single((await _server.AdminAsync(HttpMethod.Get, path + "?fieldSelector=metadata.name%3Dsa-1")).Json!["items"]!.AsArray());

        Reply deletedSa = await _server.AdminAsync(HttpMethod.Delete, path + "/sa-0");
        Assert.Equal("ServiceAccount", deletedSa.Json!["kind"]!.GetValue<string>());

        await _server.AdminAsync(HttpMethod.Post, $"/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/roles", """{"metadata":{"name":"r"},"rules":[]}""");
        Reply deletedRole = await _server.AdminAsync(HttpMethod.Delete, $"/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/roles/r");
        Assert.Equal("Success", deletedRole.Json!["status"]!.GetValue<string>());
        Assert.Equal("roles", deletedRole.Json["details"]!["kind"]!.GetValue<string>());
        Assert.Equal("rbac.authorization.k8s.io", deletedRole.Json["details"]!["group"]!.GetValue<string>());

        Reply collection = await _server.AdminAsync(HttpMethod.Delete, path + "?labelSelector=team%3Da");
        Assert.Single(collection.Json!["items"]!.AsArray());
    }

    [Fact]
    public async Task ControllersKeepDefaultServiceAccountRootCaAndCascadeNamespaceDeletion()
    {
        string ns = await NamespaceAsync();
        Reply configMap = await _server.AdminAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}/configmaps/kube-root-ca.crt");
        Assert.Equal(_server.Host.ServerCaPem, configMap.Json!["data"]!["ca.crt"]!.GetValue<string>());

        string oldUid = (await _server.AdminAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}/serviceaccounts/default")).Json!["metadata"]!["uid"]!.GetValue<string>();
        await _server.AdminAsync(HttpMethod.Delete, $"/api/v1/namespaces/{ns}/serviceaccounts/default");
        await _server.Host.WaitForControllersAsync();
        Reply recreated = await _server.AdminAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}/serviceaccounts/default");
        Assert.Equal(HttpStatusCode.OK, recreated.Status);
        Assert.NotEqual(oldUid, recreated.Json!["metadata"]!["uid"]!.GetValue<string>());

        await _server.AdminAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/serviceaccounts", """{"metadata":{"name":"app"}}""");
        Reply deleting = await _server.AdminAsync(HttpMethod.Delete, $"/api/v1/namespaces/{ns}");
        Assert.Equal("Terminating", deleting.Json!["status"]!["phase"]!.GetValue<string>());
        await _server.Host.WaitForControllersAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await _server.AdminAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}")).Status);
        Assert.Null(_server.Host.Store.Get(K8sServiceAccount.LocalApiServer.Store.ResourceType.ServiceAccounts, ns, "app"));
    }

    [Fact]
    public async Task AuthenticationFailuresAndDenialsUseTheRealMessages()
    {
        using HttpClient anonymous = _server.Host.CreateAnonymousHttpClient();
        AssertStatus(await ServerFixture.SendAsync(anonymous, HttpMethod.Get, "/api", (byte[]?)null, bearer: "garbage"),
            HttpStatusCode.Unauthorized, "Unauthorized", "Unauthorized");
        AssertStatus(await ServerFixture.SendAsync(anonymous, HttpMethod.Get, "/apis", (byte[]?)null),
            HttpStatusCode.Forbidden, "Forbidden", "forbidden: User \"system:anonymous\" cannot get path \"/apis\"");
        Assert.Equal("ok", (await ServerFixture.SendAsync(anonymous, HttpMethod.Get, "/healthz", (byte[]?)null)).Text);

        string ns = await NamespaceAsync();
        using HttpClient bob = _server.Host.CreateHttpClient("bob", "dev-team");
        AssertStatus(await ServerFixture.SendAsync(bob, HttpMethod.Post, $"/api/v1/namespaces/{ns}/serviceaccounts", """{"metadata":{"name":"x"}}"""),
            HttpStatusCode.Forbidden, "Forbidden",
            $"serviceaccounts is forbidden: User \"bob\" cannot create resource \"serviceaccounts\" in API group \"\" in the namespace \"{ns}\"");
        AssertStatus(await ServerFixture.SendAsync(bob, HttpMethod.Get, "/metrics", (byte[]?)null),
            HttpStatusCode.Forbidden, "Forbidden", "forbidden: User \"bob\" cannot get path \"/metrics\"");
        Assert.Equal(HttpStatusCode.OK, (await ServerFixture.SendAsync(bob, HttpMethod.Get, "/api/v1", (byte[]?)null)).Status);

        AssertStatus(await ServerFixture.SendAsync(bob, HttpMethod.Get, "/api", (byte[]?)null, headers: [("Impersonate-User", $"system:serviceaccount:{ns}:builder")]),
            HttpStatusCode.Forbidden, "Forbidden",
            $"serviceaccounts \"builder\" is forbidden: User \"bob\" cannot impersonate resource \"serviceaccounts\" in API group \"\" in the namespace \"{ns}\"");
        AssertStatus(await ServerFixture.SendAsync(bob, HttpMethod.Get, "/api", (byte[]?)null, headers: [("Impersonate-User", "alice")]),
            HttpStatusCode.Forbidden, "Forbidden",
            "users \"alice\" is forbidden: User \"bob\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope");

        Reply whoami = await ServerFixture.SendAsync(_server.Admin, HttpMethod.Post, "/apis/authentication.k8s.io/v1/selfsubjectreviews",
            """{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}""");
        Assert.Equal("admin", whoami.Json!["status"]!["userInfo"]!["username"]!.GetValue<string>());
        Reply staticUser = await ServerFixture.SendAsync(anonymous, HttpMethod.Get, "/apis", (byte[]?)null, bearer: "static-alice-token");
        Assert.Equal(HttpStatusCode.OK, staticUser.Status);
    }

    [Fact]
    public async Task SubjectAccessReviewsAnswerFromRbacWithReasonsAndValidation()
    {
        string ns = await NamespaceAsync();
        await _server.AdminAsync(HttpMethod.Post, $"/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/rolebindings",
            """{"metadata":{"name":"app-view"},"subjects":[{"kind":"ServiceAccount","name":"app"}],"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"view"}}""");
        string sar = $$$$"""{"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview","spec":{"user":"system:serviceaccount:{{{{ns}}}}:app","groups":["system:serviceaccounts"],"resourceAttributes":{"namespace":"{{{{ns}}}}","verb":"list","resource":"pods"}}}""";
        Reply allowed = await _server.AdminAsync(HttpMethod.Post, "/apis/authorization.k8s.io/v1/subjectaccessreviews", sar);
        Assert.Equal(HttpStatusCode.Created, allowed.Status);
        Assert.True(allowed.Json!["status"]!["allowed"]!.GetValue<bool>());
        Assert.Equal($"RBAC: allowed by RoleBinding \"app-view/{ns}\" of ClusterRole \"view\" to ServiceAccount \"app/{ns}\"", allowed.Json["status"]!["reason"]!.GetValue<string>());

        Reply denied = await _server.AdminAsync(HttpMethod.Post, "/apis/authorization.k8s.io/v1/subjectaccessreviews", sar.Replace("\"list\"", "\"delete\""));
        Assert.False(denied.Json!["status"]!["allowed"]!.GetValue<bool>());

        AssertStatus(await _server.AdminAsync(HttpMethod.Post, "/apis/authorization.k8s.io/v1/subjectaccessreviews",
                """{"spec":{"resourceAttributes":{"verb":"get","resource":"pods"}}}"""),
            HttpStatusCode.UnprocessableEntity, "Invalid",
            "SubjectAccessReview.authorization.k8s.io \"\" is invalid: spec.user: Invalid value: \"\": at least one of user or group must be specified");
        Reply both = await _server.AdminAsync(HttpMethod.Post, "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
            """{"spec":{"resourceAttributes":{"verb":"get","resource":"pods"},"nonResourceAttributes":{"path":"/api","verb":"get"}}}""");
        Assert.Contains("cannot be specified in combination with resourceAttributes", both.Message);
        AssertStatus(await _server.AdminAsync(HttpMethod.Post, "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews", """{"spec":{}}"""),
            HttpStatusCode.BadRequest, "BadRequest", "no namespace on request");
        Reply local = await _server.AdminAsync(HttpMethod.Post, $"/apis/authorization.k8s.io/v1/namespaces/{ns}/localsubjectaccessreviews",
            """{"spec":{"user":"x","resourceAttributes":{"namespace":"other","verb":"get","resource":"pods"}}}""");
        Assert.Contains("spec.resourceAttributes.namespace: Invalid value: \"other\": must match metadata.namespace", local.Message);
    }

    [Fact]
    public async Task EscalationIsPreventedWithTheNotHeldMessage()
    {
        string ns = await NamespaceAsync();
        await _server.AdminAsync(HttpMethod.Post, "/apis/rbac.authorization.k8s.io/v1/clusterroles",
            $$$"""{"metadata":{"name":"{{{ns}}}-role-maker"},"rules":[{"apiGroups":["rbac.authorization.k8s.io"],"resources":["roles"],"verbs":["create"]},{"apiGroups":[""],"resources":["pods"],"verbs":["get","list"]}]}""");
        await _server.AdminAsync(HttpMethod.Post, $"/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/rolebindings",
            $$$"""{"metadata":{"name":"carol"},"subjects":[{"kind":"User","name":"carol"}],"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"{{{ns}}}-role-maker"}}""");
        using HttpClient carol = _server.Host.CreateHttpClient("carol");
        string roles = $"/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/roles";

        Assert.Equal(HttpStatusCode.Created, (await ServerFixture.SendAsync(carol, HttpMethod.Post, roles,
            """{"metadata":{"name":"covered"},"rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["get"]}]}""")).Status);
        AssertStatus(await ServerFixture.SendAsync(carol, HttpMethod.Post, roles,
                """{"metadata":{"name":"grab"},"rules":[{"apiGroups":[""],"resources":["secrets"],"verbs":["get"]}]}"""),
            HttpStatusCode.Forbidden, "Forbidden",
            "roles.rbac.authorization.k8s.io \"grab\" is forbidden: user \"carol\" (groups=[\"system:authenticated\"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[\"\"], Resources:[\"secrets\"], Verbs:[\"get\"]}");
    }

    [Fact]
    public async Task TokenRequestAndTokenReviewFollowTheTokenRules()
    {
        string ns = await NamespaceAsync();
        await _server.AdminAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/serviceaccounts", """{"metadata":{"name":"app"}}""");
        string tokenPath = $"/api/v1/namespaces/{ns}/serviceaccounts/app/token";
        Reply capped = await _server.AdminAsync(HttpMethod.Post, tokenPath, """{"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest","spec":{"expirationSeconds":172800}}""");
        Assert.Equal(HttpStatusCode.Created, capped.Status);
        Assert.Equal(86400, capped.Json!["spec"]!["expirationSeconds"]!.GetValue<long>());
        Assert.Contains("requested expiration of 172800 seconds shortened to 86400 seconds", string.Join(",", capped.Headers.GetValues("Warning")));
        Assert.Null(capped.Json["spec"]!["boundObjectRef"]?.GetValue<object>());
        Assert.True(capped.Json["spec"]!.AsObject().ContainsKey("boundObjectRef"));

        AssertStatus(await _server.AdminAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/serviceaccounts/nobody/token", "{}"),
            HttpStatusCode.NotFound, "NotFound", "serviceaccounts \"nobody\" not found");
        AssertStatus(await _server.AdminAsync(HttpMethod.Post, tokenPath, """{"spec":{"boundObjectRef":{"kind":"Deployment","apiVersion":"apps/v1","name":"d"}}}"""),
            HttpStatusCode.BadRequest, "BadRequest", "cannot bind token to object of type apps/v1, Kind=Deployment");

        string token = capped.Json["status"]!["token"]!.GetValue<string>();
        Reply review = await _server.AdminAsync(HttpMethod.Post, "/apis/authentication.k8s.io/v1/tokenreviews",
            $$$"""{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":"{{{token}}}"}}""");
        Assert.True(review.Json!["status"]!["authenticated"]!.GetValue<bool>());
        Assert.Equal($"system:serviceaccount:{ns}:app", review.Json["status"]!["user"]!["username"]!.GetValue<string>());
        Reply bad = await _server.AdminAsync(HttpMethod.Post, "/apis/authentication.k8s.io/v1/tokenreviews", """{"spec":{"token":"nope"}}""");
        Assert.Null(bad.Json!["status"]!["authenticated"]);
        Assert.False(string.IsNullOrEmpty(bad.Json["status"]!["error"]!.GetValue<string>()));

        using HttpClient asToken = _server.Host.CreateAnonymousHttpClient();
        Reply jwks = await ServerFixture.SendAsync(asToken, HttpMethod.Get, "/openid/v1/jwks", (byte[]?)null, bearer: token);
        Assert.Equal("RS256", jwks.Json!["keys"]![0]!["alg"]!.GetValue<string>());
    }

    [Fact]
    public async Task DiscoveryListsServedAndCommonlyNamedResources()
    {
        Reply core = await _server.AdminAsync(HttpMethod.Get, "/api/v1");
        JsonArray resources = core.Json!["resources"]!.AsArray();
        JsonNode sa = resources.Single(r => r!["name"]!.GetValue<string>() == "serviceaccounts")!;
        Assert.Equal("sa", sa["shortNames"]![0]!.GetValue<string>());
        JsonNode token = resources.Single(r => r!["name"]!.GetValue<string>() == "serviceaccounts/token")!;
        Assert.Equal(("authentication.k8s.io", "v1", "TokenRequest"), (token["group"]!.GetValue<string>(), token["version"]!.GetValue<string>(), token["kind"]!.GetValue<string>()));
        Assert.Contains(resources, r => r!["name"]!.GetValue<string>() == "nodes");
        Reply apps = await _server.AdminAsync(HttpMethod.Get, "/apis/apps/v1");
        Assert.Contains(apps.Json!["resources"]!.AsArray(), r => r!["name"]!.GetValue<string>() == "deployments/scale");

        using var request = new HttpRequestMessage(HttpMethod.Get, "/apis");
        request.Headers.TryAddWithoutValidation("Accept", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json");
        using HttpResponseMessage response = await _server.Admin.SendAsync(request);
        Assert.Equal("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList", response.Content.Headers.ContentType!.ToString().Replace(" ", ""));
    }

    [Fact]
    public async Task WatchStreamsChangesAndHttp2Works()
    {
        string ns = await NamespaceAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/namespaces/{ns}/configmaps?watch=true&resourceVersion={_server.Host.Store.ResourceVersion}")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        using HttpResponseMessage response = await _server.Admin.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpVersion.Version20, response.Version);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        await _server.AdminAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", """{"metadata":{"name":"watched"}}""");
        await _server.AdminAsync(HttpMethod.Delete, $"/api/v1/namespaces/{ns}/configmaps/watched");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        JsonNode added = JsonNode.Parse((await reader.ReadLineAsync(timeout.Token))!)!;
        JsonNode deleted = JsonNode.Parse((await reader.ReadLineAsync(timeout.Token))!)!;
        Assert.Equal(("ADDED", "watched"), (added["type"]!.GetValue<string>(), added["object"]!["metadata"]!["name"]!.GetValue<string>()));
        Assert.Equal("DELETED", deleted["type"]!.GetValue<string>());
    }
}
