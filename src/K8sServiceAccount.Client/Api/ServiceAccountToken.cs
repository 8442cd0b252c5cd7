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

/// <summary>
/// A kubernetes.io/service-account-token Secret as an inventory item: whose it is, how old, when it was last used. It
/// holds no token.
/// </summary>
public sealed record LegacyTokenSecret
{
    public required string Namespace { get; init; }

    /// <summary>The Secret's name.</summary>
    public required string Name { get; init; }

    /// <summary>The Secret's UID (to delete exactly this one).</summary>
    public string? Uid { get; init; }

    /// <summary>The ServiceAccount the Secret names (annotation kubernetes.io/service-account.name).</summary>
    public string ServiceAccount { get; init; } = "";

    /// <summary>The ServiceAccount UID the Secret names (annotation kubernetes.io/service-account.uid), if any.</summary>
    public string? ServiceAccountUid { get; init; }

    /// <summary>
    /// True when that ServiceAccount exists (with that UID, when the Secret names one); false when it is gone or was
    /// re-created (the token then authenticates no one); null when ServiceAccounts could not be listed.
    /// </summary>
    public bool? ServiceAccountExists { get; init; }

    public DateTimeOffset? Created { get; init; }

    /// <summary>Label kubernetes.io/legacy-token-last-used: the last day (UTC) the token was used; null if never since tracking began.</summary>
    public DateTime? LastUsed { get; init; }

    /// <summary>Label kubernetes.io/legacy-token-invalid-since: the day the token was marked invalid; null when it is valid.</summary>
    public DateTime? InvalidSince { get; init; }

    /// <summary>The token controller has filled the Secret (a token is there); the token itself is not read out.</summary>
    public bool HasToken { get; init; }

    internal static LegacyTokenSecret From(Models.Secret secret, IReadOnlyDictionary<(string, string), string?>? accounts)
    {
        var meta = secret.Metadata;
        var ns = meta.Namespace ?? "";
        string? Annotation(string key) => meta.Annotations?.TryGetValue(key, out var value) == true ? value : null;
        var account = Annotation(TokenOperations.ServiceAccountNameAnnotation) ?? "";
        var accountUid = Annotation(TokenOperations.ServiceAccountUidAnnotation);
        bool? exists = accounts is null
            ? null
            : accounts.TryGetValue((ns, account), out var uid) && (string.IsNullOrEmpty(accountUid) || accountUid == uid);
        return new LegacyTokenSecret
        {
            Namespace = ns,
            Name = meta.Name ?? "",
            Uid = meta.Uid,
            ServiceAccount = account,
            ServiceAccountUid = accountUid,
            ServiceAccountExists = exists,
            Created = meta.CreationTimestamp,
            LastUsed = Date(meta.Labels, TokenOperations.LastUsedLabel),
            InvalidSince = Date(meta.Labels, TokenOperations.InvalidSinceLabel),
            HasToken = secret.Data?.TryGetValue("token", out var token) == true && token.Length > 0,
        };
    }

    // The labels hold a date as the API server writes it (2006-01-02); anything else is treated as absent.
    private static DateTime? Date(Dictionary<string, string>? labels, string key)
        => labels?.TryGetValue(key, out var value) == true
           && DateTime.TryParseExact(value, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture,
               System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal, out var date)
            ? DateTime.SpecifyKind(date, DateTimeKind.Utc)
            : null;
}
