using K8sServiceAccount.Client;
using K8sServiceAccount.Client.Permissions;
using K8sServiceAccount.Client.Rbac;
using K8sServiceAccount.Integration.Tests.Api;

namespace K8sServiceAccount.Integration.Tests.Scenarios;

/// <summary>
/// The main permission scenario of DESIGN.md against the local API server, step for step as tests/Pester/Permission.Tests.ps1
/// runs it through the cmdlets, calling the same client operations each cmdlet calls: create ServiceAccount sample-sa;
/// Grant-K8sPermission get/update on deployments and deployments/scale in apps and extensions (PolicyRuleBuilder.Build,
/// PermissionGrantOperations.GrantAsync); Test-K8sPermission allowed and denied (PermissionChecker), with -Explain
/// (RbacSnapshot.LoadAsync + ExplainAsync) and as a batch of rows (CheckManyAsync); an offline -Policy check
/// (RbacDocumentReader + RbacSnapshot, Method Offline); Revoke-K8sPermission (RevokeAsync) and the denial afterwards.
/// </summary>
public sealed class PermissionScenarioTests(LocalServerFixture fixture) : IClassFixture<LocalServerFixture>
{
    private static PolicyRuleRequest ScaleDeployments => new()
    {
        Verbs = ["get", "update"],
        Resources = ["deployments", "deployments/scale"],
        Groups = ["apps", "extensions"],
    };

    [Fact]
    public async Task Grant_test_explain_batch_offline_and_revoke_for_sample_sa()
    {
        var ns = await fixture.NewNamespaceAsync("perm-scenario");
        await fixture.NewServiceAccountAsync(ns, "sample-sa");
        var subject = PermissionSubject.ParseServiceAccount($"{ns}/sample-sa");
        var grants = new PermissionGrantOperations(fixture.Transport);

        // Grant-K8sPermission -ServiceAccount NS/sample-sa -Verb get,update -Resource deployments,deployments/scale -ApiGroup apps,extensions
        var rules = PolicyRuleBuilder.Build(ScaleDeployments, RoleScope.Role);
        var request = new GrantRequest { Subject = subject, Rules = rules, Namespace = ns };
        var granted = await grants.GrantAsync(request);
        Assert.Equal((GrantAction.Created, GrantAction.Created), (granted.RoleAction, granted.BindingAction));
        Assert.Equal($"k8ssa-grant:{ns}:sample-sa", granted.Name);
        Assert.True((await grants.GrantAsync(request)).Unchanged);

        // Test-K8sPermission ... -ServiceAccount NS/sample-sa: allowed and denied are both results.
        var checker = new PermissionChecker(fixture.Transport);
        var scale = new PermissionCheck { Verb = "update", Resource = "deployments/scale", Group = "apps", Namespace = ns, Subject = subject };
        var allowed = await checker.CheckAsync(scale);
        Assert.True(allowed.Allowed);
        Assert.Equal(PermissionCheckMethod.SubjectAccessReview, allowed.Method);
        Assert.Equal(("apps", "deployments", "scale"), (allowed.Group, allowed.Resource, allowed.Subresource));
        var delete = await checker.CheckAsync(scale with { Verb = "delete", Resource = "deployments.apps" });
        Assert.False(delete.Allowed);
        var elsewhere = await checker.CheckAsync(scale with { Namespace = "default" });
        Assert.False(elsewhere.Allowed);

        // -Explain: the RBAC objects read once, the granting binding, role and rule named.
        var rbac = await RbacSnapshot.LoadAsync(fixture.Transport);
        var explanation = await rbac.ExplainAsync(scale, allowed);
        Assert.Equal(ExplanationVerdict.GrantedByRbac, explanation.Verdict);
        var grant = Assert.Single(explanation.Grants);
        Assert.Equal(("RoleBinding", granted.Name, ns, "Role", granted.Name), (grant.BindingKind, grant.BindingName, grant.BindingNamespace, grant.RoleKind, grant.RoleName));
        var notGranted = await rbac.ExplainAsync(scale with { Verb = "delete" }, delete);
        Assert.Equal(ExplanationVerdict.NotGranted, notGranted.Verdict);
        Assert.Empty(notGranted.Grants);

        // A batch of Import-Csv-like rows, concurrently with a bound; results in completion order, each with its index.
        PermissionCheck Row(string verb, string resource, string? group) =>
            new() { Verb = verb, Resource = resource, Group = group, Namespace = ns, Subject = subject };
        var rows = new[]
        {
            Row("get", "deployments", "apps"), Row("update", "deployments/scale", "apps"), Row("delete", "deployments", "apps"),
            Row("get", "deploy", null), Row("list", "pods", ""), Row("update", "deployments.apps", null),
        };
        var outcomes = new List<PermissionCheckOutcome>();
        await foreach (var outcome in checker.CheckManyAsync(rows, throttleLimit: 3))
        {
            outcomes.Add(outcome);
        }
        Assert.All(outcomes, o => Assert.Null(o.Error));
        Assert.Equal([true, true, false, true, false, true], outcomes.OrderBy(o => o.Index).Select(o => o.Result!.Allowed));

        // Test-K8sPermission -Policy: the same Role and RoleBinding as documents, no cluster.
        var offline = new RbacSnapshot(RbacDocumentReader.Read([PolicyYaml(ns)]), PermissionCheckMethod.Offline);
        var offlineAnswer = await offline.CheckAsync(scale);
        Assert.True(offlineAnswer.Allowed);
        Assert.Equal(PermissionCheckMethod.Offline, offlineAnswer.Method);
        Assert.False((await offline.CheckAsync(scale with { Verb = "delete" })).Allowed);

        // Revoke-K8sPermission with the Grant's arguments: both objects go, and the permission with them.
        var revoked = await grants.RevokeAsync(request);
        Assert.Equal((GrantAction.Deleted, GrantAction.Deleted), (revoked.RoleAction, revoked.BindingAction));
        Assert.False((await checker.CheckAsync(scale)).Allowed);
        var again = await grants.RevokeAsync(request);
        Assert.All(new[] { again.RoleAction, again.BindingAction }, a => Assert.True(a is GrantAction.Unchanged or GrantAction.NotFound, $"a repeated Revoke changed something: {a}"));
    }

    [Fact]
    public async Task Escalation_is_refused_with_what_is_missing_and_the_servers_text()
    {
        // Grant-K8sPermission run as a ServiceAccount that may write roles but holds nothing it would grant.
        var ns = await fixture.NewNamespaceAsync("perm-escalate");
        await fixture.NewServiceAccountAsync(ns, "granter");
        var admin = new PermissionGrantOperations(fixture.Transport);
        await admin.GrantAsync(new GrantRequest
        {
            Subject = PermissionSubject.ServiceAccount(ns, "granter"),
            Namespace = ns,
            Rules = PolicyRuleBuilder.Build(new PolicyRuleRequest { Verbs = ["get", "create", "update"], Resources = ["roles", "rolebindings"], Groups = ["rbac.authorization.k8s.io"] }, RoleScope.Role),
        });
        var granterTransport = fixture.Transport.WithImpersonation(new Client.Config.Impersonation { UserName = $"system:serviceaccount:{ns}:granter" });
        var asGranter = new PermissionGrantOperations(granterTransport);

        var error = await Assert.ThrowsAsync<K8sClientException>(() => asGranter.GrantAsync(new GrantRequest
        {
            Subject = PermissionSubject.ServiceAccount(ns, "sample-sa"),
            Namespace = ns,
            Rules = PolicyRuleBuilder.Build(ScaleDeployments, RoleScope.Role),
        }));
        Assert.Equal(PermissionErrors.EscalationForbidden, error.ErrorId);
        Assert.Equal(K8sErrorCategory.PermissionDenied, error.Category);
        Assert.Contains("escalate", error.Message, StringComparison.Ordinal);
        Assert.Contains("attempting to grant RBAC permissions not currently held", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Who_can_and_compare_see_the_grant()
    {
        // Get-K8sPermissionSubject and Compare-K8sPermission after a Grant.
        var ns = await fixture.NewNamespaceAsync("perm-whocan");
        var grants = new PermissionGrantOperations(fixture.Transport);
        var sample = PermissionSubject.ServiceAccount(ns, "sample-sa");
        await grants.GrantAsync(new GrantRequest { Subject = sample, Namespace = ns, Rules = PolicyRuleBuilder.Build(ScaleDeployments, RoleScope.Role) });

        var rbac = await RbacSnapshot.LoadAsync(fixture.Transport);
        var holders = await rbac.SubjectsThatCanAsync(new PermissionCheck { Verb = "update", Resource = "deployments/scale", Group = "apps", Namespace = ns });
        var holder = Assert.Single(holders, h => h.SubjectKind == SubjectKinds.ServiceAccount && h.SubjectName == "sample-sa");
        Assert.Equal($"ServiceAccount {ns}/sample-sa", holder.Covers);
        Assert.Contains(holders, h => h.SubjectName == ServiceAccountIdentity.MastersGroup);

        var differences = PermissionDifference.Compare(
            rbac.EffectiveRulesFor(sample, ns), rbac.EffectiveRulesFor(PermissionSubject.ServiceAccount(ns, "other"), ns));
        Assert.Contains(differences, d => d is { SideIndicator: "<=", Verb: "update", ApiGroup: "extensions", Resource: "deployments/scale", Scope: var s } && s == ns);
        Assert.DoesNotContain(differences, d => d.SideIndicator == "=>" && d.Scope == ns);
    }

    [Fact]
    public async Task Rules_roles_and_bindings_round_trip()
    {
        // New-K8sPolicyRule: kubectl's checks, a stable id for a bad rule.
        var rule = Assert.Single(PolicyRuleBuilder.Build(ScaleDeployments, RoleScope.ClusterRole));
        Assert.Equal(["apps", "extensions"], rule.ApiGroups);
        var bad = Assert.Throws<K8sClientException>(() => PolicyRuleBuilder.Build(new PolicyRuleRequest { Verbs = ["get"], NonResourceUrls = ["healthz"] }, RoleScope.ClusterRole));
        Assert.Equal("InvalidNonResourceUrl", bad.ErrorId);

        // New-K8sRole, New-K8sRoleBinding -ServiceAccount NS:sample-sa, Test-K8sPermission, Remove-*, Get-K8sRole of a removed Role.
        var ns = await fixture.NewNamespaceAsync("perm-crud");
        var objects = new RbacObjectOperations(fixture.Transport);
        var podReader = PolicyRuleBuilder.Build(new PolicyRuleRequest { Verbs = ["get", "list"], Resources = ["pods"] }, RoleScope.Role);
        var role = await objects.CreateRoleAsync(new Client.Models.Role { Metadata = new() { Name = "pod-reader", Namespace = ns }, Rules = [.. podReader] });
        Assert.Equal("pod-reader", role.Metadata.Name);
        var binding = await objects.CreateRoleBindingAsync(new Client.Models.RoleBinding
        {
            Metadata = new() { Name = "pod-reader", Namespace = ns },
            RoleRef = new() { ApiGroup = "rbac.authorization.k8s.io", Kind = "Role", Name = "pod-reader" },
            Subjects = [new() { Kind = "ServiceAccount", Name = "sample-sa", Namespace = ns }],
        });
        Assert.Equal("pod-reader", binding.RoleRef.Name);
        var checker = new PermissionChecker(fixture.Transport);
        var listPods = new PermissionCheck { Verb = "list", Resource = "pods", Namespace = ns, Subject = PermissionSubject.ServiceAccount(ns, "sample-sa") };
        Assert.True((await checker.CheckAsync(listPods)).Allowed);

        await objects.DeleteRoleBindingAsync(ns, "pod-reader");
        Assert.Single(await objects.ListRolesAsync(ns), r => r.Metadata.Name == "pod-reader");
        await objects.DeleteRoleAsync(ns, "pod-reader");
        var gone = await Assert.ThrowsAsync<Client.Http.KubernetesApiException>(() => objects.GetRoleAsync(ns, "pod-reader"));
        Assert.Equal("KubernetesNotFound", gone.ErrorId);
        Assert.False((await checker.CheckAsync(listPods)).Allowed);

        // Get-K8sIdentity.
        var me = await new Client.Api.AuthenticationOperations(fixture.Transport).WhoAmIAsync();
        Assert.Contains(ServiceAccountIdentity.MastersGroup, me.Groups);
    }

    private static string PolicyYaml(string ns) => $"""
        apiVersion: rbac.authorization.k8s.io/v1
        kind: Role
        metadata:
          name: deploy-scaler
          namespace: {ns}
        rules:
        - apiGroups: ["apps", "extensions"]
          resources: ["deployments", "deployments/scale"]
          verbs: ["get", "update"]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata:
          name: sample-sa-scaler
          namespace: {ns}
        roleRef:
          apiGroup: rbac.authorization.k8s.io
          kind: Role
          name: deploy-scaler
        subjects:
        - kind: ServiceAccount
          name: sample-sa
          namespace: {ns}
        """;
}
