using K8sServiceAccount.Client.Rbac;
using static K8sServiceAccount.Client.Tests.Rbac.R;

namespace K8sServiceAccount.Client.Tests.Rbac;

/// <summary>HTTP request → authorization attributes (K8S-SEMANTICS §1.1).</summary>
public sealed class RequestAttributesTests
{
    private static readonly UserInfo U = User("u");

    // expected: "verb|ns|group|resource|sub|name" for resource requests, "path:verb" for non-resource ones
    [Theory]
    [InlineData("GET", "/api/v1/namespaces/ns1/pods", null, "list|ns1||pods||")]
    [InlineData("GET", "/api/v1/namespaces/ns1/pods", "watch=true", "watch|ns1||pods||")]
    [InlineData("GET", "/api/v1/namespaces/ns1/pods", "watch=1", "watch|ns1||pods||")]
    [InlineData("GET", "/api/v1/namespaces/ns1/pods", "watch=false", "list|ns1||pods||")]
    [InlineData("GET", "/api/v1/namespaces/ns1/pods", "watch=0", "list|ns1||pods||")]
    [InlineData("HEAD", "/api/v1/namespaces/ns1/pods/p1", null, "get|ns1||pods||p1")]
    [InlineData("GET", "/api/v1/pods", null, "list|||pods||")]
    [InlineData("POST", "/api/v1/namespaces/ns1/serviceaccounts", null, "create|ns1||serviceaccounts||")]
    [InlineData("POST", "/api/v1/namespaces/ns1/serviceaccounts/app/token", null, "create|ns1||serviceaccounts|token|app")]
    [InlineData("PUT", "/apis/apps/v1/namespaces/ns1/deployments/web/scale", null, "update|ns1|apps|deployments|scale|web")]
    [InlineData("PATCH", "/apis/apps/v1/namespaces/ns1/deployments/web", null, "patch|ns1|apps|deployments||web")]
    [InlineData("DELETE", "/api/v1/namespaces/ns1/secrets/s", null, "delete|ns1||secrets||s")]
    [InlineData("DELETE", "/api/v1/namespaces/ns1/secrets", null, "deletecollection|ns1||secrets||")]
    [InlineData("GET", "/api/v1/namespaces/ns1", null, "get|ns1||namespaces||ns1")]
    [InlineData("GET", "/api/v1/namespaces", null, "list|||namespaces||")]
    [InlineData("PUT", "/api/v1/namespaces/ns1/finalize", null, "update|ns1||namespaces|finalize|ns1")]
    [InlineData("GET", "/api/v1/namespaces/ns1/status", null, "get|ns1||namespaces|status|ns1")]
    [InlineData("GET", "/api/v1/nodes/n1", null, "get|||nodes||n1")]
    [InlineData("GET", "/apis/rbac.authorization.k8s.io/v1/clusterroles/view", null, "get||rbac.authorization.k8s.io|clusterroles||view")]
    [InlineData("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", null, "create||authorization.k8s.io|selfsubjectaccessreviews||")]
    [InlineData("GET", "/api/v1/watch/namespaces/ns1/pods", null, "watch|ns1||pods||")]
    [InlineData("GET", "/api/v1/proxy/namespaces/ns1/pods/p1/some/path", null, "proxy|ns1||pods||p1")]
    [InlineData("GET", "/api/v1/namespaces/ns1/secrets", "fieldSelector=metadata.name%3Ddb", "list|ns1||secrets||")]
    [InlineData("GET", "/api/v1/namespaces/ns1/secrets", "fieldSelector=metadata.name=db", "list|ns1||secrets||db")]
    [InlineData("GET", "/api/v1/namespaces/ns1/secrets", "fieldSelector=metadata.name==db,type=x", "list|ns1||secrets||db")]
    [InlineData("GET", "/api/v1/namespaces/ns1/secrets", "fieldSelector=metadata.name!=db", "list|ns1||secrets||")]
    [InlineData("GET", "/api/v1/namespaces/ns1/secrets", "fieldSelector=metadata.name=a/b", "list|ns1||secrets||")]
    [InlineData("GET", "/api/v1/namespaces/ns1/secrets", "watch=true&fieldSelector=metadata.name=db", "watch|ns1||secrets||db")]
    [InlineData("GET", "/api", null, "/api:get")]
    [InlineData("GET", "/api/v1", null, "/api/v1:get")]
    [InlineData("GET", "/apis", null, "/apis:get")]
    [InlineData("GET", "/apis/apps", null, "/apis/apps:get")]
    [InlineData("GET", "/apis/apps/v1", null, "/apis/apps/v1:get")]
    [InlineData("GET", "/version", null, "/version:get")]
    [InlineData("GET", "/healthz/etcd", null, "/healthz/etcd:get")]
    [InlineData("POST", "/openid/v1/jwks", null, "/openid/v1/jwks:post")]
    [InlineData("OPTIONS", "/.well-known/openid-configuration", null, "/.well-known/openid-configuration:options")]
    public void Attributes_from_HTTP(string method, string path, string? query, string expected)
    {
        var parameters = query?.Split('&').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        var request = RequestAttributes.FromHttp(U, method, path, parameters);
        var actual = request.IsResourceRequest
            ? $"{request.Verb}|{request.Namespace}|{request.ApiGroup}|{request.Resource}|{request.Subresource}|{request.Name}"
            : $"{request.Path}:{request.Verb}";
        Assert.Equal(expected, actual);
        Assert.Same(U, request.User);
    }

    [Fact]
    public void Namespace_RoleBinding_may_allow_reading_its_own_Namespace()
    {
        var policy = new InMemoryRbacPolicy();
        policy.Add(ClusterRole("ns-reader", Rule("get", "", "namespaces")));
        policy.Add(Rb("ns1", "rb", "ClusterRole", "ns-reader", UserSubject("u")));
        var authorizer = new RbacAuthorizer(policy);
        Assert.True(authorizer.Authorize(RequestAttributes.FromHttp(U, "GET", "/api/v1/namespaces/ns1")).Allowed);
        Assert.False(authorizer.Authorize(RequestAttributes.FromHttp(U, "GET", "/api/v1/namespaces/ns2")).Allowed);
    }
}
