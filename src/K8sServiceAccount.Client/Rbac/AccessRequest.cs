namespace K8sServiceAccount.Client.Rbac;

/// <summary>
/// An authenticated identity as the authorizer sees it: name, uid, groups and extra attributes.
/// The groups are used exactly as given; callers add <c>system:authenticated</c> or the ServiceAccount groups themselves
/// (see <see cref="ServiceAccountIdentity.ForServiceAccount"/>), as a SubjectAccessReview does.
/// </summary>
public sealed record UserInfo(
    string Name,
    string? Uid,
    IReadOnlyList<string> Groups,
    IReadOnlyDictionary<string, IReadOnlyList<string>>? Extra = null)
{
    /// <summary>True when <paramref name="group"/> is one of <see cref="Groups"/> (exact, case-sensitive).</summary>
    public bool IsInGroup(string group)
    {
        var groups = Groups;
        for (var i = 0; i < groups.Count; i++)
        {
            if (string.Equals(groups[i], group, StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }
}

/// <summary>
/// The attributes of one request to authorize (K8S-SEMANTICS §1.1). A resource request is described by verb, namespace,
/// API group, resource, subresource and name; a non-resource request by verb and <see cref="Path"/>.
/// An empty <see cref="Namespace"/> means cluster scope (or "all namespaces").
/// </summary>
public sealed record AccessRequest
{
    public required UserInfo User { get; init; }

    /// <summary>Verb such as <c>get</c>, <c>list</c>, <c>create</c>, <c>impersonate</c>, <c>bind</c>; for non-resource requests the lower-cased HTTP method.</summary>
    public required string Verb { get; init; }

    public bool IsResourceRequest { get; init; } = true;

    /// <summary>Namespace of a resource request; <c>""</c> for cluster scope or all namespaces. Ignored for non-resource requests.</summary>
    public string Namespace { get; init; } = "";

    /// <summary>API group; <c>""</c> is the core group.</summary>
    public string ApiGroup { get; init; } = "";

    public string Resource { get; init; } = "";

    public string Subresource { get; init; } = "";

    public string Name { get; init; } = "";

    /// <summary>URL path of a non-resource request, e.g. <c>/healthz</c>.</summary>
    public string Path { get; init; } = "";

    /// <summary>A resource request.</summary>
    public static AccessRequest ForResource(UserInfo user, string verb, string resource, string @namespace = "", string apiGroup = "", string subresource = "", string name = "")
        => new()
        {
            User = user,
            Verb = verb,
            Resource = resource,
            Namespace = @namespace,
            ApiGroup = apiGroup,
            Subresource = subresource,
            Name = name,
        };

    /// <summary>A non-resource request (a URL path such as <c>/healthz</c>).</summary>
    public static AccessRequest ForPath(UserInfo user, string verb, string path)
        => new() { User = user, Verb = verb, IsResourceRequest = false, Path = path };

    /// <summary>Resource and subresource as RBAC rules name them: <c>pods</c> or <c>pods/log</c>.</summary>
    public string CombinedResource => Subresource.Length == 0 ? Resource : Resource + "/" + Subresource;
}
