using K8sServiceAccount.Client.Models;
using K8sServiceAccount.Client.Rbac;

namespace K8sServiceAccount.Client.Tests.Rbac;

/// <summary>Compact builders for RBAC objects in tests. Lists are comma-separated; "" is the core group.</summary>
internal static class R
{
    public static List<string> L(string csv) => [.. csv.Split(',')];

    public static PolicyRule Rule(string verbs, string groups, string resources, string? names = null)
        => new() { Verbs = L(verbs), ApiGroups = L(groups), Resources = L(resources), ResourceNames = names is null ? null : L(names) };

    public static PolicyRule Urls(string verbs, string urls) => new() { Verbs = L(verbs), NonResourceURLs = L(urls) };

    public static UserInfo User(string name, params string[] groups) => new(name, null, groups);

    public static UserInfo Sa(string ns, string name) => ServiceAccountIdentity.ForServiceAccount(ns, name, "uid-" + name);

    public static AccessRequest Res(UserInfo user, string verb, string resource, string ns = "", string group = "", string sub = "", string name = "")
        => AccessRequest.ForResource(user, verb, resource, ns, group, sub, name);

    public static AccessRequest Path(UserInfo user, string verb, string path) => AccessRequest.ForPath(user, verb, path);

    public static ClusterRole ClusterRole(string name, params PolicyRule[] rules) => new() { Metadata = new ObjectMeta { Name = name }, Rules = [.. rules] };

    public static Role Role(string ns, string name, params PolicyRule[] rules) => new() { Metadata = new ObjectMeta { Name = name, Namespace = ns }, Rules = [.. rules] };

    public static Subject UserSubject(string name) => new() { Kind = "User", ApiGroup = "rbac.authorization.k8s.io", Name = name };

    public static Subject GroupSubject(string name) => new() { Kind = "Group", ApiGroup = "rbac.authorization.k8s.io", Name = name };

    public static Subject SaSubject(string name, string? ns = null) => new() { Kind = "ServiceAccount", Name = name, Namespace = ns };

    public static ClusterRoleBinding Crb(string name, string roleName, params Subject[] subjects) => new()
    {
        Metadata = new ObjectMeta { Name = name },
        RoleRef = new RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = roleName },
        Subjects = [.. subjects],
    };

    public static RoleBinding Rb(string ns, string name, string roleKind, string roleName, params Subject[] subjects) => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = ns },
        RoleRef = new RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = roleKind, Name = roleName },
        Subjects = [.. subjects],
    };
}
