namespace K8sServiceAccount;

/// <summary>How Test-K8sPermission answered a check (mirrors the client's methods by name).</summary>
public enum K8sPermissionCheckMethod
{
    /// <summary>The server answered a SelfSubjectAccessReview for the connection's own identity.</summary>
    SelfSubjectAccessReview,

    /// <summary>The server answered a SubjectAccessReview for the ServiceAccount, user or groups.</summary>
    SubjectAccessReview,

    /// <summary>SubjectAccessReview was forbidden; the server answered a SelfSubjectAccessReview sent while impersonating the subject.</summary>
    Impersonation,

    /// <summary>Evaluated locally on policy documents (-Policy): no cluster involved.</summary>
    Offline,

    /// <summary>Evaluated locally on an RBAC snapshot (-Snapshot): RBAC only, as of when the snapshot was taken.</summary>
    LocalRbac,
}

/// <summary>
/// The answer to one permission check of Test-K8sPermission: the attributes evaluated (after kubectl-style resource
/// resolution), whether the action is allowed, and why. A denial is an answer (Allowed false), never an error.
/// </summary>
public sealed class K8sPermissionCheckResult
{
    /// <summary>Who was checked: (self), system:serviceaccount:NAMESPACE:NAME, a user name or groups [...].</summary>
    public string Subject { get; init; } = string.Empty;

    /// <summary>The namespace evaluated; empty for cluster scope, all namespaces and non-resource URLs.</summary>
    public string Namespace { get; init; } = string.Empty;

    /// <summary>The verb (get, list, update, ...).</summary>
    public string Verb { get; init; } = string.Empty;

    /// <summary>The API group evaluated; empty for the core group. Binds to -ApiGroup when the result is piped back.</summary>
    public string ApiGroup { get; init; } = string.Empty;

    /// <summary>The resource type evaluated (plural, as RBAC sees it).</summary>
    public string Resource { get; init; } = string.Empty;

    /// <summary>The subresource (scale, status, ...); empty when none.</summary>
    public string Subresource { get; init; } = string.Empty;

    /// <summary>The object name; empty for any object.</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>The non-resource URL (/healthz, /logs/...) for a non-resource check; empty otherwise.</summary>
    public string NonResourceUrl { get; init; } = string.Empty;

    /// <summary>True when the action is allowed.</summary>
    public bool Allowed { get; init; }

    /// <summary>The authorizer's reason, such as the binding that allows it; often empty when denied.</summary>
    public string Reason { get; init; } = string.Empty;

    /// <summary>Errors met while evaluating (for example a binding to a missing role): the answer may be incomplete.</summary>
    public string EvaluationError { get; init; } = string.Empty;

    /// <summary>How the answer was obtained.</summary>
    public K8sPermissionCheckMethod Method { get; init; }

    /// <summary>With -Explain: GrantedByRbac, NotGranted or AllowedByOtherAuthorizer; otherwise null.</summary>
    public string? Verdict { get; init; }

    /// <summary>With -Explain: every binding, role and rule that grants the action (empty when none does); otherwise null.</summary>
    public K8sPermissionRule[]? GrantedBy { get; init; }

    /// <summary>With -Explain: the explanation in words; otherwise null.</summary>
    public string? Explanation { get; init; }

    /// <summary>"yes" or "no" with the action, as kubectl auth can-i would answer it.</summary>
    public override string ToString()
    {
        var what = NonResourceUrl.Length > 0
            ? $"{Verb} {NonResourceUrl}"
            : $"{Verb} {Resource}{(Subresource.Length > 0 ? "/" + Subresource : "")}{(ApiGroup.Length > 0 ? "." + ApiGroup : "")}";
        return $"{(Allowed ? "yes" : "no")}: {Subject} {what}";
    }
}
