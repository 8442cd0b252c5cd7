using K8sServiceAccount.Client.Models;
using K8sServiceAccount.Client.Rbac;
using static K8sServiceAccount.Client.Tests.Rbac.R;

namespace K8sServiceAccount.Client.Tests.Rbac;

/// <summary>RulesFor (SSRR semantics), Explain and SubjectsThatCan.</summary>
public sealed class RuleResolutionTests
{
    private static readonly UserInfo App = Sa("ns1", "app");

    private static RbacAuthorizer Build()
    {
        var policy = InMemoryRbacPolicy.WithBootstrapPolicy();
        policy.Add(ClusterRole("pod-reader", Rule("get,list", "", "pods")));
        policy.Add(ClusterRole("pod-lister", Rule("list", "", "pods"), Rule("get", "", "configmaps")));
        policy.Add(Role("ns1", "cm", Rule("get", "", "configmaps", "settings")));
        policy.Add(Crb("readers", "pod-reader", GroupSubject("system:serviceaccounts:ns1"), UserSubject("alice")));
        policy.Add(Rb("ns1", "listers", "ClusterRole", "pod-lister", SaSubject("app"), SaSubject("other", "ns9")));
        policy.Add(Rb("ns1", "cm", "Role", "cm", SaSubject("app", "ns1")));
        policy.Add(Rb("ns1", "broken", "Role", "nope", SaSubject("app")));
        policy.Add(Rb("ns2", "elsewhere", "ClusterRole", "cluster-admin", SaSubject("app", "ns1")));
        policy.Add(Crb("sa-no-ns", "pod-reader", SaSubject("ghost")));
        return new RbacAuthorizer(policy);
    }

    [Fact]
    public void RulesFor_returns_each_rule_as_is_with_its_source_and_the_lookup_errors()
    {
        var resolution = Build().RulesFor(App, "ns1");
        var descriptions = resolution.Grants.Select(g => g.Source.ToString()).Distinct().ToList();
        Assert.Equal(
        [
            "ClusterRoleBinding \"readers\" of ClusterRole \"pod-reader\" to Group \"system:serviceaccounts:ns1\"",
            "ClusterRoleBinding \"system:basic-user\" of ClusterRole \"system:basic-user\" to Group \"system:authenticated\"",
            "ClusterRoleBinding \"system:discovery\" of ClusterRole \"system:discovery\" to Group \"system:authenticated\"",
            "ClusterRoleBinding \"system:public-info-viewer\" of ClusterRole \"system:public-info-viewer\" to Group \"system:authenticated\"",
            "ClusterRoleBinding \"system:service-account-issuer-discovery\" of ClusterRole \"system:service-account-issuer-discovery\" to Group \"system:serviceaccounts\"",
            "RoleBinding \"cm/ns1\" of Role \"cm\" to ServiceAccount \"app/ns1\"",
            "RoleBinding \"listers/ns1\" of ClusterRole \"pod-lister\" to ServiceAccount \"app/ns1\"",
        ], descriptions);
        // Rules are not merged: pod-lister contributes two separate rules.
        Assert.Equal(2, resolution.Grants.Count(g => g.Source.RoleName == "pod-lister"));
        Assert.Equal(["role.rbac.authorization.k8s.io \"nope\" not found"], resolution.Errors);
        Assert.Equal("role.rbac.authorization.k8s.io \"nope\" not found", resolution.EvaluationError);
        Assert.Equal(resolution.Grants.Count, resolution.Rules.Count());
    }

    [Fact]
    public void RulesFor_cluster_scope_uses_only_ClusterRoleBindings()
    {
        var resolution = Build().RulesFor(App, "");
        Assert.All(resolution.Grants, g => Assert.True(g.Source.IsClusterWide));
        Assert.Empty(resolution.Errors);
        Assert.Null(resolution.EvaluationError);
    }

    [Fact]
    public void Explain_lists_every_grant_that_allows_the_request()
    {
        var grants = Build().Explain(Res(App, "list", "pods", "ns1"));
        Assert.Equal(
        [
            "ClusterRoleBinding \"readers\" of ClusterRole \"pod-reader\" to Group \"system:serviceaccounts:ns1\"",
            "RoleBinding \"listers/ns1\" of ClusterRole \"pod-lister\" to ServiceAccount \"app/ns1\"",
        ], grants.Select(g => g.Source.ToString()));
        Assert.Equal(["get", "list"], grants[0].Rule.Verbs!);
        Assert.Equal("ns1", grants[1].Source.Scope);
        Assert.Equal("", grants[0].Source.Scope);
    }

    [Fact]
    public void Explain_is_empty_when_nothing_allows()
    {
        Assert.Empty(Build().Explain(Res(App, "delete", "pods", "ns1", name: "p")));
    }

    [Fact]
    public void SubjectsThatCan_lists_subjects_with_effective_namespaces()
    {
        var grants = Build().SubjectsThatCan(Res(User("ignored"), "list", "pods", "ns1"), out var errors);
        var subjects = grants.Select(g => $"{g.Subject.Kind}:{g.Subject.Name}/{g.Subject.Namespace}@{g.Source.BindingName}").ToList();
        Assert.Contains("Group:system:masters/@cluster-admin", subjects);
        Assert.Contains("Group:system:serviceaccounts:ns1/@readers", subjects);
        Assert.Contains("User:alice/@readers", subjects);
        Assert.Contains("ServiceAccount:app/ns1@listers", subjects);
        Assert.Contains("ServiceAccount:other/ns9@listers", subjects);
        // A ServiceAccount subject without namespace in a ClusterRoleBinding matches nobody.
        Assert.DoesNotContain(subjects, s => s.Contains("ghost"));
        // Bindings of other namespaces do not count.
        Assert.DoesNotContain(subjects, s => s.EndsWith("@elsewhere"));
        Assert.Equal(["role.rbac.authorization.k8s.io \"nope\" not found"], errors);
        // The written subject keeps its missing namespace.
        Assert.Null(grants.Single(g => g.Subject.Name == "app").Source.Subject.Namespace);
    }

    [Fact]
    public void SubjectsThatCan_for_cluster_scope_and_non_resource_paths()
    {
        var authorizer = Build();
        var clusterScope = authorizer.SubjectsThatCan(Res(User("x"), "list", "pods"));
        Assert.DoesNotContain(clusterScope, g => g.Source.BindingName == "listers");
        var discovery = authorizer.SubjectsThatCan(Path(User("x"), "get", "/version"));
        Assert.Equal(["cluster-admin", "system:discovery", "system:public-info-viewer", "system:public-info-viewer"], discovery.Select(g => g.Source.BindingName));
    }

    [Fact]
    public void GetRoleReferenceRules_resolves_like_the_authorizer()
    {
        var authorizer = Build();
        Assert.NotNull(authorizer.GetRoleReferenceRules(new RoleRef { Kind = "Role", Name = "cm" }, "ns1", out var none));
        Assert.Null(none);
        Assert.Null(authorizer.GetRoleReferenceRules(new RoleRef { Kind = "Role", Name = "cm" }, "ns2", out var error));
        Assert.Equal("role.rbac.authorization.k8s.io \"cm\" not found", error);
        Assert.Null(authorizer.GetRoleReferenceRules(new RoleRef { Kind = "ClusterRole", Name = "zzz" }, "", out error));
        Assert.Equal("clusterrole.rbac.authorization.k8s.io \"zzz\" not found", error);
    }
}

public sealed class RuleResolutionEdgeTests
{
    [Fact]
    public void Resource_and_non_resource_rules_are_split_as_SelfSubjectRulesReview_does()
    {
        var authorizer = new RbacAuthorizer(InMemoryRbacPolicy.WithBootstrapPolicy());
        var resolution = authorizer.RulesFor(Sa("ns1", "app"), "ns1");
        Assert.Equal(["selfsubjectaccessreviews", "selfsubjectrulesreviews", "selfsubjectreviews"], resolution.ResourceRules.SelectMany(r => r.Resources!));
        Assert.Contains("/openid/v1/jwks", resolution.NonResourceRules.SelectMany(r => r.NonResourceURLs!));
        Assert.Equal(resolution.Grants.Count, resolution.ResourceRules.Count() + resolution.NonResourceRules.Count());
    }

    [Fact]
    public void Non_resource_requests_ignore_a_namespace_and_RoleBindings()
    {
        var policy = new InMemoryRbacPolicy();
        policy.Add(ClusterRole("urls", Urls("get", "/metrics")));
        policy.Add(Rb("ns1", "rb", "ClusterRole", "urls", UserSubject("u")));
        var request = Path(User("u"), "get", "/metrics") with { Namespace = "ns1" };
        Assert.False(new RbacAuthorizer(policy).Authorize(request).Allowed);
    }

    [Fact]
    public void Concurrent_reads_and_writes_are_safe()
    {
        var policy = new InMemoryRbacPolicy();
        policy.Add(ClusterRole("reader", Rule("get", "", "pods")));
        var authorizer = new RbacAuthorizer(policy);
        var failures = 0;
        Parallel.For(0, 2000, i =>
        {
            if (i % 10 == 0)
            {
                policy.Add(Rb("ns" + (i % 7), "rb" + i, "ClusterRole", "reader", UserSubject("u" + i)));
            }
            else
            {
                var result = authorizer.Authorize(Res(User("u" + (i - i % 10)), "get", "pods", "ns" + ((i - i % 10) % 7)));
                if (result.Allowed && !result.Reason.StartsWith("RBAC: allowed by RoleBinding", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref failures);
                }
            }
        });
        Assert.Equal(0, failures);
        Assert.Equal(200, policy.RoleBindings.Count);
        Assert.True(authorizer.Authorize(Res(User("u1990"), "get", "pods", "ns" + (1990 % 7))).Allowed);
    }
}
