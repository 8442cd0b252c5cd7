using System.Text.Json;
using K8sServiceAccount.Client;
using K8sServiceAccount.Client.Models;
using K8sServiceAccount.Client.Rbac;
using K8sServiceAccount.Client.Permissions;
using K8sServiceAccount.Integration.Tests.LocalApiServer;

namespace K8sServiceAccount.Integration.Tests.Permissions;

/// <summary>
/// Provisioning as the cmdlets do it (the same client calls, step for step), with kubectl 1.28 against the local API
/// server as the independent judge of the end state: <c>kubectl auth can-i --as</c> and <c>kubectl get -o json</c>.
/// </summary>
public sealed class ProvisioningKubectlTests(PermissionsServer server) : IClassFixture<PermissionsServer>
{
    private static string As(string ns, string name) => $"system:serviceaccount:{ns}:{name}";

    private static async Task<string> CanIAsync(Kubectl kubectl, params string[] args)
    {
        var result = await kubectl.RunAsync(["auth", "can-i", .. args]);
        return result.Output.Trim();
    }

    [KubectlFact]
    public async Task Grant_resolves_resources_as_kubectl_create_role_does_and_revoke_takes_them_back()
    {
        // Grant-K8sPermission -ServiceAccount prov-words:sample-sa -Verb get,update -Resource deployments,deploy/scale
        await server.EnsureNamespaceAsync("prov-words");
        using var kubectl = new Kubectl(server.Host.KubeconfigPath);
        var grants = new PermissionGrantOperations(server.Admin);
        var words = new PolicyRuleRequest { Verbs = ["get", "update"], Resources = ["deployments", "deploy/scale"] };
        var sa = PermissionSubject.ServiceAccount("prov-words", "sample-sa");
        var request = new GrantRequest { Subject = sa, Namespace = "prov-words", Rules = await grants.BuildRulesAsync(words, clusterWide: false) };
        var granted = await grants.GrantAsync(request);
        Assert.Equal((GrantAction.Created, GrantAction.Created), (granted.RoleAction, granted.BindingAction));

        Assert.Equal("yes", await CanIAsync(kubectl, "get", "deployments", "-n", "prov-words", "--as", As("prov-words", "sample-sa")));
        Assert.Equal("yes", await CanIAsync(kubectl, "update", "deployments", "--subresource", "scale", "-n", "prov-words", "--as", As("prov-words", "sample-sa")));
        Assert.Equal("no", await CanIAsync(kubectl, "delete", "deployments", "-n", "prov-words", "--as", As("prov-words", "sample-sa")));
        var role = await kubectl.RunAsync("get", "role", granted.Name, "-n", "prov-words", "-o", "json");
        Assert.Equal(0, role.ExitCode);
        var rules = JsonDocument.Parse(role.Output).RootElement.GetProperty("rules");
        Assert.Equal("""[{"apiGroups":["apps"],"resources":["deployments","deployments/scale"],"verbs":["get","update"]}]""", rules.GetRawText().Replace(" ", "").Replace("\n", ""));

        var again = await grants.GrantAsync(request with { Rules = await grants.BuildRulesAsync(words, clusterWide: false) });
        Assert.True(again.Unchanged);

        var revoked = await grants.RevokeAsync(request with { Rules = await grants.BuildRulesAsync(words, clusterWide: false) });
        Assert.Equal((GrantAction.Deleted, GrantAction.Deleted), (revoked.RoleAction, revoked.BindingAction));
        Assert.Equal("no", await CanIAsync(kubectl, "get", "deployments", "-n", "prov-words", "--as", As("prov-words", "sample-sa")));
        Assert.Contains("NotFound", (await kubectl.RunAsync("get", "role", granted.Name, "-n", "prov-words")).Error);
    }

    [KubectlFact]
    public async Task An_aggregating_ClusterRole_and_labelled_objects_read_back_with_kubectl()
    {
        // New-K8sClusterRole prov-monitoring -AggregationRule @{ 'rbac.example.com/aggregate-to-monitoring' = 'true' }
        // New-K8sClusterRole prov-monitoring-pods -Label @{ 'rbac.example.com/aggregate-to-monitoring' = 'true' } -Rule (New-K8sPolicyRule -Verb get,list -Resource pods)
        using var kubectl = new Kubectl(server.Host.KubeconfigPath);
        var objects = new RbacObjectOperations(server.Admin);
        var aggregating = await objects.CreateClusterRoleAsync(new ClusterRole
        {
            Metadata = new ObjectMeta { Name = "prov-monitoring" },
            AggregationRule = new AggregationRule { ClusterRoleSelectors = [new LabelSelector { MatchLabels = new() { ["rbac.example.com/aggregate-to-monitoring"] = "true" } }] },
        });
        Assert.NotNull(aggregating.AggregationRule);
        await objects.CreateClusterRoleAsync(new ClusterRole
        {
            Metadata = new ObjectMeta { Name = "prov-monitoring-pods", Labels = new() { ["rbac.example.com/aggregate-to-monitoring"] = "true" } },
            Rules = [.. PolicyRuleBuilder.Build(new PolicyRuleRequest { Verbs = ["get", "list"], Resources = ["pods"] }, RoleScope.ClusterRole)],
        });
        // The aggregation controller fills prov-monitoring's rules after the create has been answered, as in Kubernetes.
        await server.Host.WaitForControllersAsync();

        var read = await kubectl.RunAsync("get", "clusterrole", "prov-monitoring", "-o", "json");
        Assert.Equal(0, read.ExitCode);
        var json = JsonDocument.Parse(read.Output).RootElement;
        Assert.Equal("true", json.GetProperty("aggregationRule").GetProperty("clusterRoleSelectors")[0].GetProperty("matchLabels").GetProperty("rbac.example.com/aggregate-to-monitoring").GetString());
        Assert.Equal("""[{"apiGroups":[""],"resources":["pods"],"verbs":["get","list"]}]""", json.GetProperty("rules").GetRawText().Replace(" ", "").Replace("\n", ""));
        var labelled = await kubectl.RunAsync("get", "clusterroles", "-l", "rbac.example.com/aggregate-to-monitoring=true", "-o", "name");
        Assert.Equal("clusterrole.rbac.authorization.k8s.io/prov-monitoring-pods", labelled.Output.Trim());

        // New-K8sRoleBinding prov-view -ClusterRole prov-monitoring -ServiceAccount prov-agg:agent -Label @{ app = 'agent' }
        await server.EnsureNamespaceAsync("prov-agg");
        await objects.CreateRoleBindingAsync(new RoleBinding
        {
            Metadata = new ObjectMeta { Name = "prov-view", Namespace = "prov-agg", Labels = new() { ["app"] = "agent" } },
            RoleRef = new RoleRef { Kind = "ClusterRole", Name = "prov-monitoring" },
            Subjects = [new Subject { Kind = "ServiceAccount", Name = "agent", Namespace = "prov-agg" }],
        });
        Assert.Equal("rolebinding.rbac.authorization.k8s.io/prov-view", (await kubectl.RunAsync("get", "rolebindings", "-n", "prov-agg", "-l", "app=agent", "-o", "name")).Output.Trim());
        Assert.Equal("yes", await CanIAsync(kubectl, "list", "pods", "-n", "prov-agg", "--as", As("prov-agg", "agent")));
        // A RoleBinding to a ClusterRole grants only in its namespace.
        Assert.Equal("no", await CanIAsync(kubectl, "list", "pods", "-n", "default", "--as", As("prov-agg", "agent")));
    }

    [KubectlFact]
    public async Task An_aggregation_rule_without_full_authority_is_refused_naming_what_is_missing()
    {
        // A user who may create clusterroles and holds get pods everywhere, but not cluster-admin (K8S-SEMANTICS E11).
        var objects = new RbacObjectOperations(server.Admin);
        await objects.CreateClusterRoleAsync(new ClusterRole
        {
            Metadata = new ObjectMeta { Name = "prov-role-maker" },
            Rules = [.. PolicyRuleBuilder.Build(new PolicyRuleRequest { Verbs = ["create", "get"], Resources = ["clusterroles", "pods"] }, RoleScope.ClusterRole)],
        });
        await objects.CreateClusterRoleBindingAsync(new ClusterRoleBinding
        {
            Metadata = new ObjectMeta { Name = "prov-role-maker" },
            RoleRef = new RoleRef { Kind = "ClusterRole", Name = "prov-role-maker" },
            Subjects = [new Subject { Kind = "User", Name = "prov-maker" }],
        });
        var maker = new RbacObjectOperations(server.ConnectAs("prov-maker"));
        var error = await Assert.ThrowsAsync<K8sClientException>(() => maker.CreateClusterRoleAsync(new ClusterRole
        {
            Metadata = new ObjectMeta { Name = "prov-made-aggregating" },
            AggregationRule = new AggregationRule { ClusterRoleSelectors = [new LabelSelector { MatchLabels = new() { ["x"] = "y" } }] },
        }));
        Assert.Equal((PermissionErrors.EscalationForbidden, K8sErrorCategory.PermissionDenied), (error.ErrorId, error.Category));
        Assert.Contains("an aggregationRule needs full cluster-admin authority or 'escalate' on clusterroles", error.Message);
        Assert.Contains("must have cluster-admin privileges to use the aggregationRule", error.Message);

        // The same user may create a plain ClusterRole within what it holds.
        await maker.CreateClusterRoleAsync(new ClusterRole
        {
            Metadata = new ObjectMeta { Name = "prov-made-plain" },
            Rules = [.. PolicyRuleBuilder.Build(new PolicyRuleRequest { Verbs = ["get"], Resources = ["pods"] }, RoleScope.ClusterRole)],
        });
        using var kubectl = new Kubectl(server.Host.KubeconfigPath);
        Assert.Equal(0, (await kubectl.RunAsync("get", "clusterrole", "prov-made-plain")).ExitCode);
    }

    [KubectlTheory]
    [InlineData("get", "deployments")]
    [InlineData("get,list", "deploy,pods/log,rs.apps")]
    [InlineData("get", "*.*")]
    [InlineData("create", "cronjobs,jobs.batch,sa,serviceaccounts/token")]
    [InlineData("get,*", "pods,configmaps")]
    [InlineData("bind,escalate", "roles,clusterroles")]
    [InlineData("update", "deployments/scale,statefulsets/scale,*/scale")]
    [InlineData("get", "pod,Deployment,configmap,job,clusterrole")]
    public async Task Rules_are_the_ones_kubectl_create_clusterrole_writes(string verbs, string resources)
    {
        using var kubectl = new Kubectl(server.Host.KubeconfigPath);
        var dryRun = await kubectl.RunAsync("create", "clusterrole", "x", "--verb=" + verbs, "--resource=" + resources, "--dry-run=client", "-o", "json");
        Assert.True(dryRun.ExitCode == 0, dryRun.ToString());
        var expected = JsonSerializer.Deserialize(dryRun.Output, KubeJsonContext.Default.ClusterRole)!.Rules!;

        var request = new PolicyRuleRequest { Verbs = verbs.Split(','), Resources = resources.Split(',') };
        // Grant-K8sPermission (discovery) and New-K8sPolicyRule (no cluster) both write what kubectl writes.
        var withDiscovery = await new PermissionGrantOperations(server.Admin).BuildRulesAsync(request, clusterWide: true);
        var offline = PolicyRuleBuilder.Build(request, RoleScope.ClusterRole);
        Assert.Equal(expected.Select(EscalationCheck.CompactString), withDiscovery.Select(EscalationCheck.CompactString));
        Assert.Equal(expected.Select(EscalationCheck.CompactString), offline.Select(EscalationCheck.CompactString));
    }
}
