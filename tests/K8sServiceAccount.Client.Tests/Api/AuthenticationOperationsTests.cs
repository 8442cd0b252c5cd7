using K8sServiceAccount.Client.Api;
using K8sServiceAccount.Client.Http;

namespace K8sServiceAccount.Client.Tests.Api;

public class AuthenticationOperationsTests
{
    private const string Jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln";

    [Fact]
    public async Task Review_sends_the_token_and_maps_the_identity()
    {
        var transport = new FakeTransport().Reply("""
            {"kind":"TokenReview","apiVersion":"authentication.k8s.io/v1","metadata":{},"spec":{"token":"x","audiences":["api"]},
             "status":{"authenticated":true,"user":{"username":"system:serviceaccount:ns1:app","uid":"sa-uid",
               "groups":["system:serviceaccounts","system:serviceaccounts:ns1","system:authenticated"],
               "extra":{"authentication.kubernetes.io/credential-id":["JTI=abc"]}},"audiences":["api"]}}
            """);

        var result = await new AuthenticationOperations(transport).ReviewTokenAsync(" " + Jwt + "\n", new[] { "api" });

        var request = Assert.Single(transport.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/apis/authentication.k8s.io/v1/tokenreviews", request.Path);
        Assert.Equal("""{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":"JWT","audiences":["api"]}}""".Replace("JWT", Jwt), request.Body);
        Assert.True(result.Authenticated);
        Assert.Equal("system:serviceaccount:ns1:app", result.User!.Username);
        Assert.Equal("sa-uid", result.User.Uid);
        Assert.Equal(3, result.User.Groups.Count);
        Assert.Equal(new[] { "JTI=abc" }, result.User.Extra["authentication.kubernetes.io/credential-id"]);
        Assert.Equal(new[] { "api" }, result.Audiences);
        Assert.Null(result.Error);
        Assert.DoesNotContain(Jwt, result.ToString());
    }

    [Fact]
    public async Task Rejected_token_is_a_result_with_the_servers_error()
    {
        var transport = new FakeTransport().Reply("""
            {"kind":"TokenReview","apiVersion":"authentication.k8s.io/v1","spec":{"token":"x"},"status":{"user":{},"error":"service account token has been invalidated"}}
            """);
        var result = await new AuthenticationOperations(transport).ReviewTokenAsync(Jwt);
        Assert.False(result.Authenticated);
        Assert.Null(result.User);
        Assert.Equal("service account token has been invalidated", result.Error);
        Assert.DoesNotContain("audiences", transport.Requests[0].Body);
    }

    [Fact]
    public async Task Review_without_permission_keeps_the_servers_Forbidden()
    {
        var transport = new FakeTransport().Fail(403, "Forbidden", "tokenreviews.authentication.k8s.io is forbidden: User \"u\" cannot create resource \"tokenreviews\" in API group \"authentication.k8s.io\" at the cluster scope");
        var e = await Assert.ThrowsAsync<KubernetesApiException>(() => new AuthenticationOperations(transport).ReviewTokenAsync(Jwt));
        Assert.Equal(K8sErrorCategory.PermissionDenied, e.Category);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public async Task Empty_token_is_rejected_here(string token)
    {
        var transport = new FakeTransport();
        var e = await Assert.ThrowsAsync<K8sClientException>(() => new AuthenticationOperations(transport).ReviewTokenAsync(token));
        Assert.Equal("InvalidToken", e.ErrorId);
        Assert.Empty(transport.Requests);
    }

    [Fact]
    public async Task WhoAmI_posts_a_SelfSubjectReview()
    {
        var transport = new FakeTransport().Reply("""
            {"kind":"SelfSubjectReview","apiVersion":"authentication.k8s.io/v1","metadata":{"creationTimestamp":"2026-11-23T06:00:00Z"},
             "status":{"userInfo":{"username":"alice","groups":["system:masters","system:authenticated"]}}}
            """);
        var me = await new AuthenticationOperations(transport).WhoAmIAsync();
        Assert.Equal("alice", me.Username);
        Assert.Null(me.Uid);
        Assert.Equal(new[] { "system:masters", "system:authenticated" }, me.Groups);
        Assert.Equal(new RecordedRequest("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", """{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}"""), transport.Requests[0]);
    }

    [Fact]
    public async Task WhoAmI_falls_back_to_older_versions_like_kubectl()
    {
        var transport = new FakeTransport()
            .Fail(404, "NotFound", "the server could not find the requested resource")
            .Reply("""{"kind":"SelfSubjectReview","apiVersion":"authentication.k8s.io/v1beta1","status":{"userInfo":{"username":"bob"}}}""");
        var me = await new AuthenticationOperations(transport).WhoAmIAsync();
        Assert.Equal("bob", me.Username);
        Assert.Equal("/apis/authentication.k8s.io/v1beta1/selfsubjectreviews", transport.Requests[1].Path);
        Assert.Contains("\"apiVersion\":\"authentication.k8s.io/v1beta1\"", transport.Requests[1].Body);
    }

    [Fact]
    public async Task WhoAmI_without_the_API_says_it_is_not_enabled()
    {
        var transport = new FakeTransport();
        for (var i = 0; i < 3; i++)
        {
            transport.Fail(404, "NotFound", "the server could not find the requested resource");
        }

        var e = await Assert.ThrowsAsync<K8sClientException>(() => new AuthenticationOperations(transport).WhoAmIAsync());
        Assert.Equal("SelfSubjectReviewNotEnabled", e.ErrorId);
        Assert.Equal(3, transport.Requests.Count);
    }
}
