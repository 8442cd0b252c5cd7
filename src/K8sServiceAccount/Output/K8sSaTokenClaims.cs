namespace K8sServiceAccount;

/// <summary>The two shapes of ServiceAccount token.</summary>
public enum K8sSaTokenFormat
{
    /// <summary>A TokenRequest token: audiences, an expiry, optionally bound to a Pod, Secret or Node.</summary>
    Bound,

    /// <summary>A token from a kubernetes.io/service-account-token Secret: no expiry.</summary>
    Legacy,
}

/// <summary>
/// What a ServiceAccount token says about itself, decoded offline by ConvertFrom-K8sSaToken. The signature is not
/// verified: nothing here proves that the token is genuine or still accepted (Test-K8sSaToken asks the server).
/// Contains no part of the token.
/// </summary>
public sealed class K8sSaTokenClaims
{
    /// <summary>Bound (TokenRequest) or Legacy (Secret-based).</summary>
    public K8sSaTokenFormat Format { get; init; }

    /// <summary>iss: the ServiceAccount issuer (kubernetes/serviceaccount for legacy tokens).</summary>
    public string? Issuer { get; init; }

    /// <summary>sub: system:serviceaccount:NAMESPACE:NAME.</summary>
    public string? Subject { get; init; }

    /// <summary>The ServiceAccount's namespace.</summary>
    public string? Namespace { get; init; }

    /// <summary>The ServiceAccount's name.</summary>
    public string? ServiceAccount { get; init; }

    /// <summary>The ServiceAccount's UID: a token for a deleted and re-created namesake is rejected by the server.</summary>
    public string? ServiceAccountUid { get; init; }

    /// <summary>aud, always as a list (empty for legacy tokens).</summary>
    public string[] Audiences { get; init; } = Array.Empty<string>();

    /// <summary>iat, in UTC.</summary>
    public DateTime? IssuedAt { get; init; }

    /// <summary>nbf, in UTC.</summary>
    public DateTime? NotBefore { get; init; }

    /// <summary>exp, in UTC; null for legacy tokens, which do not expire.</summary>
    public DateTime? ExpiresAt { get; init; }

    /// <summary>For bound tokens: the Pod, Secret or Node the token is bound to, or null.</summary>
    public K8sBoundObjectReference? BoundObject { get; init; }

    /// <summary>For Pod-bound tokens: the Node the Pod runs on, when the token names it.</summary>
    public K8sBoundObjectReference? Node { get; init; }

    /// <summary>kubernetes.io.warnafter, in UTC: set on extended-lifetime tokens; after it the server warns that the token is stale.</summary>
    public DateTime? WarnAfter { get; init; }

    /// <summary>True when ExpiresAt has passed on this machine's clock.</summary>
    public bool IsExpired { get; init; }

    /// <summary>For legacy tokens: the Secret that holds the token.</summary>
    public string? SecretName { get; init; }

    /// <summary>kid: the signing key's id in the issuer's key set.</summary>
    public string? KeyId { get; init; }

    /// <summary>alg: the signature algorithm (RS256, ES256...).</summary>
    public string? Algorithm { get; init; }

    /// <summary>jti: the token's id (bound tokens since Kubernetes 1.29).</summary>
    public string? JwtId { get; init; }

    /// <summary>The subject, which names the ServiceAccount.</summary>
    public override string ToString() => Subject ?? $"system:serviceaccount:{Namespace}:{ServiceAccount}";
}
