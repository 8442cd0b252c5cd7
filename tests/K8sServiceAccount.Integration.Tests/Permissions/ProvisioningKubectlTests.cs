using System.Text.Json;
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
}
