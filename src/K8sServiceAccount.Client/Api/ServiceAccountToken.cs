namespace K8sServiceAccount.Client.Api;

/// <summary>
/// A bound token issued by the TokenRequest API, with what was asked and what was granted.
/// ToString never shows the token.
/// </summary>
public sealed class ServiceAccountToken
{
    public required string Namespace { get; init; }

    public required string ServiceAccount { get; init; }

    /// <summary>The JWT. A secret: never log or print it.</summary>
    public required string Token { get; init; }

    public required DateTimeOffset ExpirationTimestamp { get; init; }

    /// <summary>The audiences the server put in the token (its own when none were requested).</summary>
    public required IReadOnlyList<string> Audiences { get; init; }

    public TokenBinding? BoundObject { get; init; }

    /// <summary>The lifetime asked for; null when the server's default was requested.</summary>
    public TimeSpan? RequestedDuration { get; init; }

    /// <summary>The lifetime granted, in whole seconds.</summary>
    public required TimeSpan GrantedDuration { get; init; }

    /// <summary>True when the server granted less than <see cref="RequestedDuration"/> (its maximum is lower).</summary>
    public bool IsShortened => RequestedDuration is { } requested && GrantedDuration < requested;

    /// <summary>A sentence for the user when the token was shortened; otherwise null.</summary>
    public string? ShortenedWarning => IsShortened
        ? $"The API server shortened the token for ServiceAccount {Namespace}/{ServiceAccount}: requested {RequestedDuration}, granted {GrantedDuration} (expires {ExpirationTimestamp:u}); its maximum token lifetime is lower than requested."
        : null;

    /// <inheritdoc />
    public override string ToString() =>
        $"Token for {Namespace}/{ServiceAccount} (redacted), expires {ExpirationTimestamp:u}";
}

/// <summary>
/// A long-lived token from a kubernetes.io/service-account-token Secret, filled by the token controller.
/// ToString never shows the token.
/// </summary>
public sealed class LegacyServiceAccountToken
{
    public required string Namespace { get; init; }

    public required string ServiceAccount { get; init; }

    /// <summary>The Secret that holds the token; deleting it revokes the token.</summary>
    public required string SecretName { get; init; }

    /// <summary>The JWT. A secret: never log or print it. It does not expire.</summary>
    public required string Token { get; init; }

    /// <summary>The cluster CA bundle the controller put in the Secret (ca.crt), if any.</summary>
    public byte[]? CertificateAuthorityData { get; init; }

    /// <summary>True when this call created the Secret; false when an existing one was used.</summary>
    public bool Created { get; init; }

    /// <inheritdoc />
    public override string ToString() =>
        $"Legacy token for {Namespace}/{ServiceAccount} in Secret {SecretName} (redacted)";
}

/// <summary>What <see cref="TokenOperations.FindLegacyTokenAsync"/> found for a ServiceAccount.</summary>
/// <param name="ServiceAccount">The ServiceAccount as read from the server.</param>
/// <param name="Token">The token of a filled Secret, when there is one.</param>
/// <param name="PendingSecret">A token Secret the controller has not filled yet, when there is no filled one.</param>
public sealed record LegacyTokenLookup(Models.ServiceAccount ServiceAccount, LegacyServiceAccountToken? Token, Models.Secret? PendingSecret);
