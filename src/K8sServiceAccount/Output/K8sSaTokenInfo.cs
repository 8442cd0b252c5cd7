using System.Security;

namespace K8sServiceAccount;

/// <summary>
/// A ServiceAccount token as Get-K8sSaToken returns it. The token is a SecureString so that it is not shown by
/// accident; on .NET (PowerShell 7) a SecureString is not encrypted in memory. ToString never shows the token.
/// </summary>
public sealed class K8sSaTokenInfo
{
    /// <summary>The ServiceAccount's namespace.</summary>
    public string Namespace { get; init; } = string.Empty;

    /// <summary>The ServiceAccount the token authenticates as.</summary>
    public string ServiceAccount { get; init; } = string.Empty;

    /// <summary>The token (a JWT). Pipe the object to ConvertFrom-K8sSaToken or Test-K8sSaToken to use it without revealing it.</summary>
    public SecureString Token { get; init; } = new();

    /// <summary>When the token expires, in UTC; null for a legacy token, which does not expire.</summary>
    public DateTime? ExpirationTimestamp { get; init; }

    /// <summary>The audiences the token is for (the API server's own when none were asked for; empty for a legacy token).</summary>
    public string[] Audiences { get; init; } = Array.Empty<string>();

    /// <summary>The Pod, Secret or Node the token is bound to, or null.</summary>
    public K8sBoundObjectReference? BoundObject { get; init; }

    /// <summary>The lifetime asked for; null when the server's default was used.</summary>
    public TimeSpan? RequestedDuration { get; init; }

    /// <summary>The lifetime the server granted; null for a legacy token.</summary>
    public TimeSpan? GrantedDuration { get; init; }

    /// <summary>True for a long-lived token read from a kubernetes.io/service-account-token Secret (-Legacy).</summary>
    public bool IsLegacy { get; init; }

    /// <summary>For a legacy token: the Secret that holds it (deleting the Secret revokes the token).</summary>
    public string? SecretName { get; init; }

    /// <summary>Describes the token without showing it.</summary>
    public override string ToString() => IsLegacy
        ? $"Legacy token for {Namespace}/{ServiceAccount} in Secret {SecretName} (hidden)"
        : $"Token for {Namespace}/{ServiceAccount} (hidden), expires {ExpirationTimestamp:u}";
}
