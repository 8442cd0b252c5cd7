namespace K8sServiceAccount.Client.Models;

public sealed class ResourceAttributes
{
    public string? Namespace { get; set; }
    public string? Verb { get; set; }
    public string? Group { get; set; }
    public string? Version { get; set; }
    public string? Resource { get; set; }
    public string? Subresource { get; set; }
    public string? Name { get; set; }
}

public sealed class NonResourceAttributes
{
    public string? Path { get; set; }
    public string? Verb { get; set; }
}

/// <summary>Spec shared by SubjectAccessReview, LocalSubjectAccessReview and (without the identity fields) SelfSubjectAccessReview.</summary>
public sealed class SubjectAccessReviewSpec
{
    public ResourceAttributes? ResourceAttributes { get; set; }
    public NonResourceAttributes? NonResourceAttributes { get; set; }
    public string? User { get; set; }
    public List<string>? Groups { get; set; }
    public Dictionary<string, List<string>>? Extra { get; set; }
    public string? Uid { get; set; }
}

public sealed class SubjectAccessReviewStatus
{
    public bool Allowed { get; set; }
    public bool? Denied { get; set; }
    public string? Reason { get; set; }
    public string? EvaluationError { get; set; }
}

/// <summary>SubjectAccessReview, LocalSubjectAccessReview or SelfSubjectAccessReview: Kind tells which.</summary>
public sealed class SubjectAccessReview
{
    public string? ApiVersion { get; set; } = "authorization.k8s.io/v1";
    public string? Kind { get; set; } = "SubjectAccessReview";
    public ObjectMeta? Metadata { get; set; }
    public SubjectAccessReviewSpec Spec { get; set; } = new();
    public SubjectAccessReviewStatus? Status { get; set; }
}

public sealed class SelfSubjectRulesReview
{
    public string? ApiVersion { get; set; } = "authorization.k8s.io/v1";
    public string? Kind { get; set; } = "SelfSubjectRulesReview";
    public ObjectMeta? Metadata { get; set; }
    public SelfSubjectRulesReviewSpec Spec { get; set; } = new();
    public SubjectRulesReviewStatus? Status { get; set; }
}

public sealed class SelfSubjectRulesReviewSpec
{
    public string? Namespace { get; set; }
}

public sealed class SubjectRulesReviewStatus
{
    public List<ResourceRule>? ResourceRules { get; set; }
    public List<NonResourceRule>? NonResourceRules { get; set; }
    public bool Incomplete { get; set; }
    public string? EvaluationError { get; set; }
}

public sealed class ResourceRule
{
    public List<string>? Verbs { get; set; }
    public List<string>? ApiGroups { get; set; }
    public List<string>? Resources { get; set; }
    public List<string>? ResourceNames { get; set; }
}

public sealed class NonResourceRule
{
    public List<string>? Verbs { get; set; }
    public List<string>? NonResourceURLs { get; set; }
}
