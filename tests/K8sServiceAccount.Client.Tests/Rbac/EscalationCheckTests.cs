using K8sServiceAccount.Client.Models;
using K8sServiceAccount.Client.Rbac;
using static K8sServiceAccount.Client.Tests.Rbac.R;

namespace K8sServiceAccount.Client.Tests.Rbac;

/// <summary>Escalation prevention (K8S-SEMANTICS §1.8), including scenarios E1–E12 at the engine level.</summary>
public sealed class EscalationCheckTests
{
    private const string Rbac = "rbac.authorization.k8s.io";
    private static readonly UserInfo U = User("u", "system:authenticated");
    private const string NotHeldPrefix = "user \"u\" (groups=[\"system:authenticated\"]) is attempting to grant RBAC permissions not currently held:\n";

    private static RbacAuthorizer AuthorizerWith(params object[] objects)
    {
        var policy = InMemoryRbacPolicy.WithBootstrapPolicy();
        foreach (var o in objects)
        {
            switch (o)
            {
                case ClusterRole cr: policy.Add(cr); break;
                case Role r: policy.Add(r); break;
                case RoleBinding rb: policy.Add(rb); break;
                case ClusterRoleBinding crb: policy.Add(crb); break;
            }
        }
        return new RbacAuthorizer(policy);
    }

    /// <summary>E1–E3 setup: RoleBinding in ns1 → ClusterRole{create roles; get,list pods}.</summary>
    private static RbacAuthorizer RoleCreatorInNs1() => AuthorizerWith(
        ClusterRole("role-creator", Rule("create", Rbac, "roles"), Rule("get,list", "", "pods")),
        Rb("ns1", "u-role-creator", "ClusterRole", "role-creator", UserSubject("u")));

    [Fact]
    public void E1_creating_a_covered_Role_is_allowed()
    {
        var authorizer = RoleCreatorInNs1();
        Assert.True(authorizer.Authorize(Res(U, "create", "roles", "ns1", Rbac)).Allowed);
        var decision = EscalationCheck.CheckRoleWrite(authorizer, U, "Role", "ns1", "pod-getter", "", [Rule("get", "", "pods")]);
        Assert.Equal(EscalationVerdict.AllowedCovered, decision.Verdict);
        Assert.True(decision.Allowed);
        Assert.Null(decision.Message);
    }

    [Fact]
    public void E2_creating_a_Role_with_permissions_not_held_is_forbidden_with_the_real_message()
    {
        var decision = EscalationCheck.CheckRoleWrite(RoleCreatorInNs1(), U, "Role", "ns1", "secret-getter", "", [Rule("get", "", "secrets")]);
        Assert.Equal(EscalationVerdict.Forbidden, decision.Verdict);
        Assert.Equal("roles.rbac.authorization.k8s.io \"secret-getter\" is forbidden: " + NotHeldPrefix + "{APIGroups:[\"\"], Resources:[\"secrets\"], Verbs:[\"get\"]}", decision.Message);
    }

    [Fact]
    public void E3_creating_a_Role_in_another_namespace_is_refused_by_the_authorizer()
    {
        Assert.False(RoleCreatorInNs1().Authorize(Res(U, "create", "roles", "ns2", Rbac)).Allowed);
    }

    [Fact]
    public void E4_namespace_permissions_do_not_cover_a_ClusterRole()
    {
        var namespaced = AuthorizerWith(
            ClusterRole("rc", Rule("create", Rbac, "roles"), Rule("get", "", "pods")),
            Rb("ns1", "b", "ClusterRole", "rc", UserSubject("u")));
        Assert.False(namespaced.Authorize(Res(U, "create", "clusterroles", "", Rbac)).Allowed);

        var withClusterCreate = AuthorizerWith(
            ClusterRole("rc", Rule("create", Rbac, "roles"), Rule("get", "", "pods")),
            Rb("ns1", "b", "ClusterRole", "rc", UserSubject("u")),
            ClusterRole("cr-creator", Rule("create", Rbac, "clusterroles")),
            Crb("u-cr-creator", "cr-creator", UserSubject("u")));
        Assert.True(withClusterCreate.Authorize(Res(U, "create", "clusterroles", "", Rbac)).Allowed);
        var decision = EscalationCheck.CheckRoleWrite(withClusterCreate, U, "ClusterRole", "", "pod-getter", "", [Rule("get", "", "pods")]);
        Assert.Equal("clusterroles.rbac.authorization.k8s.io \"pod-getter\" is forbidden: " + NotHeldPrefix + "{APIGroups:[\"\"], Resources:[\"pods\"], Verbs:[\"get\"]}", decision.Message);
    }

    [Fact]
    public void E5_escalate_allows_any_Role()
    {
        var authorizer = AuthorizerWith(
            Role("ns1", "escalator", Rule("create,escalate", Rbac, "roles")),
            Rb("ns1", "b", "Role", "escalator", UserSubject("u")));
        var decision = EscalationCheck.CheckRoleWrite(authorizer, U, "Role", "ns1", "god", "", [Rule("*", "*", "*")]);
        Assert.Equal(EscalationVerdict.AllowedByVerb, decision.Verdict);
    }

    [Fact]
    public void Escalate_limited_by_resourceNames_does_not_help_a_create()
    {
        var authorizer = AuthorizerWith(
            Role("ns1", "escalator", Rule("create", Rbac, "roles"), Rule("escalate", Rbac, "roles", "god")),
            Rb("ns1", "b", "Role", "escalator", UserSubject("u")));
        Assert.Equal(EscalationVerdict.Forbidden, EscalationCheck.CheckRoleWrite(authorizer, U, "Role", "ns1", "god", "", [Rule("*", "*", "*")]).Verdict);
        Assert.Equal(EscalationVerdict.AllowedByVerb, EscalationCheck.CheckRoleWrite(authorizer, U, "Role", "ns1", "god", "god", [Rule("*", "*", "*")]).Verdict);
    }

    private static RbacAuthorizer BindingCreatorInNs1(params object[] extra) => AuthorizerWith(
        [Role("ns1", "rb-creator", Rule("create", Rbac, "rolebindings")), Rb("ns1", "u-rb-creator", "Role", "rb-creator", UserSubject("u")), .. extra]);

    private static RoleRef ClusterRoleRef(string name) => new() { ApiGroup = Rbac, Kind = "ClusterRole", Name = name };

    [Fact]
    public void E6_binding_view_without_holding_it_is_forbidden()
    {
        var decision = EscalationCheck.CheckBindingWrite(BindingCreatorInNs1(), U, "RoleBinding", "ns1", "viewers", ClusterRoleRef("view"));
        Assert.Equal(EscalationVerdict.Forbidden, decision.Verdict);
        Assert.StartsWith("rolebindings.rbac.authorization.k8s.io \"viewers\" is forbidden: " + NotHeldPrefix, decision.Message);
        var lines = decision.Message!.Split('\n').Skip(1).ToList();
        Assert.Contains("{APIGroups:[\"\"], Resources:[\"pods\"], Verbs:[\"get\" \"list\" \"watch\"]}", lines);
        Assert.Equal(lines.Order(StringComparer.Ordinal), lines);
        Assert.Equal(lines.Count, lines.Distinct().Count());
    }

    [Fact]
    public void E7_bind_on_the_named_ClusterRole_allows_the_binding()
    {
        var authorizer = BindingCreatorInNs1(
            Role("ns1", "view-binder", Rule("bind", Rbac, "clusterroles", "view")),
            Rb("ns1", "u-view-binder", "Role", "view-binder", UserSubject("u")));
        var decision = EscalationCheck.CheckBindingWrite(authorizer, U, "RoleBinding", "ns1", "viewers", ClusterRoleRef("view"));
        Assert.Equal(EscalationVerdict.AllowedByVerb, decision.Verdict);
        // E8: the same grant does not extend to edit.
        Assert.Equal(EscalationVerdict.Forbidden, EscalationCheck.CheckBindingWrite(authorizer, U, "RoleBinding", "ns1", "editors", ClusterRoleRef("edit")).Verdict);
        // bind is namespace-specific: the same binding in ns2 is not covered.
        Assert.Equal(EscalationVerdict.Forbidden, EscalationCheck.CheckBindingWrite(authorizer, U, "RoleBinding", "ns2", "viewers", ClusterRoleRef("view")).Verdict);
    }

    [Fact]
    public void E9_cluster_admin_binding_may_bind_a_missing_ClusterRole()
    {
        var authorizer = AuthorizerWith(Crb("u-admin", "cluster-admin", UserSubject("u")));
        var decision = EscalationCheck.CheckBindingWrite(authorizer, U, "ClusterRoleBinding", "", "x", ClusterRoleRef("does-not-exist"));
        Assert.Equal(EscalationVerdict.AllowedByVerb, decision.Verdict);
    }

    [Fact]
    public void E10_binding_a_missing_Role_without_bind_is_NotFound()
    {
        var decision = EscalationCheck.CheckBindingWrite(BindingCreatorInNs1(), U, "RoleBinding", "ns1", "b", new RoleRef { ApiGroup = Rbac, Kind = "Role", Name = "ghost" });
        Assert.Equal(EscalationVerdict.RoleNotFound, decision.Verdict);
        Assert.Equal("roles.rbac.authorization.k8s.io \"ghost\" not found", decision.Message);
        Assert.Equal(("roles", "ghost"), decision.NotFound);
    }

    [Fact]
    public void E11_aggregationRule_needs_full_authority()
    {
        var authorizer = AuthorizerWith(
            ClusterRole("almost", Rule("get,list,watch,create,update,patch,delete,deletecollection", "*", "*"), Urls("*", "*")),
            Crb("u-almost", "almost", UserSubject("u")));
        var decision = EscalationCheck.CheckRoleWrite(authorizer, U, "ClusterRole", "", "agg", "", [], usesAggregationRule: true);
        Assert.Equal(EscalationVerdict.Forbidden, decision.Verdict);
        Assert.Equal("clusterroles.rbac.authorization.k8s.io \"agg\" is forbidden: must have cluster-admin privileges to use the aggregationRule", decision.Message);
        // Without the aggregation rule the same (empty) role is fine.
        Assert.True(EscalationCheck.CheckRoleWrite(authorizer, U, "ClusterRole", "", "agg", "", []).Allowed);
    }

    [Fact]
    public void Cluster_admin_via_binding_may_use_aggregationRule()
    {
        var authorizer = AuthorizerWith(Crb("u-admin", "cluster-admin", UserSubject("u")));
        Assert.True(EscalationCheck.CheckRoleWrite(authorizer, U, "ClusterRole", "", "agg", "", [], usesAggregationRule: true).Allowed);
    }

    [Fact]
    public void E12_system_masters_bypass_every_check()
    {
        var master = User("root", "system:masters", "system:authenticated");
        var authorizer = new RbacAuthorizer(new InMemoryRbacPolicy());
        Assert.Equal(EscalationVerdict.AllowedPrivilegedGroup, EscalationCheck.CheckRoleWrite(authorizer, master, "ClusterRole", "", "x", "", [Rule("*", "*", "*")], usesAggregationRule: true).Verdict);
        Assert.Equal(EscalationVerdict.AllowedPrivilegedGroup, EscalationCheck.CheckBindingWrite(authorizer, master, "RoleBinding", "ns1", "b", new RoleRef { Kind = "Role", Name = "ghost" }).Verdict);
    }

    [Fact]
    public void Binding_check_resolves_a_Role_in_the_binding_namespace_and_uses_held_rules()
    {
        var authorizer = BindingCreatorInNs1(
            Role("ns1", "pod-reader", Rule("get", "", "pods")),
            Role("ns1", "has-pods", Rule("get,list", "", "pods")),
            Rb("ns1", "u-has-pods", "Role", "has-pods", UserSubject("u")));
        var decision = EscalationCheck.CheckBindingWrite(authorizer, U, "RoleBinding", "ns1", "b", new RoleRef { ApiGroup = Rbac, Kind = "Role", Name = "pod-reader" });
        Assert.Equal(EscalationVerdict.AllowedCovered, decision.Verdict);
    }

    [Fact]
    public void Resolution_errors_are_appended_to_the_message()
    {
        var authorizer = AuthorizerWith(
            Role("ns1", "rc", Rule("create", Rbac, "roles")),
            Rb("ns1", "b1", "Role", "rc", UserSubject("u")),
            Rb("ns1", "b2", "Role", "missing", UserSubject("u")));
        var decision = EscalationCheck.CheckRoleWrite(authorizer, U, "Role", "ns1", "r", "", [Rule("get", "", "pods")]);
        Assert.EndsWith("{APIGroups:[\"\"], Resources:[\"pods\"], Verbs:[\"get\"]}; resolution errors: [roles.rbac.authorization.k8s.io \"missing\" not found]", decision.Message);
    }

    public static TheoryData<string, PolicyRule[], PolicyRule[], bool> CoverCases => new()
    {
        { "same rule", [Rule("get", "", "pods")], [Rule("get", "", "pods")], true },
        { "verb subset", [Rule("get,list,watch", "", "pods")], [Rule("list", "", "pods")], true },
        { "verb superset", [Rule("get", "", "pods")], [Rule("get,list", "", "pods")], false },
        { "split over two owner rules", [Rule("get", "", "pods"), Rule("list", "", "pods")], [Rule("get,list", "", "pods")], true },
        { "owner * verbs", [Rule("*", "", "pods")], [Rule("get,escalate", "", "pods")], true },
        { "requested * verb needs owner *", [Rule("get,list", "", "pods")], [Rule("*", "", "pods")], false },
        { "owner * group", [Rule("get", "*", "pods")], [Rule("get", "apps,", "pods")], true },
        { "owner */scale covers x/scale", [Rule("get", "apps", "*/scale")], [Rule("get", "apps", "deployments/scale")], true },
        { "owner */scale does not cover x", [Rule("get", "apps", "*/scale")], [Rule("get", "apps", "deployments")], false },
        { "owner * resource covers subresource", [Rule("get", "", "*")], [Rule("get", "", "pods/log")], true },
        { "owner names cover those names", [Rule("get", "", "secrets", "a,b")], [Rule("get", "", "secrets", "a")], true },
        { "owner names do not cover other names", [Rule("get", "", "secrets", "a")], [Rule("get", "", "secrets", "b")], false },
        { "owner names do not cover all names", [Rule("get", "", "secrets", "a")], [Rule("get", "", "secrets")], false },
        { "owner without names covers names", [Rule("get", "", "secrets")], [Rule("get", "", "secrets", "a")], true },
        { "URL exact", [Urls("get", "/healthz")], [Urls("get", "/healthz")], true },
        { "URL trailing *", [Urls("get", "/healthz/*")], [Urls("get", "/healthz/etcd")], true },
        { "URL trailing * does not cover parent", [Urls("get", "/healthz/*")], [Urls("get", "/healthz")], false },
        { "URL * covers all", [Urls("*", "*")], [Urls("get,post", "/a,/b/c")], true },
        { "resource owner does not cover URL", [Rule("*", "*", "*")], [Urls("get", "/healthz")], false },
        { "URL owner does not cover resource", [Urls("*", "*")], [Rule("get", "", "pods")], false },
        { "nothing held", [], [Rule("get", "", "pods")], false },
        { "nothing requested", [], [], true },
    };

    [Theory]
    [MemberData(nameof(CoverCases))]
    public void Covers_per_atomic_permission(string description, PolicyRule[] owner, PolicyRule[] requested, bool expected)
    {
        Assert.True(EscalationCheck.Covers(owner, requested, out var missing) == expected, description);
        Assert.Equal(expected, missing.Count == 0);
    }

    [Fact]
    public void Missing_rules_are_compacted_sorted_and_printed_like_the_API_server()
    {
        var requested = new[]
        {
            Rule("get,list", "", "secrets"),
            Rule("get", "apps", "deployments", "web,api"),
            Urls("get,post", "/metrics"),
            Rule("get", "", "pods"),
        };
        Assert.False(EscalationCheck.Covers([Rule("get", "", "pods")], requested, out var missing));
        Assert.Equal(
            "{APIGroups:[\"\"], Resources:[\"secrets\"], Verbs:[\"get\" \"list\"]}\n" +
            "{APIGroups:[\"apps\"], Resources:[\"deployments\"], ResourceNames:[\"api\"], Verbs:[\"get\"]}\n" +
            "{APIGroups:[\"apps\"], Resources:[\"deployments\"], ResourceNames:[\"web\"], Verbs:[\"get\"]}\n" +
            "{NonResourceURLs:[\"/metrics\"], Verbs:[\"get\"]}\n" +
            "{NonResourceURLs:[\"/metrics\"], Verbs:[\"post\"]}",
            EscalationCheck.FormatMissingRules(missing));
    }

    [Fact]
    public void Not_held_message_quotes_user_and_groups_like_Go()
    {
        var message = EscalationCheck.FormatNotHeldMessage(User("system:serviceaccount:ns1:app", "system:serviceaccounts", "system:serviceaccounts:ns1", "system:authenticated"), [Rule("get", "", "secrets")]);
        Assert.Equal("user \"system:serviceaccount:ns1:app\" (groups=[\"system:serviceaccounts\" \"system:serviceaccounts:ns1\" \"system:authenticated\"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[\"\"], Resources:[\"secrets\"], Verbs:[\"get\"]}", message);
    }
}
