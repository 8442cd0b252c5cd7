using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace K8sServiceAccount.Integration.Tests.LocalApiServer.Protobuf;

/// <summary>Protobuf request bodies and Accept negotiation over HTTPS, as kubectl 1.32+ and client-go send them.</summary>
public sealed class ProtobufHttpTests : IClassFixture<ServerFixture>
{
    private const string Protobuf = "application/vnd.kubernetes.protobuf";
    private static readonly (string, string)[] KubectlAccept = [("Accept", Protobuf + ",application/json")];

    private readonly ServerFixture _server;

    public ProtobufHttpTests(ServerFixture server)
    {
        _server = server;
    }

    private static byte[] Fixture(string name) =>
        File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "LocalApiServer", "Protobuf", "Fixtures", name + ".pb"));

    private Task<Reply> PostAsync(string path, byte[] body, string contentType = Protobuf, (string, string)[]? headers = null) =>
        ServerFixture.SendAsync(_server.Admin, HttpMethod.Post, path, body, contentType, headers: headers ?? KubectlAccept);

    [Fact]
    public async Task CapturedKubectl133BodiesCreateAndAreAnsweredInJson()
    {
        Reply ns = await PostAsync("/api/v1/namespaces", Fixture("namespace"));
        Assert.True(ns.Status == HttpStatusCode.Created, ns.Text);
        Assert.Equal("demo", ns.Json!["metadata"]!["name"]!.GetValue<string>());
        await _server.Host.WaitForControllersAsync();
        foreach ((string path, string fixture) in new[]
        {
            ("/api/v1/namespaces/demo/serviceaccounts", "serviceaccount"),
            ("/api/v1/namespaces/demo/secrets", "secret"),
            ("/apis/rbac.authorization.k8s.io/v1/namespaces/demo/roles", "role"),
            ("/apis/rbac.authorization.k8s.io/v1/namespaces/demo/rolebindings", "rolebinding"),
            ("/apis/rbac.authorization.k8s.io/v1/clusterroles", "clusterrole-aggregated"),
            ("/api/v1/namespaces/demo/serviceaccounts/app/token", "tokenrequest"),
            ("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews", "selfsubjectrulesreview"),
            ("/apis/authentication.k8s.io/v1/selfsubjectreviews", "selfsubjectreview"),
        })
        {
            Reply reply = await PostAsync(path, Fixture(fixture));
            Assert.True(reply.Status == HttpStatusCode.Created, $"{fixture}: {reply.Text}");
            Assert.NotNull(reply.Json);
        }
        Reply secret = await _server.AdminAsync(HttpMethod.Get, "/api/v1/namespaces/demo/secrets/s1");
        Assert.Equal("YWRtaW4=", secret.Json!["data"]!["user"]!.GetValue<string>());
        Reply whoami = await PostAsync("/apis/authentication.k8s.io/v1/selfsubjectreviews", Fixture("selfsubjectreview"));
        Assert.Equal("admin", whoami.Json!["status"]!["userInfo"]!["username"]!.GetValue<string>());
    }

    [Fact]
    public async Task AClientThatAcceptsOnlyProtobufGets406()
    {
        Reply reply = await PostAsync("/apis/authentication.k8s.io/v1/selfsubjectreviews", Fixture("selfsubjectreview"), headers: [("Accept", Protobuf)]);
        Assert.Equal((HttpStatusCode.NotAcceptable, "NotAcceptable", "only the following media types are accepted: application/json"),
            (reply.Status, reply.Reason, reply.Message));
        Reply get = await ServerFixture.SendAsync(_server.Admin, HttpMethod.Get, "/api/v1/namespaces", (byte[]?)null, headers: [("Accept", Protobuf + ";stream=watch")]);
        Assert.Equal(HttpStatusCode.NotAcceptable, get.Status);
    }

    [Fact]
    public async Task MediaTypesAndBodiesTheServerCannotReadGetTheRealStatus()
    {
        Reply text = await PostAsync("/api/v1/namespaces", "x"u8.ToArray(), "text/plain");
        Assert.Equal((HttpStatusCode.UnsupportedMediaType, "the body of the request was in an unknown format - accepted media types include: application/json, application/vnd.kubernetes.protobuf"),
            (text.Status, text.Message));
        // No protobuf message for pods here: 415, never a misread body.
        Reply pod = await PostAsync("/api/v1/namespaces/default/pods", [.. "k8s\0"u8, 0x0a, 0x00]);
        Assert.Equal((HttpStatusCode.UnsupportedMediaType, "the body of the request was in an unknown format - accepted media types include: application/json"),
            (pod.Status, pod.Message));

        Reply truncated = await PostAsync("/api/v1/namespaces", Fixture("namespace")[..^10]);
        Assert.Equal(HttpStatusCode.BadRequest, truncated.Status);
        Assert.StartsWith("the object provided is unrecognized (must be of type Namespace): unexpected EOF (6b387300", truncated.Message);

        // Another kind in the envelope is refused in the words the JSON path uses for the same JSON.
        Reply other = await PostAsync("/api/v1/namespaces", Fixture("serviceaccount"));
        Reply json = await PostAsync("/api/v1/namespaces", """{"kind":"ServiceAccount","apiVersion":"v1","metadata":{"name":"app"}}"""u8.ToArray(), "application/json");
        Assert.Equal((HttpStatusCode.BadRequest, json.Message), (other.Status, other.Message));
    }

    [Fact]
    public async Task ProtobufDeleteOptionsAreRead()
    {
        await _server.AdminAsync(HttpMethod.Post, "/api/v1/namespaces/default/configmaps", """{"metadata":{"name":"kept"}}""");
        // DeleteOptions{dryRun: ["All"]} in a meta.k8s.io/v1 envelope.
        byte[] typeMeta = [0x0a, 0x0e, .. "meta.k8s.io/v1"u8, 0x12, 0x0d, .. "DeleteOptions"u8];
        byte[] options = [0x2a, 0x03, .. "All"u8];
        byte[] body = [.. "k8s\0"u8, 0x0a, (byte)typeMeta.Length, .. typeMeta, 0x12, (byte)options.Length, .. options];
        Reply deleted = await ServerFixture.SendAsync(_server.Admin, HttpMethod.Delete, "/api/v1/namespaces/default/configmaps/kept", body, Protobuf, headers: KubectlAccept);
        Assert.True(deleted.Status == HttpStatusCode.OK, deleted.Text);
        Assert.Equal(HttpStatusCode.OK, (await _server.AdminAsync(HttpMethod.Get, "/api/v1/namespaces/default/configmaps/kept")).Status);
    }

    [Fact]
    public async Task SelfSubjectReviewIsAlsoServedInV1Beta1AsKubeApiserver128Does()
    {
        Reply group = await _server.AdminAsync(HttpMethod.Get, "/apis/authentication.k8s.io");
        Assert.Equal(["v1", "v1beta1"], group.Json!["versions"]!.AsArray().Select(v => v!["version"]!.GetValue<string>()));
        Reply list = await _server.AdminAsync(HttpMethod.Get, "/apis/authentication.k8s.io/v1beta1");
        Assert.Equal(["selfsubjectreviews"], list.Json!["resources"]!.AsArray().Select(r => r!["name"]!.GetValue<string>()));
        Reply review = await _server.AdminAsync(HttpMethod.Post, "/apis/authentication.k8s.io/v1beta1/selfsubjectreviews",
            """{"apiVersion":"authentication.k8s.io/v1beta1","kind":"SelfSubjectReview"}""");
        Assert.Equal(("authentication.k8s.io/v1beta1", "admin"),
            (review.Json!["apiVersion"]!.GetValue<string>(), review.Json["status"]!["userInfo"]!["username"]!.GetValue<string>()));
        Assert.Equal(HttpStatusCode.NotFound, (await _server.AdminAsync(HttpMethod.Post, "/apis/authentication.k8s.io/v1beta1/tokenreviews", "{}")).Status);
    }
}
