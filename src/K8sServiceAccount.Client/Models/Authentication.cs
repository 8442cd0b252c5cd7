namespace K8sServiceAccount.Client.Models;

/// <summary>authentication.k8s.io/v1 TokenRequest (the serviceaccounts/token subresource).</summary>
public sealed class TokenRequest
{
    public string? ApiVersion { get; set; } = "authentication.k8s.io/v1";
    public string? Kind { get; set; } = "TokenRequest";
    public ObjectMeta? Metadata { get; set; }
    public TokenRequestSpec Spec { get; set; } = new();
    public TokenRequestStatus? Status { get; set; }
}

public sealed class TokenRequestSpec
{
    public List<string>? Audiences { get; set; }
    public long? ExpirationSeconds { get; set; }
    public BoundObjectReference? BoundObjectRef { get; set; }
}

public sealed class BoundObjectReference
{
    public string? Kind { get; set; }
    public string? ApiVersion { get; set; }
    public string? Name { get; set; }
    public string? Uid { get; set; }
}

public sealed class TokenRequestStatus
{
    public string? Token { get; set; }
    public DateTimeOffset? ExpirationTimestamp { get; set; }
}

/// <summary>authentication.k8s.io/v1 TokenReview.</summary>
public sealed class TokenReview
{
    public string? ApiVersion { get; set; } = "authentication.k8s.io/v1";
    public string? Kind { get; set; } = "TokenReview";
    public ObjectMeta? Metadata { get; set; }
    public TokenReviewSpec Spec { get; set; } = new();
    public TokenReviewStatus? Status { get; set; }
}

public sealed class TokenReviewSpec
{
    public string? Token { get; set; }
    public List<string>? Audiences { get; set; }
}

public sealed class TokenReviewStatus
{
    public bool? Authenticated { get; set; }
    public UserInfoWire? User { get; set; }
    public List<string>? Audiences { get; set; }
    public string? Error { get; set; }
}

/// <summary>authentication.k8s.io/v1 UserInfo as it appears on the wire.</summary>
public sealed class UserInfoWire
{
    public string? Username { get; set; }
    public string? Uid { get; set; }
    public List<string>? Groups { get; set; }
    public Dictionary<string, List<string>>? Extra { get; set; }
}

/// <summary>authentication.k8s.io/v1 SelfSubjectReview (kubectl auth whoami).</summary>
public sealed class SelfSubjectReview
{
    public string? ApiVersion { get; set; } = "authentication.k8s.io/v1";
    public string? Kind { get; set; } = "SelfSubjectReview";
    public ObjectMeta? Metadata { get; set; }
    public SelfSubjectReviewStatus? Status { get; set; }
}

public sealed class SelfSubjectReviewStatus
{
    public UserInfoWire? UserInfo { get; set; }
}
