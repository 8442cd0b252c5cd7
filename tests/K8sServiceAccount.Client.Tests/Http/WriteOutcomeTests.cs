using System.Globalization;
using System.Net;
using K8sServiceAccount.Client.Api;
using K8sServiceAccount.Client.Http;
using K8sServiceAccount.Client.Models;
using K8sServiceAccount.Client.Permissions;
using K8sServiceAccount.Client.Tests.Http.Support;

namespace K8sServiceAccount.Client.Tests.Http;

/// <summary>
/// Issue 11 defect 9: a write whose connection drops after it was sent is KubernetesWriteOutcomeUnknown, and creates and
/// deletes are reconciled with a read (WriteOutcome), over a stub network.
/// </summary>
public sealed class WriteOutcomeTests
{
    private const string Collection = "/api/v1/namespaces/ns/serviceaccounts";

    private static HttpRequestException Dropped() =>
        new(HttpRequestError.ResponseEnded, "The response ended prematurely.", new IOException("reset"));

    private static string Account(string name, DateTimeOffset created, string labels = "", string uid = "uid-1") =>
        $$$"""{"kind":"ServiceAccount","apiVersion":"v1","metadata":{"name":"{{{name}}}","namespace":"ns","uid":"{{{uid}}}","creationTimestamp":"{{{created.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)}}}"{{{labels}}}}}""";

    private static readonly ServiceAccountDefinition Definition = new()
    {
        Namespace = "ns",
        Name = "app",
        Labels = new Dictionary<string, string> { ["team"] = "a" },
    };

    private const string TeamLabel = ""","labels":{"team":"a"}""";

    [Theory]
    [InlineData("POST")]
    [InlineData("PUT")]
    [InlineData("PATCH")]
    [InlineData("DELETE")]
    public async Task A_change_whose_connection_drops_after_it_was_sent_is_KubernetesWriteOutcomeUnknown_naming_method_and_object(string method)
    {
        var stub = new StubHandler((_, _, _) => throw Dropped());
        using var connection = TestConnections.OverStub(stub);
        var path = method == "POST" ? Collection : Collection + "/app";
        var body = new ServiceAccount { Metadata = new ObjectMeta { Name = "app", Namespace = "ns" } };

        var error = await Assert.ThrowsAsync<WriteOutcomeUnknownException>(() => connection.SendAsync(new HttpMethod(method), path, body,
            KubeJsonContext.Default.ServiceAccount, KubeJsonContext.Default.ServiceAccount, CancellationToken.None));

        Assert.Equal("KubernetesWriteOutcomeUnknown", error.ErrorId);
        Assert.Equal(K8sErrorCategory.ConnectionError, error.Category);
        Assert.StartsWith($"{method} https://127.0.0.1:6443{path}", error.Message, StringComparison.Ordinal);
        Assert.Contains("may or may not have been applied", error.Message, StringComparison.Ordinal);
        if (method == "POST")
        {
            Assert.Contains("(ServiceAccount \"app\")", error.Message, StringComparison.Ordinal);
        }

        Assert.Single(stub.Requests);
    }

    [Theory]
    [InlineData("/api/v1/namespaces/ns/serviceaccounts/app/token")]
    [InlineData("/apis/authorization.k8s.io/v1/subjectaccessreviews")]
    [InlineData("/apis/authorization.k8s.io/v1/namespaces/ns/localsubjectaccessreviews")]
    [InlineData("/apis/authentication.k8s.io/v1/tokenreviews")]
    public async Task A_POST_that_stores_nothing_is_retried_like_a_read(string path)
    {
        Assert.True(RetryPolicy.IsSafe(HttpMethod.Post, path + "?x=1"));
        var stub = new StubHandler((_, attempt, _) => attempt switch
        {
            1 => throw Dropped(),
            2 => Task.FromResult(StubHandler.Json(HttpStatusCode.InternalServerError, StubHandler.StatusJson(500, "InternalError", "boom"))),
            _ => Task.FromResult(StubHandler.Json(HttpStatusCode.Created, "{}")),
        });
        using var connection = TestConnections.OverStub(stub);
        await connection.SendAsync(HttpMethod.Post, path, new TokenRequest(), KubeJsonContext.Default.TokenRequest, KubeJsonContext.Default.TokenRequest, CancellationToken.None);
        Assert.Equal(3, stub.Requests.Count);
    }

    [Theory]
    [InlineData("/api/v1/namespaces/ns/serviceaccounts")]
    [InlineData("/api/v1/namespaces/ns/secrets")]
    [InlineData("/apis/rbac.authorization.k8s.io/v1/namespaces/ns/roles")]
    [InlineData("/api/v1/namespaces/ns/serviceaccounts/token")]
    public void A_POST_that_creates_an_object_is_not_safe(string path) => Assert.False(RetryPolicy.IsSafe(HttpMethod.Post, path));

    [Fact]
    public async Task A_create_found_after_a_lost_connection_and_made_by_this_call_is_a_success()
    {
        var stub = new StubHandler((request, _, _) => request.Method == HttpMethod.Post
            ? throw Dropped()
            : Task.FromResult(StubHandler.Json(HttpStatusCode.OK, Account("app", DateTimeOffset.UtcNow, TeamLabel))));
        using var connection = TestConnections.OverStub(stub);

        var created = await new ServiceAccountOperations(connection).CreateAsync(Definition);

        Assert.Equal("uid-1", created.Metadata.Uid);
        Assert.Equal(["POST", "GET"], stub.Requests.Select(r => r.Method.Method));
    }

    [Fact]
    public async Task A_create_not_found_after_a_lost_connection_is_sent_once_more()
    {
        var stub = new StubHandler((request, attempt, _) => (request.Method.Method, attempt) switch
        {
            ("POST", 1) => throw Dropped(),
            ("GET", _) => Task.FromResult(StubHandler.Json(HttpStatusCode.NotFound, StubHandler.StatusJson(404, "NotFound", "not found"))),
            _ => Task.FromResult(StubHandler.Json(HttpStatusCode.Created, Account("app", DateTimeOffset.UtcNow, TeamLabel, "uid-2"))),
        });
        using var connection = TestConnections.OverStub(stub);

        var created = await new ServiceAccountOperations(connection).CreateAsync(Definition);

        Assert.Equal("uid-2", created.Metadata.Uid);
        Assert.Equal(["POST", "GET", "POST"], stub.Requests.Select(r => r.Method.Method));
    }

    [Fact]
    public async Task A_create_whose_second_request_gets_AlreadyExists_because_the_first_arrived_late_is_a_success()
    {
        var stub = new StubHandler((request, attempt, _) => (request.Method.Method, attempt) switch
        {
            ("POST", 1) => throw Dropped(),
            ("GET", 2) => Task.FromResult(StubHandler.Json(HttpStatusCode.NotFound, StubHandler.StatusJson(404, "NotFound", "not found"))),
            ("POST", _) => Task.FromResult(StubHandler.Json(HttpStatusCode.Conflict, StubHandler.StatusJson(409, "AlreadyExists", "exists"))),
            _ => Task.FromResult(StubHandler.Json(HttpStatusCode.OK, Account("app", DateTimeOffset.UtcNow, TeamLabel))),
        });
        using var connection = TestConnections.OverStub(stub);

        var created = await new ServiceAccountOperations(connection).CreateAsync(Definition);

        Assert.Equal("uid-1", created.Metadata.Uid);
        Assert.Equal(["POST", "GET", "POST", "GET"], stub.Requests.Select(r => r.Method.Method));
    }

    [Fact]
    public async Task A_create_is_sent_at_most_twice_and_then_stays_unknown()
    {
        var stub = new StubHandler((request, _, _) => request.Method == HttpMethod.Post
            ? throw Dropped()
            : Task.FromResult(StubHandler.Json(HttpStatusCode.NotFound, StubHandler.StatusJson(404, "NotFound", "not found"))));
        using var connection = TestConnections.OverStub(stub);

        var error = await Assert.ThrowsAsync<WriteOutcomeUnknownException>(() => new ServiceAccountOperations(connection).CreateAsync(Definition));

        Assert.Equal(["POST", "GET", "POST", "GET"], stub.Requests.Select(r => r.Method.Method));
        Assert.Equal("ServiceAccount/ns/app", error.Target);
        Assert.Contains("ServiceAccount 'app' in namespace 'ns'", error.Message, StringComparison.Ordinal);
        Assert.Contains("may or may not have been applied", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-3600, TeamLabel)] // made an hour before the call
    [InlineData(0, "")] // made now, without the label this call sent
    [InlineData(0, ""","labels":{"team":"b"}""")]
    [InlineData(0, ""","labels":{"team":"a","owner":"someone-else"}""")] // more labels than this call sent
    [InlineData(0, ""","labels":{"team":"a"},"annotations":{"note":"theirs"}""")]
    public async Task A_namesake_that_is_not_this_calls_is_never_claimed_but_reported_as_AlreadyExists(int createdSecondsAgo, string labels)
    {
        var stub = new StubHandler((request, _, _) => request.Method == HttpMethod.Post
            ? throw Dropped()
            : Task.FromResult(StubHandler.Json(HttpStatusCode.OK, Account("app", DateTimeOffset.UtcNow.AddSeconds(createdSecondsAgo), labels))));
        using var connection = TestConnections.OverStub(stub);

        var error = await Assert.ThrowsAsync<KubernetesApiException>(() => new ServiceAccountOperations(connection).CreateAsync(Definition));

        Assert.True(error.IsAlreadyExists);
        Assert.Equal("KubernetesAlreadyExists", error.ErrorId);
        Assert.Contains("not made by this command", error.Message, StringComparison.Ordinal);
        Assert.Equal(["POST", "GET"], stub.Requests.Select(r => r.Method.Method));

        // -Force reads the existing object, as for a 409 the server sent.
        var again = await new ServiceAccountOperations(connection).CreateOrGetAsync(Definition);
        Assert.True(again.AlreadyExisted);
    }

    [Fact]
    public async Task A_create_whose_read_back_fails_stays_unknown_and_says_so()
    {
        var stub = new StubHandler((request, _, _) => request.Method == HttpMethod.Post
            ? throw Dropped()
            : Task.FromResult(StubHandler.Json(HttpStatusCode.Forbidden, StubHandler.StatusJson(403, "Forbidden", "no get"))));
        using var connection = TestConnections.OverStub(stub);

        var error = await Assert.ThrowsAsync<WriteOutcomeUnknownException>(() => new ServiceAccountOperations(connection).CreateAsync(Definition));

        Assert.Contains("reading the object back failed too (KubernetesForbidden", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_RBAC_create_is_reconciled_by_comparing_its_rules()
    {
        var role = new Role
        {
            Metadata = new ObjectMeta { Name = "r", Namespace = "ns", Labels = new() { ["app.kubernetes.io/managed-by"] = "K8sServiceAccount" } },
            Rules = [new PolicyRule { Verbs = ["get"], ApiGroups = [""], Resources = ["pods"] }],
        };
        string Stored(string verb) =>
            $$$"""{"kind":"Role","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{"name":"r","namespace":"ns","uid":"u","creationTimestamp":"{{{DateTimeOffset.UtcNow.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}}}","labels":{"app.kubernetes.io/managed-by":"K8sServiceAccount"}},"rules":[{"verbs":["{{{verb}}}"],"apiGroups":[""],"resources":["pods"]}]}""";

        var same = new StubHandler((request, _, _) => request.Method == HttpMethod.Post ? throw Dropped() : Task.FromResult(StubHandler.Json(HttpStatusCode.OK, Stored("get"))));
        using (var connection = TestConnections.OverStub(same))
        {
            var created = await new RbacObjectOperations(connection).CreateRoleAsync(role);
            Assert.Equal("u", created.Metadata.Uid);
            Assert.EndsWith("/namespaces/ns/roles/r", same.Requests[1].Uri.AbsolutePath, StringComparison.Ordinal);
        }

        var other = new StubHandler((request, _, _) => request.Method == HttpMethod.Post ? throw Dropped() : Task.FromResult(StubHandler.Json(HttpStatusCode.OK, Stored("list"))));
        using (var connection = TestConnections.OverStub(other))
        {
            var error = await Assert.ThrowsAsync<KubernetesApiException>(() => new RbacObjectOperations(connection).CreateRoleAsync(role));
            Assert.True(error.IsAlreadyExists);
        }
    }

    [Theory]
    [InlineData(404, null, true)]
    [InlineData(200, "\"deletionTimestamp\":\"2026-01-01T00:00:00Z\",", true)]
    [InlineData(200, "", false)]
    public async Task A_delete_whose_connection_drops_is_done_when_the_object_is_gone(int readStatus, string? extra, bool done)
    {
        var stub = new StubHandler((request, _, _) => request.Method == HttpMethod.Delete
            ? throw Dropped()
            : Task.FromResult(readStatus == 404
                ? StubHandler.Json(HttpStatusCode.NotFound, StubHandler.StatusJson(404, "NotFound", "not found"))
                : StubHandler.Json(HttpStatusCode.OK, $$$"""{"kind":"RoleBinding","metadata":{"name":"b","namespace":"ns",{{{extra}}}"uid":"u"}}""")));
        using var connection = TestConnections.OverStub(stub);
        var delete = () => new RbacObjectOperations(connection).DeleteRoleBindingAsync("ns", "b");

        if (done)
        {
            await delete();
        }
        else
        {
            var error = await Assert.ThrowsAsync<WriteOutcomeUnknownException>(delete);
            Assert.Contains("RoleBinding 'b' in namespace 'ns'", error.Message, StringComparison.Ordinal);
            Assert.Contains("still exists", error.Message, StringComparison.Ordinal);
        }

        Assert.Equal(["DELETE", "GET"], stub.Requests.Select(r => r.Method.Method));
    }

    [Fact]
    public async Task A_delete_with_a_uid_is_done_when_a_namesake_with_another_uid_is_there()
    {
        var stub = new StubHandler((request, _, _) => request.Method == HttpMethod.Delete
            ? throw Dropped()
            : Task.FromResult(StubHandler.Json(HttpStatusCode.OK, Account("app", DateTimeOffset.UtcNow, uid: "new-uid"))));
        using var connection = TestConnections.OverStub(stub);

        var deleted = await new ServiceAccountOperations(connection).DeleteAsync("ns", "app", uid: "old-uid");

        Assert.Equal("old-uid", deleted.Metadata.Uid);
    }

    private static Role RoleToReplace() => new()
    {
        Metadata = new ObjectMeta { Name = "r", Namespace = "ns", ResourceVersion = "7" },
        Rules = [new PolicyRule { Verbs = ["get", "list"], ApiGroups = [""], Resources = ["pods"] }],
    };

    private static string StoredRole(string resourceVersion, string verbs) =>
        $$$"""{"kind":"Role","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{"name":"r","namespace":"ns","uid":"u","resourceVersion":"{{{resourceVersion}}}"},"rules":[{"verbs":[{{{verbs}}}],"apiGroups":[""],"resources":["pods"]}]}""";

    [Fact]
    public async Task A_replace_found_changed_and_holding_what_was_sent_is_a_success()
    {
        var stub = new StubHandler((request, _, _) => request.Method == HttpMethod.Put
            ? throw Dropped()
            : Task.FromResult(StubHandler.Json(HttpStatusCode.OK, StoredRole("8", "\"get\",\"list\""))));
        using var connection = TestConnections.OverStub(stub);

        var replaced = await new RbacObjectOperations(connection).ReplaceRoleAsync(RoleToReplace());

        Assert.Equal("8", replaced.Metadata.ResourceVersion);
        Assert.Equal(["PUT", "GET"], stub.Requests.Select(r => r.Method.Method));
    }

    [Fact]
    public async Task A_replace_found_unchanged_was_not_applied_and_is_sent_once_more()
    {
        var stub = new StubHandler((request, attempt, _) => (request.Method.Method, attempt) switch
        {
            ("PUT", 1) => throw Dropped(),
            ("GET", _) => Task.FromResult(StubHandler.Json(HttpStatusCode.OK, StoredRole("7", "\"get\""))),
            _ => Task.FromResult(StubHandler.Json(HttpStatusCode.OK, StoredRole("9", "\"get\",\"list\""))),
        });
        using var connection = TestConnections.OverStub(stub);

        var replaced = await new RbacObjectOperations(connection).ReplaceRoleAsync(RoleToReplace());

        Assert.Equal("9", replaced.Metadata.ResourceVersion);
        Assert.Equal(["PUT", "GET", "PUT"], stub.Requests.Select(r => r.Method.Method));
        Assert.Contains("\"resourceVersion\":\"7\"", stub.Requests[2].Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_replace_found_changed_by_someone_else_stays_unknown()
    {
        var stub = new StubHandler((request, _, _) => request.Method == HttpMethod.Put
            ? throw Dropped()
            : Task.FromResult(StubHandler.Json(HttpStatusCode.OK, StoredRole("8", "\"watch\""))));
        using var connection = TestConnections.OverStub(stub);

        var error = await Assert.ThrowsAsync<WriteOutcomeUnknownException>(() => new RbacObjectOperations(connection).ReplaceRoleAsync(RoleToReplace()));

        Assert.Contains("Updating Role 'r' in namespace 'ns'", error.Message, StringComparison.Ordinal);
        Assert.Equal(["PUT", "GET"], stub.Requests.Select(r => r.Method.Method));
    }
}
