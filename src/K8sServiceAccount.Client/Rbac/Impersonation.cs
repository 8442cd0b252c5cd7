namespace K8sServiceAccount.Client.Rbac;

/// <summary>What an impersonating request must be allowed, and who it then acts as.</summary>
/// <param name="Checks">One request per impersonated element, each to be authorized for the real caller with verb <c>impersonate</c>; the first denied one is answered with 403.</param>
/// <param name="Identity">The identity the request runs as once every check is allowed.</param>
public sealed record ImpersonationPlan(IReadOnlyList<AccessRequest> Checks, UserInfo Identity);

/// <summary>
/// Impersonation (<c>Impersonate-User</c>, <c>-Group</c>, <c>-Uid</c>, <c>-Extra-*</c>; K8S-SEMANTICS §1.10): each element is
/// authorized for the real caller with verb <c>impersonate</c> — a user name that parses as a ServiceAccount on resource
/// <c>serviceaccounts</c> in its namespace, other users on <c>users</c>, groups on <c>groups</c>, the uid on <c>uids</c>
/// and each extra value on <c>userextras/&lt;key&gt;</c> (group authentication.k8s.io for the last two).
/// </summary>
public static class Impersonation
{
    private const string AuthenticationGroup = "authentication.k8s.io";

    /// <summary>Plans an impersonation.</summary>
    /// <param name="requester">The real, authenticated caller.</param>
    /// <param name="user">Impersonate-User, or null/empty.</param>
    /// <param name="groups">Impersonate-Group values in header order.</param>
    /// <param name="uid">Impersonate-Uid, or null/empty.</param>
    /// <param name="extra">Impersonate-Extra-* values, keys already lower-cased and percent-decoded as the server does.</param>
    /// <exception cref="K8sClientException">
    /// ErrorId <c>ImpersonationWithoutUser</c> (InvalidArgument, a 400 on the server) when groups, uid or extra are given
    /// without a user; the message is the API server's, <c>requested [...] without impersonating a user</c>.
    /// </exception>
    public static ImpersonationPlan Plan(
        UserInfo requester,
        string? user,
        IReadOnlyList<string>? groups = null,
        string? uid = null,
        IReadOnlyDictionary<string, IReadOnlyList<string>>? extra = null)
    {
        ArgumentNullException.ThrowIfNull(requester);
        groups ??= [];
        var checks = new List<AccessRequest>();
        var references = new List<string>(); // Go's %v of the ObjectReferences, for the 400 message
        var identityGroups = new List<string>();
        var identityName = "";
        var hasUser = !string.IsNullOrEmpty(user);

        if (hasUser)
        {
            if (ServiceAccountIdentity.TryParse(user, out var ns, out var name))
            {
                checks.Add(AccessRequest.ForResource(requester, "impersonate", "serviceaccounts", ns, name: name));
                references.Add(Reference("ServiceAccount", ns, name, "", ""));
                identityName = ServiceAccountIdentity.UserName(ns, name);
                if (groups.Count == 0)
                {
                    identityGroups.AddRange(ServiceAccountIdentity.Groups(ns));
                }
            }
            else
            {
                checks.Add(AccessRequest.ForResource(requester, "impersonate", "users", name: user!));
                references.Add(Reference("User", "", user!, "", ""));
                identityName = user!;
            }
        }
        foreach (var group in groups)
        {
            checks.Add(AccessRequest.ForResource(requester, "impersonate", "groups", name: group));
            references.Add(Reference("Group", "", group, "", ""));
            identityGroups.Add(group);
        }
        var identityExtra = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var (key, values) in (IEnumerable<KeyValuePair<string, IReadOnlyList<string>>>?)extra ?? [])
        {
            foreach (var value in values)
            {
                checks.Add(AccessRequest.ForResource(requester, "impersonate", "userextras", apiGroup: AuthenticationGroup, subresource: key, name: value));
                references.Add(Reference("UserExtra", "", value, AuthenticationGroup + "/v1", key));
            }
            identityExtra[key] = [.. values];
        }
        var hasUid = !string.IsNullOrEmpty(uid);
        if (hasUid)
        {
            checks.Add(AccessRequest.ForResource(requester, "impersonate", "uids", apiGroup: AuthenticationGroup, name: uid!));
            references.Add(Reference("UID", "", uid!, AuthenticationGroup + "/v1", ""));
        }
        if (!hasUser && checks.Count > 0)
        {
            throw new K8sClientException("ImpersonationWithoutUser", K8sErrorCategory.InvalidArgument,
                $"requested [{string.Join(" ", references)}] without impersonating a user");
        }

        if (identityName != ServiceAccountIdentity.AnonymousUser)
        {
            if (!identityGroups.Contains(ServiceAccountIdentity.AuthenticatedGroup) && !identityGroups.Contains(ServiceAccountIdentity.UnauthenticatedGroup))
            {
                identityGroups.Add(ServiceAccountIdentity.AuthenticatedGroup);
            }
        }
        else if (!identityGroups.Contains(ServiceAccountIdentity.UnauthenticatedGroup))
        {
            identityGroups.Add(ServiceAccountIdentity.UnauthenticatedGroup);
        }
        var identity = new UserInfo(identityName, hasUid ? uid : null, identityGroups, identityExtra.Count == 0 ? null : identityExtra);
        return new ImpersonationPlan(checks, identity);
    }

    // v1.ObjectReference printed by Go's %v: {Kind Namespace Name UID APIVersion ResourceVersion FieldPath}.
    private static string Reference(string kind, string ns, string name, string apiVersion, string fieldPath)
        => "{" + string.Join(" ", kind, ns, name, "", apiVersion, "", fieldPath) + "}";
}
