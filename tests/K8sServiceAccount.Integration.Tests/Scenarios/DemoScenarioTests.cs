using System.Text.Json;
using K8sServiceAccount.Client;
using K8sServiceAccount.Client.Api;
using K8sServiceAccount.Client.Http;
using K8sServiceAccount.Client.Permissions;
using K8sServiceAccount.Client.Rbac;
using K8sServiceAccount.Client.Tokens;
using K8sServiceAccount.Integration.Tests.LocalApiServer;

namespace K8sServiceAccount.Integration.Tests.Scenarios;

/// <summary>
/// scripts/Demo.ps1 (./build.ps1 -Task Demo) step for step, through the client operations each cmdlet of the script
/// calls, against one local API server reached with its admin kubeconfig (as Connect-K8sCluster -Kubeconfig resolves
/// it). Each step quotes the script line it mirrors and asserts what the script prints, allowed and denied included,
/// so the demo is proven where pwsh is not installed.
/// </summary>
public sealed class DemoScenarioTests(ServiceAccountScenarioFixture fixture) : IClassFixture<ServiceAccountScenarioFixture>
{
    private const string Namespace = "default";

    [Fact]
    public async Task Demo_runs_the_sample_sa_story_and_cleans_up()
    {
        // Connect-K8sCluster -Kubeconfig $kubeconfig -Namespace default: the admin kubeconfig's context, namespace default.
        Assert.Equal(Namespace, fixture.Settings.Namespace);
        var connection = fixture.Connection;
        var accounts = new ServiceAccountOperations(connection);
        var grants = new PermissionGrantOperations(connection);
        var tokens = new TokenOperations(connection);

        // New-K8sServiceAccount -Name sample-sa
        var created = await accounts.CreateAsync(new ServiceAccountDefinition { Namespace = Namespace, Name = "sample-sa" });
        Assert.Equal(("sample-sa", Namespace), (created.Metadata.Name, created.Metadata.Namespace));

        // Grant-K8sPermission -ServiceAccount default/sample-sa -Verb get, update -Resource deployments, deployments/scale -ApiGroup apps, extensions
        var subject = PermissionSubject.ParseServiceAccount("default/sample-sa");
        var warnings = new List<string>();
        var rules = await grants.BuildRulesAsync(
            new PolicyRuleRequest
            {
                Verbs = ["get", "update"],
                Resources = ["deployments", "deployments/scale"],
                Groups = ["apps", "extensions"],
            },
            clusterWide: false,
            warnings);
        Assert.Empty(warnings);
        var request = new GrantRequest { Subject = subject, Rules = rules, Namespace = Namespace };
        var granted = await grants.GrantAsync(request);
        Assert.Equal("k8ssa-grant:default:sample-sa", granted.Name);
        Assert.Equal((GrantAction.Created, GrantAction.Created), (granted.RoleAction, granted.BindingAction));

        // $checks | Test-K8sPermission | Format-Table: four rows piped as objects, answered concurrently.
        var checker = new PermissionChecker(connection, new ResourceNameResolver(connection));
        PermissionCheck Row(string verb, string resource) =>
            new() { Verb = verb, Resource = resource, Group = "apps", Namespace = Namespace, Subject = subject };
        PermissionCheck[] checks =
        [
            Row("get", "deployments"),
            Row("update", "deployments/scale"),
            Row("patch", "deployments/scale"),
            Row("delete", "deployments"),
        ];
        var outcomes = new List<PermissionCheckOutcome>();
        await foreach (var outcome in checker.CheckManyAsync(checks, throttleLimit: 16))
        {
            outcomes.Add(outcome);
        }

        Assert.All(outcomes, o => Assert.Null(o.Error));
        var table = outcomes.OrderBy(o => o.Index).Select(o => o.Result!).ToList();
        Assert.Equal(
            [("get", "deployments", "", true), ("update", "deployments", "scale", true), ("patch", "deployments", "scale", false), ("delete", "deployments", "", false)],
            table.Select(r => (r.Verb, r.Resource, r.Subresource, r.Allowed)));
        Assert.All(table, r => Assert.Equal(PermissionCheckMethod.SubjectAccessReview, r.Method));

        // Test-K8sPermission -Verb update -Resource deployments/scale -ApiGroup apps -ServiceAccount default/sample-sa -Explain
        var scale = checks[1];
        var rbac = await RbacSnapshot.LoadAsync(connection, new ResourceNameResolver(connection));
        var answer = await checker.CheckAsync(scale);
        var explanation = await rbac.ExplainAsync(scale, answer);
        Assert.True(answer.Allowed);
        Assert.Equal(ExplanationVerdict.GrantedByRbac, explanation.Verdict);
        var grant = Assert.Single(explanation.Grants);
        Assert.Equal(("RoleBinding", granted.Name, "Role", granted.Name), (grant.BindingKind, grant.BindingName, grant.RoleKind, grant.RoleName));

        // Get-K8sSaToken -ServiceAccount sample-sa -Duration (New-TimeSpan -Minutes 30) | ConvertFrom-K8sSaToken
        var token = await tokens.RequestTokenAsync(Namespace, "sample-sa", new TokenRequestOptions { Duration = TimeSpan.FromMinutes(30) });
        Assert.Equal(TimeSpan.FromMinutes(30), token.GrantedDuration);
        var claims = ServiceAccountTokenDecoder.Decode(token.Token, DateTimeOffset.UtcNow);
        Assert.Equal(ServiceAccountTokenFormat.Bound, claims.Format);
        Assert.Equal("system:serviceaccount:default:sample-sa", claims.Subject);
        Assert.Equal((Namespace, "sample-sa", created.Metadata.Uid), (claims.Namespace, claims.ServiceAccount, claims.ServiceAccountUid));
        Assert.False(claims.IsExpired);

        // New-K8sSaKubeconfig -ServiceAccount sample-sa -Path $saKubeconfig
        var saKubeconfig = Path.Combine(fixture.Directory, "demo", "sample-sa.kubeconfig");
        Directory.CreateDirectory(Path.GetDirectoryName(saKubeconfig)!);
        var kubeconfig = ServiceAccountKubeconfigBuilder.Build(
            fixture.Settings, await tokens.RequestTokenAsync(Namespace, "sample-sa", new TokenRequestOptions()));
        OwnerOnlyFile.WriteAllText(saKubeconfig, kubeconfig.Yaml, overwrite: false);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(saKubeconfig));
        }

        // kubectl auth whoami --kubeconfig $saKubeconfig (the script runs it when kubectl is on PATH): here kubectl 1.28,
        // required in CI; where it is not installed, the client's SelfSubjectReview, the request kubectl sends.
        if (File.Exists(Kubectl.Path) || string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            using var kubectl = new Kubectl(saKubeconfig);
            var whoami = await kubectl.RunAsync("auth", "whoami", "--kubeconfig", saKubeconfig, "-o", "json");
            Assert.True(whoami.ExitCode == 0, whoami.ToString());
            using var json = JsonDocument.Parse(whoami.Output);
            Assert.Equal(
                "system:serviceaccount:default:sample-sa",
                json.RootElement.GetProperty("status").GetProperty("userInfo").GetProperty("username").GetString());
        }
        else
        {
            using var asServiceAccount = ServiceAccountScenarioFixture.ConnectionFor(saKubeconfig);
            Assert.Equal("system:serviceaccount:default:sample-sa", (await new AuthenticationOperations(asServiceAccount).WhoAmIAsync()).Username);
        }

        // Revoke-K8sPermission @grant -Confirm:$false: the Role and RoleBinding go, and the permission with them.
        var revoked = await grants.RevokeAsync(request);
        Assert.Equal((GrantAction.Deleted, GrantAction.Deleted), (revoked.RoleAction, revoked.BindingAction));
        Assert.False((await checker.CheckAsync(scale)).Allowed);

        // Remove-K8sServiceAccount -Name sample-sa -Confirm:$false
        await accounts.DeleteAsync(Namespace, "sample-sa");
        var gone = await Assert.ThrowsAsync<KubernetesApiException>(() => accounts.GetAsync(Namespace, "sample-sa"));
        Assert.Equal("KubernetesNotFound", gone.ErrorId);
    }
}
