namespace K8sServiceAccount.Client.Rbac;

/// <summary>
/// The message of the API server's 403 for a request no authorizer allowed (K8S-SEMANTICS §4), e.g.
/// <c>deployments.apps "web" is forbidden: User "u" cannot patch resource "deployments/scale" in API group "apps" in the namespace "ns1"</c>
/// or <c>forbidden: User "system:anonymous" cannot get path "/apis"</c>; an authorizer reason is appended after <c>: </c>.
/// </summary>
public static class ForbiddenMessage
{
    /// <summary>The full Status message.</summary>
    public static string For(AccessRequest request, string? reason = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        var suffix = string.IsNullOrEmpty(reason) ? "" : ": " + reason;
        var user = GoQuote.Quote(request.User.Name);
        if (!request.IsResourceRequest)
        {
            return $"forbidden: User {user} cannot {request.Verb} path {GoQuote.Quote(request.Path)}{suffix}";
        }
        var scope = request.Namespace.Length > 0 ? $"in the namespace {GoQuote.Quote(request.Namespace)}" : "at the cluster scope";
        var detail = $"User {user} cannot {request.Verb} resource {GoQuote.Quote(request.CombinedResource)} in API group {GoQuote.Quote(request.ApiGroup)} {scope}{suffix}";
        if (request.Resource.Length == 0)
        {
            return $"forbidden: {detail}";
        }
        var prefix = request.Name.Length > 0 ? $"{QualifiedResource(request)} {GoQuote.Quote(request.Name)}" : QualifiedResource(request);
        return $"{prefix} is forbidden: {detail}";
    }

    /// <summary><c>resource</c> for the core group, <c>resource.group</c> otherwise (the subresource is not part of it).</summary>
    public static string QualifiedResource(AccessRequest request)
        => request.ApiGroup.Length == 0 ? request.Resource : request.Resource + "." + request.ApiGroup;
}
