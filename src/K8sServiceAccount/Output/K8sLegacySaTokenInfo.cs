namespace K8sServiceAccount;

/// <summary>
/// A long-lived token Secret (type kubernetes.io/service-account-token), as Get-K8sLegacySaToken lists it: whose it is,
/// how old, and the API server's usage labels, to find tokens nobody uses. It never holds the token; Get-K8sSaToken
/// -Legacy reads one out. Name, Namespace and Uid pipe into Remove-K8sLegacySaToken by property name.
/// </summary>
public sealed class K8sLegacySaTokenInfo
{
    /// <summary>The Secret's name.</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>The namespace of the Secret (and of its ServiceAccount).</summary>
    public string Namespace { get; init; } = string.Empty;

    /// <summary>The ServiceAccount the token authenticates as (annotation kubernetes.io/service-account.name).</summary>
    public string ServiceAccount { get; init; } = string.Empty;

    /// <summary>The ServiceAccount UID the Secret names (annotation kubernetes.io/service-account.uid).</summary>
    public string? ServiceAccountUid { get; init; }

    /// <summary>
    /// Whether that ServiceAccount exists with that UID: false when it was deleted (or re-created under the same name),
    /// so the token authenticates no one; null when ServiceAccounts could not be listed.
    /// </summary>
    public bool? ServiceAccountExists { get; init; }

    /// <summary>When the Secret was created, in UTC.</summary>
    public DateTime? CreationTimestamp { get; init; }

    /// <summary>How long ago the Secret was created; the view shows it as kubectl's AGE.</summary>
    public TimeSpan? Age => CreationTimestamp is { } created ? DateTime.UtcNow - created : null;

    /// <summary>
    /// The day (UTC) the token was last used, from the label kubernetes.io/legacy-token-last-used the API server (1.28+)
    /// keeps; null when it has not been used since tracking began.
    /// </summary>
    public DateTime? LastUsed { get; init; }

    /// <summary>The day the token was marked invalid (label kubernetes.io/legacy-token-invalid-since); null when it is not.</summary>
    public DateTime? InvalidSince { get; init; }

    /// <summary>True when the token controller has filled the Secret with a token.</summary>
    public bool HasToken { get; init; }

    /// <summary>The Secret's UID: Remove-K8sLegacySaToken deletes only this object, not a namesake created later.</summary>
    public string? Uid { get; init; }

    /// <summary>"namespace/name", as kubectl names objects.</summary>
    public override string ToString() => Namespace + "/" + Name;
}
