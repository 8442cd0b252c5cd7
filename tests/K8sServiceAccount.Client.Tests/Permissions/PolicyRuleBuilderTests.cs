using K8sServiceAccount.Client.Permissions;
using K8sServiceAccount.Client.Rbac;

namespace K8sServiceAccount.Client.Tests.Permissions;

public sealed class PolicyRuleBuilderTests
{
    private static string Text(IEnumerable<K8sServiceAccount.Client.Models.PolicyRule> rules) => string.Join(" ", rules.Select(EscalationCheck.CompactString));

    [Fact]
    public void Groups_rules_by_api_group_like_kubectl()
    {
        var rules = PolicyRuleBuilder.Build(new PolicyRuleRequest
        {
            Verbs = ["get", "list", "get"],
            Resources = ["pods", "deployments.apps", "pods/status", "replicasets.apps"],
            ResourceNames = ["a"],
        }, RoleScope.Role);
        Assert.Equal(
            "{APIGroups:[\"\"], Resources:[\"pods\" \"pods/status\"], ResourceNames:[\"a\"], Verbs:[\"get\" \"list\"]} " +
            "{APIGroups:[\"apps\"], Resources:[\"deployments\" \"replicasets\"], ResourceNames:[\"a\"], Verbs:[\"get\" \"list\"]}",
            Text(rules));
    }

    [Fact]
    public void Explicit_groups_make_one_rule_the_classic_deployer()
    {
        var rules = PolicyRuleBuilder.Build(new PolicyRuleRequest
        {
            Verbs = ["get", "update"],
            Resources = ["deployments", "deployments/scale"],
            Groups = ["apps", "extensions"],
        }, RoleScope.Role);
        Assert.Equal("{APIGroups:[\"apps\" \"extensions\"], Resources:[\"deployments\" \"deployments/scale\"], Verbs:[\"get\" \"update\"]}", Text(rules));
    }

    [Fact]
    public void ClusterRole_takes_non_resource_urls()
    {
        var rules = PolicyRuleBuilder.Build(new PolicyRuleRequest { Verbs = ["get"], NonResourceUrls = ["/healthz", "/logs/*", "*"] }, RoleScope.ClusterRole);
        Assert.Equal("{NonResourceURLs:[\"/healthz\" \"/logs/*\" \"*\"], Verbs:[\"get\"]}", Text(rules));
    }

    [Theory]
    [InlineData(new string[0], new[] { "pods" }, new string[0], "InvalidVerb", "at least one verb must be specified")]
    [InlineData(new[] { "get" }, new string[0], new string[0], "InvalidResource", "at least one resource must be specified")]
    [InlineData(new[] { "bind" }, new[] { "pods" }, new string[0], "InvalidVerb", "can not perform 'bind' on 'pods' in group ''")]
    [InlineData(new[] { "escalate" }, new[] { "roles.example.com" }, new string[0], "InvalidVerb", "can not perform 'escalate' on 'roles' in group 'example.com'")]
    [InlineData(new[] { "use" }, new[] { "pods" }, new string[0], "InvalidVerb", "can not perform 'use' on 'pods' in group ''")]
    [InlineData(new[] { "impersonate" }, new[] { "secrets" }, new string[0], "InvalidVerb", "can not perform 'impersonate' on 'secrets' in group ''")]
    [InlineData(new[] { "get" }, new string[0], new[] { "/healthz" }, "InvalidNonResourceUrl", "namespaced rules cannot apply to non-resource URLs")]
    public void Role_rules_are_checked_before_any_request(string[] verbs, string[] resources, string[] urls, string errorId, string message)
    {
        var error = Assert.Throws<K8sClientException>(() => PolicyRuleBuilder.Build(
            new PolicyRuleRequest { Verbs = verbs, Resources = resources, NonResourceUrls = urls }, RoleScope.Role));
        Assert.Equal(errorId, error.ErrorId);
        Assert.StartsWith(message, error.Message);
    }

    [Theory]
    [InlineData("get", "healthz", "InvalidNonResourceUrl", "nonResourceURL should start with /")]
    [InlineData("get", "/logs/*/x", "InvalidNonResourceUrl", "nonResourceURL only supports wildcard matches when '*' is at the end")]
    [InlineData("list", "/healthz", "InvalidVerb", "invalid verb: 'list' for nonResourceURL")]
    public void Non_resource_urls_are_checked(string verb, string url, string errorId, string message)
    {
        var error = Assert.Throws<K8sClientException>(() => PolicyRuleBuilder.Build(new PolicyRuleRequest { Verbs = [verb], NonResourceUrls = [url] }, RoleScope.ClusterRole));
        Assert.Equal(errorId, error.ErrorId);
        Assert.StartsWith(message, error.Message);
    }

    [Fact]
    public void Special_verbs_are_fine_on_their_own_resources_and_nonstandard_verbs_warn()
    {
        var warnings = new List<string>();
        PolicyRuleBuilder.Build(new PolicyRuleRequest { Verbs = ["bind", "escalate"], Resources = ["roles.rbac.authorization.k8s.io", "clusterroles.rbac.authorization.k8s.io"] }, RoleScope.ClusterRole);
        PolicyRuleBuilder.Build(new PolicyRuleRequest { Verbs = ["impersonate"], Resources = ["serviceaccounts", "users", "groups", "userextras.authentication.k8s.io/scopes"] }, RoleScope.ClusterRole);
        PolicyRuleBuilder.Build(new PolicyRuleRequest { Verbs = ["approve"], Resources = ["certificatesigningrequests.certificates.k8s.io"] }, RoleScope.ClusterRole, warnings);
        Assert.Equal(["'approve' is not a standard resource verb"], warnings);
        // "*" is not checked against special verbs.
        PolicyRuleBuilder.Build(new PolicyRuleRequest { Verbs = ["bind"], Resources = ["*"] }, RoleScope.ClusterRole);
    }

    [Fact]
    public async Task With_discovery_short_names_are_expanded_and_unknown_types_fail()
    {
        var fake = new FakeKubernetes(r => DiscoveryFixture.Answer(r.Path) ?? throw FakeKubernetes.Error(404, "NotFound", "nope"));
        var resolver = new ResourceNameResolver(fake);
        var rules = await PolicyRuleBuilder.BuildAsync(new PolicyRuleRequest { Verbs = ["get"], Resources = ["rs.apps", "sa", "deploy/scale"] }, RoleScope.Role, resolver);
        Assert.Equal(
            "{APIGroups:[\"\"], Resources:[\"serviceaccounts\"], Verbs:[\"get\"]} {APIGroups:[\"apps\"], Resources:[\"replicasets\" \"deployments/scale\"], Verbs:[\"get\"]}",
            Text(rules));
        var error = await Assert.ThrowsAsync<K8sClientException>(() => PolicyRuleBuilder.BuildAsync(new PolicyRuleRequest { Verbs = ["get"], Resources = ["widgets"] }, RoleScope.Role, resolver));
        Assert.Equal(("InvalidResource", "the server doesn't have a resource type 'widgets'"), (error.ErrorId, error.Message));
    }

    [Theory]
    [InlineData(".apps")]
    [InlineData(".")]
    public void A_group_without_a_resource_is_refused_as_kubectl_does(string resource)
    {
        // kubectl create role x --verb=get --resource=.apps: "resource must be specified if apiGroup/subresource specified".
        var error = Assert.Throws<K8sClientException>(() => PolicyRuleBuilder.Build(new PolicyRuleRequest { Verbs = ["get"], Resources = [resource] }, RoleScope.Role));
        Assert.Equal(("InvalidResource", "Resource"), (error.ErrorId, error.Target));
        Assert.StartsWith("resource must be specified if apiGroup/subresource specified", error.Message);
    }

    [Fact]
    public async Task With_discovery_wildcards_in_any_group_are_not_looked_up()
    {
        // kubectl create role x --verb=get --resource='*.*' gives apiGroups ['*'], resources ['*'] (checked with kubectl 1.28).
        var fake = new FakeKubernetes(r => DiscoveryFixture.Answer(r.Path) ?? throw FakeKubernetes.Error(404, "NotFound", "nope"));
        var resolver = new ResourceNameResolver(fake);
        var rules = await PolicyRuleBuilder.BuildAsync(new PolicyRuleRequest { Verbs = ["get"], Resources = ["*.*", "*.apps", "*/scale"] }, RoleScope.Role, resolver);
        Assert.Equal(
            "{APIGroups:[\"\"], Resources:[\"*/scale\"], Verbs:[\"get\"]} {APIGroups:[\"*\"], Resources:[\"*\"], Verbs:[\"get\"]} {APIGroups:[\"apps\"], Resources:[\"*\"], Verbs:[\"get\"]}",
            Text(rules));
    }

    [Fact]
    public async Task With_discovery_special_verbs_take_the_types_discovery_does_not_list()
    {
        // users and groups are authorized but not served; kubectl create clusterrole x --verb=impersonate --resource=users,groups works.
        var fake = new FakeKubernetes(r => DiscoveryFixture.Answer(r.Path) ?? throw FakeKubernetes.Error(404, "NotFound", "nope"));
        var resolver = new ResourceNameResolver(fake);
        var rules = await PolicyRuleBuilder.BuildAsync(
            new PolicyRuleRequest { Verbs = ["impersonate"], Resources = ["users", "groups", "serviceaccounts", "userextras.authentication.k8s.io"] }, RoleScope.ClusterRole, resolver);
        Assert.Equal(
            "{APIGroups:[\"\"], Resources:[\"users\" \"groups\" \"serviceaccounts\"], Verbs:[\"impersonate\"]} {APIGroups:[\"authentication.k8s.io\"], Resources:[\"userextras\"], Verbs:[\"impersonate\"]}",
            Text(rules));
        var bind = await PolicyRuleBuilder.BuildAsync(new PolicyRuleRequest { Verbs = ["bind"], Resources = ["clusterroles"], ResourceNames = ["view"] }, RoleScope.Role, resolver);
        Assert.Equal("{APIGroups:[\"rbac.authorization.k8s.io\"], Resources:[\"clusterroles\"], ResourceNames:[\"view\"], Verbs:[\"bind\"]}", Text(bind));
        var error = await Assert.ThrowsAsync<K8sClientException>(() => PolicyRuleBuilder.BuildAsync(new PolicyRuleRequest { Verbs = ["get"], Resources = ["users"] }, RoleScope.Role, resolver));
        Assert.Equal("InvalidResource", error.ErrorId);
    }

    [Fact]
    public void Without_a_cluster_built_in_types_resolve_as_kubectl_create_role_resolves_them()
    {
        // kubectl create role r --verb=get --resource=deploy,pods/log,rs.apps --dry-run=client -o yaml (1.28):
        // {apiGroups:[""], resources:[pods/log]} and {apiGroups:[apps], resources:[deployments, replicasets]}.
        var warnings = new List<string>();
        var rules = PolicyRuleBuilder.Build(new PolicyRuleRequest { Verbs = ["get"], Resources = ["deploy", "pods/log", "rs.apps"] }, RoleScope.Role, warnings);
        Assert.Equal(
            "{APIGroups:[\"\"], Resources:[\"pods/log\"], Verbs:[\"get\"]} {APIGroups:[\"apps\"], Resources:[\"deployments\" \"replicasets\"], Verbs:[\"get\"]}",
            Text(rules));
        Assert.Empty(warnings);

        // The classic deployer in one group, and special verbs on their resources written without a group.
        Assert.Equal("{APIGroups:[\"apps\"], Resources:[\"deployments\" \"deployments/scale\"], Verbs:[\"get\" \"update\"]}",
            Text(PolicyRuleBuilder.Build(new PolicyRuleRequest { Verbs = ["get", "update"], Resources = ["deployments", "deployments/scale"] }, RoleScope.Role)));
        Assert.Equal("{APIGroups:[\"rbac.authorization.k8s.io\"], Resources:[\"clusterroles\"], ResourceNames:[\"view\"], Verbs:[\"bind\"]}",
            Text(PolicyRuleBuilder.Build(new PolicyRuleRequest { Verbs = ["bind"], Resources = ["clusterroles"], ResourceNames = ["view"] }, RoleScope.Role)));
        Assert.Equal("{APIGroups:[\"apps\" \"extensions\"], Resources:[\"deployments\"], Verbs:[\"get\"]}",
            Text(PolicyRuleBuilder.Build(new PolicyRuleRequest { Verbs = ["get"], Resources = ["deploy"], Groups = ["apps", "extensions"] }, RoleScope.Role)));
    }

    [Fact]
    public void Without_a_cluster_singular_names_and_kinds_of_built_in_types_resolve_as_discovery_resolves_them()
    {
        // kubectl create role resolves --resource=pod or Deployment through the RESTMapper, which knows singular names and
        // kinds: the rules name the plural, in the type's group.
        var warnings = new List<string>();
        var rules = PolicyRuleBuilder.Build(
            new PolicyRuleRequest { Verbs = ["get"], Resources = ["pod", "Deployment", "networkpolicy", "ingress", "endpoints", "componentstatus", "storageclass.storage.k8s.io"] },
            RoleScope.ClusterRole, warnings);
        Assert.Equal(
            "{APIGroups:[\"\"], Resources:[\"pods\" \"endpoints\" \"componentstatuses\"], Verbs:[\"get\"]} " +
            "{APIGroups:[\"apps\"], Resources:[\"deployments\"], Verbs:[\"get\"]} " +
            "{APIGroups:[\"networking.k8s.io\"], Resources:[\"networkpolicies\" \"ingresses\"], Verbs:[\"get\"]} " +
            "{APIGroups:[\"storage.k8s.io\"], Resources:[\"storageclasses\"], Verbs:[\"get\"]}",
            Text(rules));
        Assert.Empty(warnings);
    }

    [Fact]
    public void Without_a_cluster_an_unknown_type_without_a_group_is_kept_in_core_with_a_warning()
    {
        var warnings = new List<string>();
        var rules = PolicyRuleBuilder.Build(new PolicyRuleRequest { Verbs = ["get"], Resources = ["crontabs", "crontabs.stable.example.com"] }, RoleScope.Role, warnings);
        Assert.Equal(
            "{APIGroups:[\"\"], Resources:[\"crontabs\"], Verbs:[\"get\"]} {APIGroups:[\"stable.example.com\"], Resources:[\"crontabs\"], Verbs:[\"get\"]}",
            Text(rules));
        Assert.Equal(["'crontabs' is not a built-in resource type; it is written in the core group. Give crontabs.GROUP (or -ApiGroup) for a custom resource."], warnings);
    }

    [Fact]
    public void Resource_names_with_verbs_they_cannot_restrict_warn()
    {
        var warnings = new List<string>();
        PolicyRuleBuilder.Build(new PolicyRuleRequest { Verbs = ["get", "create", "list"], Resources = ["configmaps"], ResourceNames = ["app-config"] }, RoleScope.Role, warnings);
        Assert.Equal(
            ["resource names never match create, list requests without an object name (create on a collection, deletecollection, or list/watch without a metadata.name field selector), so the rule does not allow them"],
            warnings);
        warnings.Clear();
        PolicyRuleBuilder.Build(new PolicyRuleRequest { Verbs = ["get", "update", "delete"], Resources = ["configmaps"], ResourceNames = ["app-config"] }, RoleScope.Role, warnings);
        Assert.Empty(warnings);
    }
}
