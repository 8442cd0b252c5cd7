namespace K8sServiceAccount;

/// <summary>The API server's verdict on a token (a TokenReview), as Test-K8sSaToken returns it. Carries no token.</summary>
public sealed class K8sSaTokenReview
{
    /// <summary>True when the server accepts the token (for the audiences asked about).</summary>
    public bool Authenticated { get; init; }

    /// <summary>The user the token authenticates as (system:serviceaccount:NAMESPACE:NAME), or null.</summary>
    public string? User { get; init; }

    /// <summary>The user's UID (for a ServiceAccount: the ServiceAccount's UID), or null.</summary>
    public string? Uid { get; init; }

    /// <summary>The user's groups (system:serviceaccounts, system:serviceaccounts:NAMESPACE, system:authenticated).</summary>
    public string[] Groups { get; init; } = Array.Empty<string>();

    /// <summary>Extra attributes the authenticator attached (bound Pod name and UID, credential id...).</summary>
    public Dictionary<string, string[]> Extra { get; init; } = new(StringComparer.Ordinal);

    /// <summary>The audiences the token is valid for among those asked about (or the server's own).</summary>
    public string[] Audiences { get; init; } = Array.Empty<string>();

    /// <summary>Why the server rejected the token, in its words; null when it was accepted.</summary>
    public string? Error { get; init; }

    /// <summary>The user, or the reason for rejection.</summary>
    public override string ToString() => Authenticated ? User ?? string.Empty : "Not authenticated: " + Error;
}
