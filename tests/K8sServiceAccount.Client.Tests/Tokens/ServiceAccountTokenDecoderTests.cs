using System.Text;
using K8sServiceAccount.Client.Tokens;

namespace K8sServiceAccount.Client.Tests.Tokens;

public sealed class ServiceAccountTokenDecoderTests
{
    private static readonly DateTimeOffset IssueTime = DateTimeOffset.FromUnixTimeSeconds(1767225600);

    private static string B64(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string Jwt(string payload, string header = "{\"alg\":\"RS256\",\"kid\":\"abc-_123\"}") => $"{B64(header)}.{B64(payload)}.c2lnbmF0dXJl";

    private const string PodBound = """
        {"aud":["https://kubernetes.default.svc.cluster.local","vault"],
         "exp":1767229200,"iat":1767225600,"nbf":1767225600,
         "iss":"https://kubernetes.default.svc.cluster.local",
         "jti":"5b0e1c7a-0000-4000-8000-000000000001",
         "kubernetes.io":{"namespace":"ns1",
                          "serviceaccount":{"name":"app","uid":"sa-uid"},
                          "pod":{"name":"web-0","uid":"pod-uid"},
                          "node":{"name":"node-1","uid":"node-uid"},
                          "warnafter":1767229207},
         "sub":"system:serviceaccount:ns1:app"}
        """;

    [Fact]
    public void Pod_bound_token()
    {
        var token = ServiceAccountTokenDecoder.Decode(Jwt(PodBound), IssueTime.AddMinutes(10));
        Assert.Equal(ServiceAccountTokenFormat.Bound, token.Format);
        Assert.Equal("RS256", token.Algorithm);
        Assert.Equal("abc-_123", token.KeyId);
        Assert.Equal("https://kubernetes.default.svc.cluster.local", token.Issuer);
        Assert.Equal("system:serviceaccount:ns1:app", token.Subject);
        Assert.Equal(["https://kubernetes.default.svc.cluster.local", "vault"], token.Audiences);
        Assert.Equal(IssueTime, token.IssuedAt);
        Assert.Equal(IssueTime, token.NotBefore);
        Assert.Equal(IssueTime.AddHours(1), token.ExpiresAt);
        Assert.Equal(IssueTime.AddHours(1).AddSeconds(7), token.WarnAfter);
        Assert.Equal(TimeSpan.FromHours(1), token.Lifetime);
        Assert.Equal(TimeSpan.FromMinutes(50), token.RemainingLifetime);
        Assert.Equal("5b0e1c7a-0000-4000-8000-000000000001", token.JwtId);
        Assert.Equal("ns1", token.Namespace);
        Assert.Equal("app", token.ServiceAccount);
        Assert.Equal("sa-uid", token.ServiceAccountUid);
        Assert.Equal(new BoundObjectReference("Pod", "web-0", "pod-uid"), token.BoundObject);
        Assert.Equal(new BoundObjectReference("Node", "node-1", "node-uid"), token.Node);
        Assert.False(token.IsExpired);
        Assert.False(token.IsNotYetValid);
        Assert.Null(token.SecretName);
    }

    [Fact]
    public void Expiry_is_judged_at_the_given_time()
    {
        Assert.True(ServiceAccountTokenDecoder.Decode(Jwt(PodBound), IssueTime.AddHours(1)).IsExpired);
        Assert.True(ServiceAccountTokenDecoder.Decode(Jwt(PodBound), IssueTime.AddHours(2)).IsExpired);
        Assert.True(ServiceAccountTokenDecoder.Decode(Jwt(PodBound), IssueTime.AddSeconds(-1)).IsNotYetValid);
    }

    [Fact]
    public void Secret_bound_token_with_single_string_audience()
    {
        const string payload = """{"aud":"api","exp":1767229200,"iat":1767225600,"nbf":1767225600,"iss":"https://issuer","kubernetes.io":{"namespace":"ns1","serviceaccount":{"name":"app","uid":"u"},"secret":{"name":"s1","uid":"s-uid"}},"sub":"system:serviceaccount:ns1:app"}""";
        var token = ServiceAccountTokenDecoder.Decode(Jwt(payload), IssueTime);
        Assert.Equal(["api"], token.Audiences);
        Assert.Equal(new BoundObjectReference("Secret", "s1", "s-uid"), token.BoundObject);
        Assert.Null(token.Node);
        Assert.Null(token.WarnAfter);
        Assert.Null(token.JwtId);
    }

    [Fact]
    public void Node_bound_and_unbound_tokens()
    {
        const string nodeBound = """{"aud":["a"],"exp":1767229200,"iat":1767225600,"iss":"i","kubernetes.io":{"namespace":"kube-system","serviceaccount":{"name":"agent","uid":"u"},"node":{"name":"node-1","uid":"n-uid"}},"sub":"system:serviceaccount:kube-system:agent"}""";
        var token = ServiceAccountTokenDecoder.Decode(Jwt(nodeBound, "{\"alg\":\"ES256\",\"kid\":\"k\"}"), IssueTime);
        Assert.Equal(new BoundObjectReference("Node", "node-1", "n-uid"), token.BoundObject);
        Assert.Null(token.Node);
        Assert.Equal("ES256", token.Algorithm);

        const string unbound = """{"aud":["a"],"exp":1767229200.5,"iat":1767225600,"iss":"i","kubernetes.io":{"namespace":"ns1","serviceaccount":{"name":"app","uid":"u"}},"sub":"system:serviceaccount:ns1:app"}""";
        var plain = ServiceAccountTokenDecoder.Decode(Jwt(unbound), IssueTime);
        Assert.Null(plain.BoundObject);
        Assert.Null(plain.NotBefore);
        Assert.Equal(IssueTime.AddHours(1).AddMilliseconds(500), plain.ExpiresAt);
    }

    [Fact]
    public void Legacy_secret_token()
    {
        const string payload = """
            {"iss":"kubernetes/serviceaccount",
             "kubernetes.io/serviceaccount/namespace":"ns1",
             "kubernetes.io/serviceaccount/secret.name":"app-token",
             "kubernetes.io/serviceaccount/service-account.name":"app",
             "kubernetes.io/serviceaccount/service-account.uid":"sa-uid",
             "sub":"system:serviceaccount:ns1:app"}
            """;
        var token = ServiceAccountTokenDecoder.Decode("Bearer " + Jwt(payload, "{\"alg\":\"RS256\",\"kid\":\"\"}") + "\n", IssueTime.AddYears(5));
        Assert.Equal(ServiceAccountTokenFormat.Legacy, token.Format);
        Assert.Equal("kubernetes/serviceaccount", token.Issuer);
        Assert.Equal("ns1", token.Namespace);
        Assert.Equal("app", token.ServiceAccount);
        Assert.Equal("sa-uid", token.ServiceAccountUid);
        Assert.Equal("app-token", token.SecretName);
        Assert.Empty(token.Audiences);
        Assert.Null(token.ExpiresAt);
        Assert.Null(token.RemainingLifetime);
        Assert.Null(token.Lifetime);
        Assert.False(token.IsExpired);
        Assert.Null(token.BoundObject);
    }

    public static TheoryData<string, string, string> Malformed => new()
    {
        { "empty", "", "TokenNotJwt" },
        { "white space", "   ", "TokenNotJwt" },
        { "one part", "sekrit-opaque-token-value", "TokenNotJwt" },
        { "two parts", "aaaa.bbbb", "TokenNotJwt" },
        { "four parts", "a.b.c.d", "TokenNotJwt" },
        { "JWE", "a.b.c.d.e", "TokenNotJwt" },
        { "header not base64", "!!!." + B64("{}") + ".sig", "TokenNotJwt" },
        { "header not JSON", B64("not json") + "." + B64("{}") + ".sig", "TokenNotJwt" },
        { "payload JSON array", B64("{\"alg\":\"RS256\"}") + "." + B64("[1,2]") + ".sig", "TokenNotJwt" },
        { "payload bad base64 length", B64("{\"alg\":\"RS256\"}") + ".abcde.sig", "TokenNotJwt" },
        { "empty signature", B64("{\"alg\":\"none\"}") + "." + B64("{\"kubernetes.io\":{}}") + ".", "TokenNotJwt" },
        { "signature not base64url", B64("{\"alg\":\"RS256\"}") + "." + B64("{\"kubernetes.io\":{}}") + ".a+b/", "TokenNotJwt" },
        { "not a service account token", Jwt("{\"iss\":\"https://accounts.example.com\",\"sub\":\"1234\"}"), "TokenNotServiceAccount" },
        { "exp is a string", Jwt("{\"exp\":\"tomorrow\",\"kubernetes.io\":{}}"), "TokenClaimInvalid" },
        { "aud is a number", Jwt("{\"aud\":5,\"kubernetes.io\":{}}"), "TokenClaimInvalid" },
        { "kubernetes.io not an object", Jwt("{\"kubernetes.io\":\"x\"}"), "TokenClaimInvalid" },
        { "pod claim not an object", Jwt("{\"kubernetes.io\":{\"pod\":\"web-0\"}}"), "TokenClaimInvalid" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Malformed_inputs_fail_without_echoing_the_token(string description, string input, string errorId)
    {
        var error = Assert.Throws<K8sClientException>(() => ServiceAccountTokenDecoder.Decode(input, IssueTime));
        Assert.True(error.ErrorId == errorId, $"{description}: {error.ErrorId} {error.Message}");
        foreach (var part in input.Split('.').Where(p => p.Length >= 4))
        {
            Assert.DoesNotContain(part, error.Message);
        }
    }
}
