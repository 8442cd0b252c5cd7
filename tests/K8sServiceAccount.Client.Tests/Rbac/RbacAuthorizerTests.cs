using K8sServiceAccount.Client.Models;
using K8sServiceAccount.Client.Rbac;
using static K8sServiceAccount.Client.Tests.Rbac.R;

namespace K8sServiceAccount.Client.Tests.Rbac;

/// <summary>Rule resolution and the authorizer's decisions and reasons (K8S-SEMANTICS §1.3, §1.4, §1.6).</summary>
public sealed class RbacAuthorizerTests
{
    private static readonly UserInfo Alice = User("alice", "system:authenticated");
    private static readonly UserInfo Bob = User("bob", "devs", "system:authenticated");
    private static readonly UserInfo App = Sa("ns1", "app");
    private static readonly UserInfo AppNs2 = Sa("ns2", "app");
    private static readonly UserInfo Builder = Sa("ns1", "builder");
    private static readonly UserInfo Lonely = Sa("ns3", "lonely");
    private static readonly UserInfo Anonymous = User("system:anonymous", "system:unauthenticated");

    /// <summary>The bootstrap policy plus a small, varied set of roles and bindings.</summary>
    private static readonly RbacAuthorizer Authorizer = new(BuildPolicy());

    private static InMemoryRbacPolicy BuildPolicy()
    {
        var policy = InMemoryRbacPolicy.WithBootstrapPolicy();
        policy.Add(ClusterRole("pod-reader", Rule("get,list,watch", "", "pods")));
        policy.Add(ClusterRole("node-reader", Rule("get,list", "", "nodes")));
        policy.Add(ClusterRole("health-checker", Urls("get", "/healthz/*")));
        policy.Add(Role("ns1", "secret-reader", Rule("get", "", "secrets", "db")));
        policy.Add(Role("ns1", "token-maker", Rule("create", "", "serviceaccounts/token", "app")));
        policy.Add(Role("ns2", "ns2-secrets", Rule("get,list", "", "secrets")));
        // alice: pods everywhere via a ClusterRoleBinding.
        policy.Add(Crb("alice-pods", "pod-reader", UserSubject("alice")));
        // group devs: nodes in ns1 only (RoleBinding to a ClusterRole), health URLs cluster-wide.
        policy.Add(Rb("ns1", "devs-nodes", "ClusterRole", "node-reader", GroupSubject("devs")));
        policy.Add(Crb("devs-health", "health-checker", GroupSubject("devs")));
        // ns1/app: secret "db" via Role; SA subject without namespace → binding namespace.
        policy.Add(Rb("ns1", "app-secrets", "Role", "secret-reader", SaSubject("app")));
        // ns1/builder: can create tokens for app, via a subject with explicit namespace.
        policy.Add(Rb("ns1", "builder-tokens", "Role", "token-maker", SaSubject("builder", "ns1")));
        // ns1/app can read pods in ns2 via a RoleBinding in ns2 naming ns1.
        policy.Add(Rb("ns2", "cross-ns", "ClusterRole", "pod-reader", SaSubject("app", "ns1")));
        // An SA subject without namespace in a ClusterRoleBinding matches nobody.
        policy.Add(Crb("broken-sa", "cluster-admin", SaSubject("app")));
        // Bindings to roles that do not exist.
        policy.Add(Rb("ns1", "a-missing-role", "Role", "does-not-exist", GroupSubject("system:serviceaccounts:ns1")));
        policy.Add(Crb("a-missing-clusterrole", "gone", UserSubject("bob")));
        // A User subject that names a service account matches that service account.
        policy.Add(Rb("ns4", "user-named-sa", "ClusterRole", "view", UserSubject("system:serviceaccount:ns1:app")));
        // Group of all service accounts in ns5 may view there.
        policy.Add(Rb("ns5", "all-sas-view", "ClusterRole", "view", GroupSubject("system:serviceaccounts")));
        // A Role in ns2 referenced from ns1 resolves in ns1 (where it does not exist).
        policy.Add(Rb("ns1", "wrong-ns-role", "Role", "ns2-secrets", UserSubject("carol")));
        // Unknown subject kinds and roleRef kinds.
        policy.Add(Rb("ns1", "odd-subject", "ClusterRole", "cluster-admin", new Subject { Kind = "Robot", Name = "alice" }));
        policy.Add(Rb("ns6", "odd-roleref", "Robot", "cluster-admin", UserSubject("dave")));
        policy.Add(Rb("ns6", "edit-for-dave", "ClusterRole", "edit", UserSubject("dave")));
        policy.Add(Rb("ns6", "admin-for-erin", "ClusterRole", "admin", UserSubject("erin")));
        return policy;
    }

    public static TheoryData<string, AccessRequest, bool> Decisions => new()
    {
        // ClusterRoleBinding scope
        { "CRB allows in any namespace", Res(Alice, "get", "pods", "ns9", name: "p"), true },
        { "CRB allows all-namespaces list", Res(Alice, "list", "pods"), true },
        { "CRB rule does not cover other verbs", Res(Alice, "delete", "pods", "ns1", name: "p"), false },
        { "CRB rule does not cover pods/log", Res(Alice, "get", "pods", "ns1", sub: "log", name: "p"), false },
        // RoleBinding → ClusterRole scoping
        { "RB→ClusterRole allows in binding ns", Res(Bob, "get", "nodes", "ns1", name: "n1"), true },
        { "RB→ClusterRole not in another ns", Res(Bob, "get", "nodes", "ns2", name: "n1"), false },
        { "RB→ClusterRole not at cluster scope", Res(Bob, "get", "nodes", "", name: "n1"), false },
        { "RB→ClusterRole not for all-namespaces list", Res(Bob, "list", "nodes"), false },
        { "non-resource URL via CRB", Path(Bob, "get", "/healthz/etcd"), true },
        { "non-resource URL parent not covered", Path(Bob, "post", "/healthz/etcd"), false },
        // RoleBinding → Role, ServiceAccount subject without namespace
        { "SA subject w/o namespace means binding ns", Res(App, "get", "secrets", "ns1", name: "db"), true },
        { "same-named SA in another ns not matched", Res(AppNs2, "get", "secrets", "ns1", name: "db"), false },
        { "resourceNames restrict the Role", Res(App, "get", "secrets", "ns1", name: "other"), false },
        { "Role resourceNames never allow list", Res(App, "list", "secrets", "ns1"), false },
        { "Role rules not effective in other ns", Res(App, "get", "secrets", "ns2", name: "db"), false },
        { "token create for named SA", Res(Builder, "create", "serviceaccounts", "ns1", sub: "token", name: "app"), true },
        { "token create for other SA denied", Res(Builder, "create", "serviceaccounts", "ns1", sub: "token", name: "builder"), false },
        { "token create needs subresource rule", Res(Builder, "create", "serviceaccounts", "ns1", name: "app"), false },
        { "cross-namespace SA subject", Res(App, "list", "pods", "ns2"), true },
        { "cross-namespace binding only in its ns", Res(App, "list", "pods", "ns1"), false },
        { "SA without namespace in CRB matches nobody", Res(App, "delete", "nodes", "", name: "n1"), false },
        { "missing role: binding contributes nothing", Res(Builder, "get", "configmaps", "ns1", name: "c"), false },
        { "missing clusterrole: other bindings still count", Res(Bob, "get", "nodes", "ns1", name: "n"), true },
        { "User subject naming an SA", Res(App, "get", "configmaps", "ns4", name: "c"), true },
        { "implicit SA group system:serviceaccounts", Res(Lonely, "list", "deployments", "ns5", "apps"), true },
        { "view has no secrets", Res(Lonely, "get", "secrets", "ns5", name: "s"), false },
        { "Role resolves in binding namespace only", Res(User("carol"), "get", "secrets", "ns1", name: "db"), false },
        { "Role in another namespace is not used", Res(User("carol"), "get", "secrets", "ns2", name: "db"), false },
        { "unknown subject kind never applies", Res(User("alice"), "delete", "secrets", "ns1", name: "s"), false },
        { "unknown roleRef kind gives nothing", Res(User("dave"), "delete", "nodes", "ns6", name: "n"), false },
        // aggregated bootstrap roles
        { "edit (aggregated) may create deployments", Res(User("dave"), "create", "deployments", "ns6", "apps"), true },
        { "edit inherits view (pods/log)", Res(User("dave"), "get", "pods", "ns6", sub: "log", name: "p"), true },
        { "edit may read secrets", Res(User("dave"), "get", "secrets", "ns6", name: "s"), true },
        { "edit may impersonate SAs", Res(User("dave"), "impersonate", "serviceaccounts", "ns6", name: "x"), true },
        { "edit may create SA tokens", Res(User("dave"), "create", "serviceaccounts", "ns6", sub: "token", name: "x"), true },
        { "edit may not create roles", Res(User("dave"), "create", "roles", "ns6", "rbac.authorization.k8s.io"), false },
        { "admin may create roles", Res(User("erin"), "create", "roles", "ns6", "rbac.authorization.k8s.io"), true },
        { "admin has no bind", Res(User("erin"), "bind", "clusterroles", "ns6", "rbac.authorization.k8s.io", name: "admin"), false },
        { "admin has no escalate", Res(User("erin"), "escalate", "roles", "ns6", "rbac.authorization.k8s.io", name: "r"), false },
        { "admin inherits edit and view", Res(User("erin"), "watch", "statefulsets", "ns6", "apps"), true },
        { "admin may create localsubjectaccessreviews", Res(User("erin"), "create", "localsubjectaccessreviews", "ns6", "authorization.k8s.io"), true },
        // bootstrap: an authenticated SA with no bindings
        { "SA may create SSAR", Res(Lonely, "create", "selfsubjectaccessreviews", "", "authorization.k8s.io"), true },
        { "SA may create SSRR", Res(Lonely, "create", "selfsubjectrulesreviews", "", "authorization.k8s.io"), true },
        { "SA may create SelfSubjectReview", Res(Lonely, "create", "selfsubjectreviews", "", "authentication.k8s.io"), true },
        { "SA may GET /version", Path(Lonely, "get", "/version"), true },
        { "SA may GET /apis/apps/v1", Path(Lonely, "get", "/apis/apps/v1"), true },
        { "SA may GET /openapi/v3", Path(Lonely, "get", "/openapi/v3"), true },
        { "SA may GET /livez", Path(Lonely, "get", "/livez"), true },
        { "SA may GET /readyz", Path(Lonely, "get", "/readyz"), true },
        { "SA may GET JWKS", Path(Lonely, "get", "/openid/v1/jwks"), true },
        { "SA may GET OIDC discovery", Path(Lonely, "get", "/.well-known/openid-configuration"), true },
        { "SA may not GET /metrics", Path(Lonely, "get", "/metrics"), false },
        { "SA may not GET /healthz/etcd", Path(Lonely, "get", "/healthz/etcd"), false },
        { "SA may not POST /api", Path(Lonely, "post", "/api"), false },
        { "SA may not list serviceaccounts", Res(Lonely, "list", "serviceaccounts", "ns3"), false },
        { "SA may not create serviceaccounts", Res(Lonely, "create", "serviceaccounts", "ns3"), false },
        { "SA may not create tokens", Res(Lonely, "create", "serviceaccounts", "ns3", sub: "token", name: "lonely"), false },
        { "SA may not create SAR", Res(Lonely, "create", "subjectaccessreviews", "", "authorization.k8s.io"), false },
        { "SA may not create TokenReview", Res(Lonely, "create", "tokenreviews", "", "authentication.k8s.io"), false },
        { "SA may not get its own namespace", Res(Lonely, "get", "namespaces", "ns3", name: "ns3"), false },
        { "anonymous may GET /healthz", Path(Anonymous, "get", "/healthz"), true },
        { "anonymous may not GET /apis", Path(Anonymous, "get", "/apis"), false },
        { "anonymous may not create SSAR", Res(Anonymous, "create", "selfsubjectaccessreviews", "", "authorization.k8s.io"), false },
        { "anonymous may not GET JWKS", Path(Anonymous, "get", "/openid/v1/jwks"), false },
        { "system:masters via cluster-admin", Res(User("root", "system:masters"), "*", "*", "ns1", "*"), true },
        { "system:masters non-resource", Path(User("root", "system:masters"), "delete", "/anything"), true },
        { "group names are case-sensitive", Res(User("root", "System:Masters"), "get", "pods", "ns1"), false },
        { "user names are case-sensitive", Res(User("Alice"), "get", "pods", "ns1"), false },
        { "no groups at all, nothing", Path(User("nobody"), "get", "/version"), false },
    };

    [Theory]
    [MemberData(nameof(Decisions))]
    public void Decides_as_the_RBAC_authorizer(string description, AccessRequest request, bool allowed)
    {
        var result = Authorizer.Authorize(request);
        Assert.True(result.Allowed == allowed, $"{description}: expected {(allowed ? "allow" : "no opinion")}, reason '{result.Reason}'");
        if (allowed)
        {
            Assert.StartsWith("RBAC: allowed by ", result.Reason);
        }
    }

    [Fact]
    public void Allow_reason_for_a_group_in_a_ClusterRoleBinding()
    {
        var result = Authorizer.Authorize(Res(Lonely, "create", "selfsubjectaccessreviews", "", "authorization.k8s.io"));
        Assert.Equal("RBAC: allowed by ClusterRoleBinding \"system:basic-user\" of ClusterRole \"system:basic-user\" to Group \"system:authenticated\"", result.Reason);
        Assert.Null(result.EvaluationError);
    }

    [Fact]
    public void Allow_reason_for_a_user_in_a_ClusterRoleBinding()
    {
        Assert.Equal("RBAC: allowed by ClusterRoleBinding \"alice-pods\" of ClusterRole \"pod-reader\" to User \"alice\"",
            Authorizer.Authorize(Res(Alice, "list", "pods", "ns1")).Reason);
    }

    [Fact]
    public void Allow_reason_for_a_ServiceAccount_without_namespace_names_the_binding_namespace()
    {
        Assert.Equal("RBAC: allowed by RoleBinding \"app-secrets/ns1\" of Role \"secret-reader\" to ServiceAccount \"app/ns1\"",
            Authorizer.Authorize(Res(App, "get", "secrets", "ns1", name: "db")).Reason);
    }

    [Fact]
    public void Allow_reason_for_a_RoleBinding_to_a_ClusterRole()
    {
        Assert.Equal("RBAC: allowed by RoleBinding \"cross-ns/ns2\" of ClusterRole \"pod-reader\" to ServiceAccount \"app/ns1\"",
            Authorizer.Authorize(Res(App, "list", "pods", "ns2")).Reason);
        Assert.Equal("RBAC: allowed by RoleBinding \"devs-nodes/ns1\" of ClusterRole \"node-reader\" to Group \"devs\"",
            Authorizer.Authorize(Res(Bob, "get", "nodes", "ns1", name: "n")).Reason);
    }

    [Fact]
    public void Denial_without_lookup_errors_has_empty_reason()
    {
        var result = Authorizer.Authorize(Res(Lonely, "list", "serviceaccounts", "ns3"));
        Assert.Equal(new AuthorizationResult(false, "", null), result);
    }

    [Fact]
    public void Denial_with_a_missing_role_reports_the_lookup_error()
    {
        var result = Authorizer.Authorize(Res(Builder, "get", "configmaps", "ns1", name: "c"));
        Assert.False(result.Allowed);
        Assert.Equal("RBAC: role.rbac.authorization.k8s.io \"does-not-exist\" not found", result.Reason);
        Assert.Equal("role.rbac.authorization.k8s.io \"does-not-exist\" not found", result.EvaluationError);
    }

    [Fact]
    public void Several_lookup_errors_are_aggregated_in_brackets()
    {
        var policy = new InMemoryRbacPolicy();
        policy.Add(Crb("c1", "gone-1", UserSubject("bob")));
        policy.Add(Crb("c2", "gone-2", UserSubject("bob")));
        policy.Add(Rb("ns1", "r1", "Role", "gone-3", UserSubject("bob")));
        var result = new RbacAuthorizer(policy).Authorize(Res(User("bob"), "get", "pods", "ns1"));
        Assert.Equal("RBAC: [clusterrole.rbac.authorization.k8s.io \"gone-1\" not found, clusterrole.rbac.authorization.k8s.io \"gone-2\" not found, role.rbac.authorization.k8s.io \"gone-3\" not found]", result.Reason);
    }

    [Fact]
    public void Lookup_errors_do_not_hide_an_allow()
    {
        var result = Authorizer.Authorize(Res(Bob, "get", "nodes", "ns1", name: "n"));
        Assert.True(result.Allowed);
        Assert.Null(result.EvaluationError);
    }

    [Fact]
    public void Cluster_scope_requests_do_not_evaluate_RoleBindings()
    {
        // The missing Role in ns1 is not even looked up for a cluster-scoped request.
        var result = Authorizer.Authorize(Res(Builder, "get", "nodes", "", name: "n"));
        Assert.Equal(new AuthorizationResult(false, "", null), result);
    }

    [Fact]
    public void RBAC_does_not_know_which_resources_are_namespaced()
    {
        // A SubjectAccessReview about nodes "in" ns1 is answered from ns1's RoleBindings.
        Assert.True(Authorizer.Authorize(Res(Bob, "list", "nodes", "ns1")).Allowed);
    }

    [Fact]
    public void Unsupported_roleRef_kind_is_an_error()
    {
        var result = Authorizer.Authorize(Res(User("dave"), "delete", "nodes", "ns6", name: "n"));
        Assert.Equal("RBAC: unsupported role reference kind: \"Robot\"", result.Reason);
    }

    [Fact]
    public void Reasons_quote_names_like_Go()
    {
        var policy = new InMemoryRbacPolicy();
        policy.Add(ClusterRole("r\"1", Rule("get", "", "pods")));
        policy.Add(Crb("b\\1", "r\"1", UserSubject("u")));
        var result = new RbacAuthorizer(policy).Authorize(Res(User("u"), "get", "pods", "ns1"));
        Assert.Equal("RBAC: allowed by ClusterRoleBinding \"b\\\\1\" of ClusterRole \"r\\\"1\" to User \"u\"", result.Reason);
    }

    [Fact]
    public void Bindings_are_evaluated_ClusterRoleBindings_first_then_by_name()
    {
        var policy = new InMemoryRbacPolicy();
        policy.Add(ClusterRole("reader", Rule("get", "", "pods")));
        policy.Add(Rb("ns1", "a-rb", "ClusterRole", "reader", UserSubject("u")));
        policy.Add(Crb("z-crb", "reader", UserSubject("u")));
        policy.Add(Crb("m-crb", "reader", UserSubject("u")));
        var result = new RbacAuthorizer(policy).Authorize(Res(User("u"), "get", "pods", "ns1"));
        Assert.Equal("RBAC: allowed by ClusterRoleBinding \"m-crb\" of ClusterRole \"reader\" to User \"u\"", result.Reason);
    }

    [Fact]
    public void The_first_applying_subject_is_named()
    {
        var policy = new InMemoryRbacPolicy();
        policy.Add(ClusterRole("reader", Rule("get", "", "pods")));
        policy.Add(Rb("ns1", "rb", "ClusterRole", "reader", UserSubject("other"), GroupSubject("g"), SaSubject("app")));
        var result = new RbacAuthorizer(policy).Authorize(Res(ServiceAccountIdentity.ForServiceAccount("ns1", "app") with { Groups = ["g"] }, "get", "pods", "ns1"));
        Assert.Equal("RBAC: allowed by RoleBinding \"rb/ns1\" of ClusterRole \"reader\" to Group \"g\"", result.Reason);
    }

    [Fact]
    public void Policy_changes_are_seen_by_later_decisions()
    {
        var policy = new InMemoryRbacPolicy();
        var authorizer = new RbacAuthorizer(policy);
        var request = Res(User("u"), "get", "pods", "ns1");
        Assert.False(authorizer.Authorize(request).Allowed);
        policy.Add(ClusterRole("reader", Rule("get", "", "pods")));
        policy.Add(Rb("ns1", "rb", "ClusterRole", "reader", UserSubject("u")));
        Assert.True(authorizer.Authorize(request).Allowed);
        Assert.True(policy.RemoveRoleBinding("ns1", "rb"));
        Assert.False(authorizer.Authorize(request).Allowed);
    }
}
