using K8sServiceAccount.Client.Models;
using K8sServiceAccount.Client.Rbac;
using static K8sServiceAccount.Client.Tests.Rbac.R;

namespace K8sServiceAccount.Client.Tests.Rbac;

/// <summary>One rule against one request (K8S-SEMANTICS §1.2).</summary>
public sealed class RuleMatcherTests
{
    private static readonly UserInfo Alice = User("alice");

    public static TheoryData<string, PolicyRule, AccessRequest, bool> Cases => new()
    {
        // verbs
        { "exact verb", Rule("get", "", "pods"), Res(Alice, "get", "pods", "ns1"), true },
        { "other verb", Rule("get", "", "pods"), Res(Alice, "list", "pods", "ns1"), false },
        { "get does not cover watch", Rule("get", "", "pods"), Res(Alice, "watch", "pods", "ns1"), false },
        { "update does not cover patch", Rule("update", "", "pods"), Res(Alice, "patch", "pods", "ns1"), false },
        { "verb wildcard", Rule("*", "", "pods"), Res(Alice, "deletecollection", "pods", "ns1"), true },
        { "verb case-sensitive", Rule("get", "", "pods"), Res(Alice, "GET", "pods", "ns1"), false },
        { "rule verb upper-case", Rule("GET", "", "pods"), Res(Alice, "get", "pods", "ns1"), false },
        { "requested * needs rule *", Rule("get,list,watch,create,update,patch,delete", "", "pods"), Res(Alice, "*", "pods", "ns1"), false },
        { "requested * with rule *", Rule("*", "", "pods"), Res(Alice, "*", "pods", "ns1"), true },
        { "one of several verbs", Rule("get,list", "", "pods"), Res(Alice, "list", "pods"), true },
        { "impersonate verb", Rule("impersonate", "", "serviceaccounts"), Res(Alice, "impersonate", "serviceaccounts", "ns1", name: "builder"), true },
        // api groups
        { "core group only matches core", Rule("get", "", "deployments"), Res(Alice, "get", "deployments", "ns1", "apps"), false },
        { "named group", Rule("get", "apps", "deployments"), Res(Alice, "get", "deployments", "ns1", "apps"), true },
        { "named group not core", Rule("get", "apps", "pods"), Res(Alice, "get", "pods", "ns1"), false },
        { "group wildcard", Rule("get", "*", "deployments"), Res(Alice, "get", "deployments", "ns1", "apps"), true },
        { "group wildcard covers core", Rule("get", "*", "pods"), Res(Alice, "get", "pods", "ns1"), true },
        { "group case-sensitive", Rule("get", "Apps", "deployments"), Res(Alice, "get", "deployments", "ns1", "apps"), false },
        { "group is exact, not suffix", Rule("get", "k8s.io", "roles"), Res(Alice, "get", "roles", "ns1", "rbac.authorization.k8s.io"), false },
        { "two groups", Rule("get", "apps,extensions", "deployments"), Res(Alice, "get", "deployments", "ns1", "extensions"), true },
        // resources and subresources
        { "pods does not cover pods/log", Rule("get", "", "pods"), Res(Alice, "get", "pods", "ns1", sub: "log", name: "p"), false },
        { "pods/log does not cover pods", Rule("get", "", "pods/log"), Res(Alice, "get", "pods", "ns1", name: "p"), false },
        { "pods/log covers pods/log", Rule("get", "", "pods/log"), Res(Alice, "get", "pods", "ns1", sub: "log", name: "p"), true },
        { "pods/log is not pods/exec", Rule("get", "", "pods/log"), Res(Alice, "get", "pods", "ns1", sub: "exec", name: "p"), false },
        { "*/scale covers deployments/scale", Rule("update", "apps", "*/scale"), Res(Alice, "update", "deployments", "ns1", "apps", "scale", "web"), true },
        { "*/scale covers replicasets/scale", Rule("update", "apps", "*/scale"), Res(Alice, "update", "replicasets", "ns1", "apps", "scale", "web"), true },
        { "*/scale does not cover deployments", Rule("update", "apps", "*/scale"), Res(Alice, "update", "deployments", "ns1", "apps", name: "web"), false },
        { "*/scale does not cover deployments/status", Rule("update", "apps", "*/scale"), Res(Alice, "update", "deployments", "ns1", "apps", "status", "web"), false },
        { "*/scal is not a prefix match", Rule("update", "apps", "*/scal"), Res(Alice, "update", "deployments", "ns1", "apps", "scale", "web"), false },
        { "deployments/* is not a wildcard", Rule("get", "apps", "deployments/*"), Res(Alice, "get", "deployments", "ns1", "apps", "scale", "web"), false },
        { "deployments/* is a literal subresource *", Rule("get", "apps", "deployments/*"), Res(Alice, "get", "deployments", "ns1", "apps", "*", "web"), true },
        { "*/* is not a wildcard", Rule("get", "", "*/*"), Res(Alice, "get", "pods", "ns1", sub: "log", name: "p"), false },
        { "*/* does not cover plain resource", Rule("get", "", "*/*"), Res(Alice, "get", "pods", "ns1"), false },
        { "* covers subresources", Rule("get", "", "*"), Res(Alice, "get", "pods", "ns1", sub: "log", name: "p"), true },
        { "* covers resources", Rule("get", "", "*"), Res(Alice, "get", "secrets", "ns1"), true },
        { "resource case-sensitive", Rule("get", "", "Pods"), Res(Alice, "get", "pods", "ns1"), false },
        { "singular is not plural", Rule("get", "", "pod"), Res(Alice, "get", "pods", "ns1"), false },
        { "serviceaccounts/token create", Rule("create", "", "serviceaccounts/token"), Res(Alice, "create", "serviceaccounts", "ns1", sub: "token", name: "app"), true },
        { "serviceaccounts does not cover token", Rule("create", "", "serviceaccounts"), Res(Alice, "create", "serviceaccounts", "ns1", sub: "token", name: "app"), false },
        { "pods/ with empty subresource literal", Rule("get", "", "pods/"), Res(Alice, "get", "pods", "ns1"), false },
        // resourceNames
        { "name listed", Rule("get", "", "secrets", "db"), Res(Alice, "get", "secrets", "ns1", name: "db"), true },
        { "name not listed", Rule("get", "", "secrets", "db"), Res(Alice, "get", "secrets", "ns1", name: "web"), false },
        { "name case-sensitive", Rule("get", "", "secrets", "db"), Res(Alice, "get", "secrets", "ns1", name: "DB"), false },
        { "list without name never matches names", Rule("list", "", "secrets", "db"), Res(Alice, "list", "secrets", "ns1"), false },
        { "list with metadata.name field selector", Rule("list", "", "secrets", "db"), Res(Alice, "list", "secrets", "ns1", name: "db"), true },
        { "watch without name never matches names", Rule("watch", "", "secrets", "db"), Res(Alice, "watch", "secrets", "ns1"), false },
        { "create on collection never matches names", Rule("create", "", "secrets", "db"), Res(Alice, "create", "secrets", "ns1"), false },
        { "deletecollection never matches names", Rule("deletecollection", "", "secrets", "db"), Res(Alice, "deletecollection", "secrets", "ns1"), false },
        { "names on subresource POST", Rule("create", "", "serviceaccounts/token", "app"), Res(Alice, "create", "serviceaccounts", "ns1", sub: "token", name: "app"), true },
        { "names on subresource POST, other SA", Rule("create", "", "serviceaccounts/token", "app"), Res(Alice, "create", "serviceaccounts", "ns1", sub: "token", name: "other"), false },
        { "no names covers create", Rule("create", "", "secrets"), Res(Alice, "create", "secrets", "ns1"), true },
        { "empty names list is no restriction", new PolicyRule { Verbs = ["get"], ApiGroups = [""], Resources = ["secrets"], ResourceNames = [] }, Res(Alice, "get", "secrets", "ns1", name: "x"), true },
        // non-resource URLs
        { "exact URL", Urls("get", "/healthz"), Path(Alice, "get", "/healthz"), true },
        { "URL verb mismatch", Urls("get", "/healthz"), Path(Alice, "post", "/healthz"), false },
        { "trailing * covers child", Urls("get", "/healthz/*"), Path(Alice, "get", "/healthz/etcd"), true },
        { "trailing * does not cover parent", Urls("get", "/healthz/*"), Path(Alice, "get", "/healthz"), false },
        { "/api* covers /apis/apps", Urls("get", "/api*"), Path(Alice, "get", "/apis/apps"), true },
        { "* elsewhere is literal", Urls("get", "/api/*/v1"), Path(Alice, "get", "/api/x/v1"), false },
        { "URL wildcard", Urls("*", "*"), Path(Alice, "delete", "/anything"), true },
        { "URL case-sensitive", Urls("get", "/Healthz"), Path(Alice, "get", "/healthz"), false },
        { "URL prefix without * does not match", Urls("get", "/version"), Path(Alice, "get", "/version/"), false },
        { "several trailing *", Urls("get", "/logs**"), Path(Alice, "get", "/logs/a"), true },
        // resource vs non-resource
        { "resource rule never matches URL", Rule("*", "*", "*"), Path(Alice, "get", "/healthz"), false },
        { "URL rule never matches resource", Urls("*", "*"), Res(Alice, "get", "pods", "ns1"), false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Rule_matches_as_the_RBAC_authorizer_does(string description, PolicyRule rule, AccessRequest request, bool expected)
    {
        Assert.True(RuleMatcher.Allows(rule, request) == expected, description);
    }

    [Fact]
    public void Rule_with_null_lists_matches_nothing()
    {
        var rule = new PolicyRule();
        Assert.False(RuleMatcher.Allows(rule, Res(Alice, "get", "pods", "ns1")));
        Assert.False(RuleMatcher.Allows(rule, Path(Alice, "get", "/healthz")));
    }
}
