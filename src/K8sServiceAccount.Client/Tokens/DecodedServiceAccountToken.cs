namespace K8sServiceAccount.Client.Tokens;

/// <summary>The two shapes of ServiceAccount token (K8S-SEMANTICS §3.8).</summary>
public enum ServiceAccountTokenFormat
{
    /// <summary>A TokenRequest token: audiences, expiry, claims under <c>kubernetes.io</c>, optionally bound to a Pod, Secret or Node.</summary>
    Bound,

    /// <summary>A Secret-based token (issuer <c>kubernetes/serviceaccount</c>, flat claims, no expiry).</summary>
    Legacy,
}

/// <summary>An object a bound token is tied to: the token stops working when that object (with that uid) is gone.</summary>
/// <param name="Kind"><c>Pod</c>, <c>Secret</c> or <c>Node</c>.</param>
/// <param name="Name">The object's name.</param>
/// <param name="Uid">The object's uid, when the token names it.</param>
public sealed record BoundObjectReference(string Kind, string Name, string? Uid);

/// <summary>
/// The claims of a ServiceAccount token, decoded without verifying its signature: nothing here proves the token is genuine,
/// unexpired on the server, or still valid (the ServiceAccount or bound object may be gone). Use a TokenReview for that.
/// Contains no part of the token itself.
/// </summary>
public sealed class DecodedServiceAccountToken
{
    public required ServiceAccountTokenFormat Format { get; init; }

    /// <summary>JWS header <c>alg</c> (RS256, ES256…).</summary>
    public string? Algorithm { get; init; }

    /// <summary>JWS header <c>kid</c>: identifies the signing key in the issuer's JWKS.</summary>
    public string? KeyId { get; init; }

    /// <summary><c>iss</c>: the service-account issuer (<c>kubernetes/serviceaccount</c> for legacy tokens).</summary>
    public string? Issuer { get; init; }

    /// <summary><c>sub</c>: <c>system:serviceaccount:NS:NAME</c>.</summary>
    public string? Subject { get; init; }

    /// <summary><c>aud</c>, always as a list (empty for legacy tokens, which the API server treats as meant for its own audiences).</summary>
    public IReadOnlyList<string> Audiences { get; init; } = [];

    public DateTimeOffset? IssuedAt { get; init; }

    public DateTimeOffset? NotBefore { get; init; }

    /// <summary><c>exp</c>; null for legacy tokens, which never expire.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary><c>kubernetes.io.warnafter</c>: set on extended-lifetime tokens; after it the server warns about stale tokens.</summary>
    public DateTimeOffset? WarnAfter { get; init; }

    /// <summary><c>jti</c> (bound tokens since 1.29); the API server exposes it as credential id <c>JTI=&lt;jti&gt;</c>.</summary>
    public string? JwtId { get; init; }

    /// <summary>Namespace of the ServiceAccount.</summary>
    public string? Namespace { get; init; }

    /// <summary>Name of the ServiceAccount.</summary>
    public string? ServiceAccount { get; init; }

    public string? ServiceAccountUid { get; init; }

    /// <summary>For legacy tokens: the Secret that holds the token.</summary>
    public string? SecretName { get; init; }

    /// <summary>For bound tokens: the Pod, Secret or Node the token is bound to, or null when unbound.</summary>
    public BoundObjectReference? BoundObject { get; init; }

    /// <summary>For tokens bound to a Pod (1.30+): the Node the Pod runs on.</summary>
    public BoundObjectReference? Node { get; init; }

    /// <summary>True when <see cref="ExpiresAt"/> is at or before the time given to the decoder (the server allows one more minute of clock skew).</summary>
    public bool IsExpired { get; init; }

    /// <summary>True when <see cref="NotBefore"/> is after the time given to the decoder.</summary>
    public bool IsNotYetValid { get; init; }

    /// <summary>ExpiresAt − IssuedAt, when both are present.</summary>
    public TimeSpan? Lifetime => ExpiresAt is { } exp && IssuedAt is { } iat ? exp - iat : null;

    /// <summary>Time left before expiry at the decoder's "now" (negative once expired), or null for tokens without expiry.</summary>
    public TimeSpan? RemainingLifetime { get; init; }
}
