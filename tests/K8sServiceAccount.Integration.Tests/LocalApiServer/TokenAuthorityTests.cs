using System.Text;
using System.Text.Json.Nodes;
using K8sServiceAccount.Client.Rbac;
using K8sServiceAccount.LocalApiServer.Store;
using K8sServiceAccount.LocalApiServer.Tokens;

namespace K8sServiceAccount.Integration.Tests.LocalApiServer;

public sealed class TokenAuthorityTests : IDisposable
{
    private const string Issuer = "https://kubernetes.default.svc.cluster.local";
    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly ObjectStore _store;
    private readonly ServiceAccountTokenSigner _signer = ServiceAccountTokenSigner.LoadOrCreate(null);
    private readonly TokenAuthority _tokens;
    private readonly StoredObject _serviceAccount;

    public TokenAuthorityTests()
    {
        _store = new ObjectStore(_clock);
        _tokens = new TokenAuthority(_signer, _store, Issuer, [Issuer],
            new Dictionary<string, UserInfo> { ["s3cret"] = new("alice", null, ["devs"]) }, _clock);
        _serviceAccount = _store.Create(ResourceType.ServiceAccounts, Object("ns1", "app"));
    }

    public void Dispose() => _signer.Dispose();

    private static JsonObject Object(string ns, string name, JsonObject? extra = null)
    {
        var obj = new JsonObject { ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns } };
        foreach (var (key, value) in extra ?? []) obj[key] = value?.DeepClone();
        return obj;
    }

    private string Issue(long seconds = 3600, IReadOnlyList<string>? audiences = null, BoundObject? bound = null) =>
        _tokens.IssueBoundToken("ns1", "app", _serviceAccount.Uid, audiences ?? [Issuer], _clock.GetUtcNow(), seconds, bound);

    [Fact]
    public void SecretsLogRecordsEveryIssuedTokenOnceAndOnlyWhenOn()
    {
        string path = Path.Combine(Path.GetTempPath(), $"secrets-log-{Guid.NewGuid():N}.secrets.log");
        try
        {
            var log = new SecretsLog(path);
            var tokens = new TokenAuthority(_signer, _store, Issuer, [Issuer], new Dictionary<string, UserInfo>(), _clock, log);
            string bound = tokens.IssueBoundToken("ns1", "app", _serviceAccount.Uid, [Issuer], _clock.GetUtcNow(), 3600, null);
            string legacy = tokens.IssueLegacyToken("ns1", "app", _serviceAccount.Uid, "app-token");
            string[] lines = File.ReadAllLines(path);
            Assert.Equal(["token", "legacy-token"], lines.Select(l => l.Split('\t')[0]));
            Assert.Equal([bound, legacy], lines.Select(l => Encoding.UTF8.GetString(Convert.FromBase64String(l.Split('\t')[1]))));

            // Off (no path): nothing is written anywhere, and issuing works the same.
            new SecretsLog(null).Record("token", bound);
            Assert.Equal(2, File.ReadAllLines(path).Length);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void BoundTokenCarriesTheDocumentedClaimsAndAuthenticatesAsTheServiceAccount()
    {
        string token = Issue();
        string[] parts = token.Split('.');
        JsonObject header = JsonNode.Parse(Convert.FromBase64String(Pad(parts[0])))!.AsObject();
        Assert.Equal("RS256", header["alg"]!.GetValue<string>());
        Assert.Equal(_signer.KeyId, header["kid"]!.GetValue<string>());
        Assert.Null(header["typ"]);
        JsonObject claims = JsonNode.Parse(Convert.FromBase64String(Pad(parts[1])))!.AsObject();
        Assert.Equal(["aud", "exp", "iat", "iss", "jti", "kubernetes.io", "nbf", "sub"], claims.Select(p => p.Key));
        Assert.IsType<JsonArray>(claims["aud"]);
        Assert.Equal(_serviceAccount.Uid, claims["kubernetes.io"]!["serviceaccount"]!["uid"]!.GetValue<string>());

        TokenAuthentication result = _tokens.Authenticate(token);
        Assert.Null(result.Error);
        Assert.Equal("system:serviceaccount:ns1:app", result.User!.Name);
        Assert.Equal(["system:serviceaccounts", "system:serviceaccounts:ns1"], result.User.Groups);
        Assert.Equal($"JTI={claims["jti"]}", result.User.Extra!["authentication.kubernetes.io/credential-id"][0]);
    }

    [Fact]
    public void ExpiredWrongAudienceAndTamperedTokensAreRejected()
    {
        string token = Issue(seconds: 600);
        _clock.Advance(TimeSpan.FromSeconds(601));
        Assert.Equal("service account token has expired", _tokens.Authenticate(token).Error);

        Assert.NotNull(_tokens.Authenticate(Issue(audiences: ["vault"])).Error);
        Assert.Null(_tokens.Authenticate(Issue(audiences: ["vault"]), ["vault"]).Error);

        string valid = Issue();
        string tampered = valid[..^4] + (valid[^4] == 'A' ? "B" : "A") + valid[^3..];
        Assert.Equal("invalid bearer token", _tokens.Authenticate(tampered).Error);
        Assert.Equal("invalid bearer token", _tokens.Authenticate("not-a-jwt").Error);
    }

    [Fact]
    public void TokensDieWithTheirServiceAccountAndBoundPod()
    {
        StoredObject pod = _store.Create(ResourceType.Pods, Object("ns1", "web", new JsonObject { ["spec"] = new JsonObject { ["serviceAccountName"] = "app" } }));
        string podToken = Issue(bound: new BoundObject("Pod", "web", pod.Uid));
        TokenAuthentication ok = _tokens.Authenticate(podToken);
        Assert.Equal("web", ok.User!.Extra!["authentication.kubernetes.io/pod-name"][0]);
        _store.Delete(ResourceType.Pods, "ns1", "web");
        Assert.Equal("pods \"web\" not found", _tokens.Authenticate(podToken).Error);

        string token = Issue();
        _store.Delete(ResourceType.ServiceAccounts, "ns1", "app");
        Assert.Equal("serviceaccounts \"app\" not found", _tokens.Authenticate(token).Error);
        StoredObject recreated = _store.Create(ResourceType.ServiceAccounts, Object("ns1", "app"));
        Assert.Equal($"service account UID ({recreated.Uid}) does not match claim ({_serviceAccount.Uid})", _tokens.Authenticate(token).Error);
    }

    [Fact]
    public void LegacyTokenIsValidOnlyWhileItsSecretHoldsIt()
    {
        string token = _tokens.IssueLegacyToken("ns1", "app", _serviceAccount.Uid, "app-token");
        JsonObject claims = JsonNode.Parse(Convert.FromBase64String(Pad(token.Split('.')[1])))!.AsObject();
        Assert.Equal("kubernetes/serviceaccount", claims["iss"]!.GetValue<string>());
        Assert.Null(claims["exp"]);
        Assert.Equal("secrets \"app-token\" not found", _tokens.Authenticate(token).Error);

        _store.Create(ResourceType.Secrets, Object("ns1", "app-token", new JsonObject
        {
            ["type"] = "kubernetes.io/service-account-token",
            ["data"] = new JsonObject { ["token"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(token)) },
        }));
        Assert.Equal("system:serviceaccount:ns1:app", _tokens.Authenticate(token).User!.Name);
        Assert.Equal("2026-01-01", _store.Get(ResourceType.Secrets, "ns1", "app-token")!.Labels["kubernetes.io/legacy-token-last-used"]);
        Assert.Equal("alice", _tokens.Authenticate("s3cret").User!.Name);
    }

    private static string Pad(string segment)
    {
        segment = segment.Replace('-', '+').Replace('_', '/');
        return segment + new string('=', (4 - segment.Length % 4) % 4);
    }
}

/// <summary>A clock tests move by hand.</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
