using K8sServiceAccount.Client.Rbac;

namespace K8sServiceAccount.Client.Tests.Rbac;

public sealed class BootstrapPolicyTests
{
    [Fact]
    public void Every_object_carries_the_bootstrap_label_and_autoupdate_annotation()
    {
        foreach (var role in BootstrapPolicy.ClusterRoles)
        {
            Assert.Equal("rbac-defaults", role.Metadata.Labels![BootstrapPolicy.BootstrappingLabel]);
            Assert.Equal("true", role.Metadata.Annotations![BootstrapPolicy.AutoUpdateAnnotation]);
        }
        foreach (var binding in BootstrapPolicy.ClusterRoleBindings)
        {
            Assert.Equal("rbac-defaults", binding.Metadata.Labels![BootstrapPolicy.BootstrappingLabel]);
            Assert.Equal("ClusterRole", binding.RoleRef.Kind);
            Assert.Equal(binding.Metadata.Name, binding.RoleRef.Name);
        }
    }

    [Fact]
    public void Bindings_and_their_groups()
    {
        var groups = BootstrapPolicy.ClusterRoleBindings.ToDictionary(b => b.Metadata.Name!, b => string.Join(",", b.Subjects!.Select(s => s.Kind + ":" + s.Name)));
        Assert.Equal("Group:system:masters", groups["cluster-admin"]);
        Assert.Equal("Group:system:authenticated", groups["system:discovery"]);
        Assert.Equal("Group:system:authenticated", groups["system:basic-user"]);
        Assert.Equal("Group:system:authenticated,Group:system:unauthenticated", groups["system:public-info-viewer"]);
        Assert.Equal("Group:system:serviceaccounts", groups["system:service-account-issuer-discovery"]);
        Assert.Equal("Group:system:monitoring", groups["system:monitoring"]);
        Assert.False(groups.ContainsKey("system:auth-delegator"));
        Assert.False(groups.ContainsKey("view"));
    }

    [Fact]
    public void Aggregated_roles_keep_their_aggregationRule_and_carry_the_aggregated_rules()
    {
        var roles = BootstrapPolicy.ClusterRoles.ToDictionary(r => r.Metadata.Name!);
        var view = roles["view"];
        Assert.NotNull(view.AggregationRule);
        Assert.Equal("true", view.Metadata.Labels![BootstrapPolicy.AggregateToEditLabel]);
        Assert.Equal(roles["system:aggregate-to-view"].Rules!.Count, view.Rules!.Count);
        // edit = aggregate-to-edit + view (name order: "system:aggregate-to-edit" < "view").
        Assert.Equal(roles["system:aggregate-to-edit"].Rules!.Count + view.Rules.Count, roles["edit"].Rules!.Count);
        // admin = edit + aggregate-to-admin ("edit" < "system:aggregate-to-admin"), duplicates dropped.
        var admin = roles["admin"].Rules!;
        Assert.Equal(roles["edit"].Rules!.Count + 2, admin.Count);
        Assert.True(PolicyRules.AreEqual(roles["edit"].Rules![0], admin[0]));
    }

    [Fact]
    public void Lists_are_sorted_as_the_bootstrap_builder_sorts_them()
    {
        var discovery = BootstrapPolicy.ClusterRoles.Single(r => r.Metadata.Name == "system:discovery");
        Assert.Equal(["/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*", "/readyz", "/version", "/version/"], discovery.Rules![0].NonResourceURLs!);
        var adminExtra = BootstrapPolicy.ClusterRoles.Single(r => r.Metadata.Name == "system:aggregate-to-admin").Rules![1];
        Assert.Equal(["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], adminExtra.Verbs!);
        Assert.Equal(["rolebindings", "roles"], adminExtra.Resources!);
    }

    [Fact]
    public void Each_access_returns_independent_copies()
    {
        var first = BootstrapPolicy.ClusterRoles;
        first[0].Rules!.Clear();
        Assert.NotEmpty(BootstrapPolicy.ClusterRoles[0].Rules!);
    }
}
