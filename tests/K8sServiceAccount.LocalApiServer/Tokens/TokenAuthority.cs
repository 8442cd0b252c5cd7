using System.Text;
using System.Text.Json.Nodes;
using K8sServiceAccount.Client.Rbac;
using K8sServiceAccount.LocalApiServer.Store;

namespace K8sServiceAccount.LocalApiServer.Tokens;

/// <summary>What a bearer token authenticated as, or why it did not.</summary>
public sealed record TokenAuthentication(UserInfo? User, IReadOnlyList<string> Audiences, string? Error)
{
    public static TokenAuthentication Failed(string error) => new(null, [], error);
}

/// <summary>The object a bound token is tied to (TokenRequest spec.boundObjectRef after lookup).</summary>
public sealed record BoundObject(string Kind, string Name, string Uid);

/// <summary>
/// Issues and validates ServiceAccount tokens: bound tokens (TokenRequest, claims as
/// pkg/serviceaccount/claims.go), legacy Secret tokens (pkg/serviceaccount/legacy.go), and the static
/// tokens given on the command line. Validation checks that the ServiceAccount and any bound object
/// still exist with the uid recorded in the token.
/// </summary>
public sealed class TokenAuthority
{
    public const string LegacyIssuer = "kubernetes/serviceaccount";
    private const string LegacyPrefix = "kubernetes.io/serviceaccount/";

    private readonly ServiceAccountTokenSigner _signer;
    private readonly ObjectStore _store;
    private readonly TimeProvider _clock;
    private readonly IReadOnlyDictionary<string, UserInfo> _staticTokens;
    private readonly SecretsLog? _secrets;

    public TokenAuthority(ServiceAccountTokenSigner signer, ObjectStore store, string issuer,
        IReadOnlyList<string> apiAudiences, IReadOnlyDictionary<string, UserInfo> staticTokens, TimeProvider clock,
        SecretsLog? secrets = null)
    {
        _secrets = secrets;
        _signer = signer;
        _store = store;
        Issuer = issuer;
        ApiAudiences = apiAudiences;
        _staticTokens = staticTokens;
        _clock = clock;
    }

    public string Issuer { get; }
    public IReadOnlyList<string> ApiAudiences { get; }
    public ServiceAccountTokenSigner Signer => _signer;

    /// <summary>A bound token for the ServiceAccount (TokenRequest).</summary>
    public string IssueBoundToken(string ns, string name, string serviceAccountUid, IReadOnlyList<string> audiences,
        DateTimeOffset issuedAt, long expirationSeconds, BoundObject? boundObject)
    {
        long iat = issuedAt.ToUnixTimeSeconds();
        var kubernetes = new JsonObject
        {
            ["namespace"] = ns,
            ["serviceaccount"] = new JsonObject { ["name"] = name, ["uid"] = serviceAccountUid },
        };
        if (boundObject is not null)
        {
            kubernetes[boundObject.Kind.ToLowerInvariant()] = new JsonObject { ["name"] = boundObject.Name, ["uid"] = boundObject.Uid };
        }
        var claims = new JsonObject
        {
            ["aud"] = new JsonArray(audiences.Select(a => (JsonNode?)JsonValue.Create(a)).ToArray()),
            ["exp"] = iat + expirationSeconds,
            ["iat"] = iat,
            ["iss"] = Issuer,
            ["jti"] = Guid.NewGuid().ToString(),
            ["kubernetes.io"] = kubernetes,
            ["nbf"] = iat,
            ["sub"] = ServiceAccountIdentity.UserName(ns, name),
        };
        string token = _signer.Sign(claims);
        _secrets?.Record("token", token);
        return token;
    }

    /// <summary>A legacy, never-expiring token for a kubernetes.io/service-account-token Secret.</summary>
    public string IssueLegacyToken(string ns, string serviceAccountName, string serviceAccountUid, string secretName)
    {
        string token = _signer.Sign(new JsonObject
        {
            ["iss"] = LegacyIssuer,
            [LegacyPrefix + "namespace"] = ns,
            [LegacyPrefix + "secret.name"] = secretName,
            [LegacyPrefix + "service-account.name"] = serviceAccountName,
            [LegacyPrefix + "service-account.uid"] = serviceAccountUid,
            ["sub"] = ServiceAccountIdentity.UserName(ns, serviceAccountName),
        });
        _secrets?.Record("legacy-token", token);
        return token;
    }

    /// <summary>
    /// Authenticates <paramref name="token"/> for a request meant for <paramref name="audiences"/>
    /// (the API audiences for ordinary requests, the TokenReview's audiences otherwise).
    /// </summary>
    public TokenAuthentication Authenticate(string token, IReadOnlyList<string>? audiences = null)
    {
        audiences = audiences is { Count: > 0 } ? audiences : ApiAudiences;
        if (_staticTokens.TryGetValue(token, out UserInfo? staticUser))
        {
            return new TokenAuthentication(staticUser, audiences, null);
        }
        JsonObject? claims = _signer.Verify(token);
        if (claims is null) return TokenAuthentication.Failed("invalid bearer token");
        string? issuer = Str(claims["iss"]);
        if (issuer == LegacyIssuer) return AuthenticateLegacy(token, claims, audiences);
        if (issuer != Issuer) return TokenAuthentication.Failed("invalid bearer token, token issuer is not recognized");
        return AuthenticateBound(claims, audiences);
    }

    private TokenAuthentication AuthenticateBound(JsonObject claims, IReadOnlyList<string> audiences)
    {
        long now = _clock.GetUtcNow().ToUnixTimeSeconds();
        if (claims["exp"] is JsonValue exp && exp.TryGetValue(out long expires) && now >= expires)
        {
            return TokenAuthentication.Failed("service account token has expired");
        }
        if (claims["nbf"] is JsonValue nbf && nbf.TryGetValue(out long notBefore) && now < notBefore - 60)
        {
            return TokenAuthentication.Failed("service account token is not valid yet");
        }
        var tokenAudiences = (claims["aud"] as JsonArray)?.Select(Str).OfType<string>().ToList() ?? [];
        var matched = audiences.Where(tokenAudiences.Contains).ToList();
        if (matched.Count == 0)
        {
            return TokenAuthentication.Failed("token audiences don't match the expected audiences");
        }
        if (claims["kubernetes.io"] is not JsonObject k8s) return TokenAuthentication.Failed("invalid bearer token");
        string ns = Str(k8s["namespace"]) ?? "";
        string name = Str(k8s["serviceaccount"]?["name"]) ?? "";
        string uid = Str(k8s["serviceaccount"]?["uid"]) ?? "";
        StoredObject? serviceAccount = _store.Get(ResourceType.ServiceAccounts, ns, name);
        if (serviceAccount is null) return TokenAuthentication.Failed($"serviceaccounts \"{name}\" not found");
        if (serviceAccount.Uid != uid)
        {
            return TokenAuthentication.Failed($"service account UID ({serviceAccount.Uid}) does not match claim ({uid})");
        }

        var extra = new Dictionary<string, IReadOnlyList<string>>();
        if (Str(claims["jti"]) is { } jti) extra["authentication.kubernetes.io/credential-id"] = [$"JTI={jti}"];
        foreach ((string kind, ResourceType type) in BoundKinds)
        {
            if (k8s[kind] is not JsonObject bound) continue;
            string boundName = Str(bound["name"]) ?? "";
            string boundUid = Str(bound["uid"]) ?? "";
            StoredObject? target = _store.Get(type, type.Namespaced ? ns : "", boundName);
            if (target is null) return TokenAuthentication.Failed($"{type.Resource} \"{boundName}\" not found");
            if (target.Uid != boundUid)
            {
                return TokenAuthentication.Failed($"{type.Kind} UID ({target.Uid}) does not match claim ({boundUid})");
            }
            if (kind is "pod" or "node")
            {
                extra[$"authentication.kubernetes.io/{kind}-name"] = [boundName];
                extra[$"authentication.kubernetes.io/{kind}-uid"] = [boundUid];
            }
        }
        var user = new UserInfo(ServiceAccountIdentity.UserName(ns, name), uid, ServiceAccountIdentity.Groups(ns), extra);
        return new TokenAuthentication(user, matched, null);
    }

    private static readonly (string Kind, ResourceType Type)[] BoundKinds =
        [("pod", ResourceType.Pods), ("secret", ResourceType.Secrets), ("node", ResourceType.Nodes)];

    private TokenAuthentication AuthenticateLegacy(string token, JsonObject claims, IReadOnlyList<string> audiences)
    {
        string ns = Str(claims[LegacyPrefix + "namespace"]) ?? "";
        string secretName = Str(claims[LegacyPrefix + "secret.name"]) ?? "";
        string name = Str(claims[LegacyPrefix + "service-account.name"]) ?? "";
        string uid = Str(claims[LegacyPrefix + "service-account.uid"]) ?? "";
        StoredObject? secret = _store.Get(ResourceType.Secrets, ns, secretName);
        if (secret is null) return TokenAuthentication.Failed($"secrets \"{secretName}\" not found");
        JsonObject secretNode = secret.ToNode();
        string? stored = Str(secretNode["data"]?["token"]);
        if (stored is null || !TryBase64(stored, out string storedToken) || storedToken != token)
        {
            return TokenAuthentication.Failed("token does not match secret");
        }
        if (secret.Labels.ContainsKey("kubernetes.io/legacy-token-invalid-since"))
        {
            return TokenAuthentication.Failed(
                $"the token in secret {ns}/{secretName} for service account {ns}/{name} has been marked invalid. Use tokens from the TokenRequest API or manually created secret-based tokens, or remove the 'kubernetes.io/legacy-token-invalid-since' label from the secret to temporarily allow use of this token");
        }
        StoredObject? serviceAccount = _store.Get(ResourceType.ServiceAccounts, ns, name);
        if (serviceAccount is null) return TokenAuthentication.Failed($"serviceaccounts \"{name}\" not found");
        if (serviceAccount.Uid != uid)
        {
            return TokenAuthentication.Failed($"service account UID ({serviceAccount.Uid}) does not match claim ({uid})");
        }
        RecordLegacyTokenUse(secret);
        var extra = new Dictionary<string, IReadOnlyList<string>>
        {
            ["authentication.kubernetes.io/credential-id"] = [$"secret({secret.Uid})"],
        };
        var user = new UserInfo(ServiceAccountIdentity.UserName(ns, name), uid, ServiceAccountIdentity.Groups(ns), extra);
        return new TokenAuthentication(user, audiences, null);
    }

    /// <summary>
    /// Legacy token tracking (GA in 1.28): each use labels the Secret kubernetes.io/legacy-token-last-used
    /// with the UTC date, at most once a day.
    /// </summary>
    private void RecordLegacyTokenUse(StoredObject secret)
    {
        const string label = "kubernetes.io/legacy-token-last-used";
        string today = _clock.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        if (secret.Labels.TryGetValue(label, out string? lastUsed) && lastUsed == today) return;
        try
        {
            _store.Update(ResourceType.Secrets, secret.Namespace, secret.Name, node =>
            {
                JsonObject metadata = node["metadata"]!.AsObject();
                var labels = metadata["labels"] as JsonObject ?? new JsonObject();
                if (labels[label] is JsonValue value && value.ToString() == today) return null;
                labels[label] = today;
                metadata["labels"] = labels;
                metadata.Remove("resourceVersion");
                return node;
            });
        }
        catch (Api.ApiError)
        {
            // Deleted meanwhile: the token was valid when checked; the label is best effort, as upstream.
        }
    }

    private static bool TryBase64(string value, out string decoded)
    {
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(value));
            return true;
        }
        catch (FormatException)
        {
            decoded = "";
            return false;
        }
    }

    private static string? Str(JsonNode? node) => node is JsonValue v && v.TryGetValue(out string? s) ? s : null;
}
