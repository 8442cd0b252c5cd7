namespace K8sServiceAccount;

/// <summary>Who the current credentials authenticate as (Get-K8sIdentity, a SelfSubjectReview like kubectl auth whoami).</summary>
public sealed class K8sIdentity
{
    /// <summary>The user name (system:serviceaccount:NAMESPACE:NAME for a ServiceAccount token).</summary>
    public string User { get; init; } = string.Empty;

    /// <summary>The user's UID, when the authenticator gives one.</summary>
    public string? Uid { get; init; }

    /// <summary>The user's groups, including those the server adds (system:authenticated...).</summary>
    public string[] Groups { get; init; } = Array.Empty<string>();

    /// <summary>Extra attributes of the user (bound Pod name and UID, credential id...).</summary>
    public Dictionary<string, string[]> Extra { get; init; } = new(StringComparer.Ordinal);

    /// <summary>The user name.</summary>
    public override string ToString() => User;
}
