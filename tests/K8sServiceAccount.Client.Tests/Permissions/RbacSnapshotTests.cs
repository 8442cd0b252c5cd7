using K8sServiceAccount.Client.Models;
using K8sServiceAccount.Client.Permissions;
using K8sServiceAccount.Client.Rbac;

namespace K8sServiceAccount.Client.Tests.Permissions;

public sealed class RbacSnapshotTests
{
    // The classic example: sample-sa may get/update deployments and deployments/scale in apps and extensions in ns1.
    private const string Policy = """
        apiVersion: rbac.authorization.k8s.io/v1
        kind: Role
        metadata: {name: deployer, namespace: ns1}
        rules:
        - apiGroups: [apps, extensions]
          resources: [deployments, deployments/scale]
          verbs: [get, update]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata: {name: deployer-binding, namespace: ns1}
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: deployer}
        subjects:
        - {kind: ServiceAccount, name: sample-sa}
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata: {name: pod-reader}
        rules:
        - {apiGroups: [""], resources: [pods], verbs: [get, list]}
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRoleBinding
        metadata: {name: all-sa-in-ns1-read-pods}
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: pod-reader}
        subjects:
        - {kind: Group, name: "system:serviceaccounts:ns1"}
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata: {name: also-pods, namespace: ns1}
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: pod-reader}
        subjects:
        - {kind: ServiceAccount, name: sample-sa, namespace: ns1}
        - {kind: User, name: alice}
        """;

    private static RbacSnapshot Snapshot(bool privileged = true) =>
        new(RbacDocumentReader.Read([Policy]), PermissionCheckMethod.Offline) { ModelsPrivilegedGroup = privileged };

    private static readonly PermissionSubject SampleSa = PermissionSubject.ServiceAccount("ns1", "sample-sa");

    [Theory]
    [InlineData("update", "deployments/scale", "apps", "ns1", true)]
    [InlineData("update", "deployments.extensions/scale", null, "ns1", true)]
    [InlineData("patch", "deployments/scale", "apps", "ns1", false)]
    [InlineData("get", "deployments", "apps", "ns2", false)]
    [InlineData("list", "pods", null, "ns2", true)]   // through the group of all ServiceAccounts in ns1, cluster-wide
    [InlineData("list", "pods", null, "", true)]
    [InlineData("watch", "pods", null, "ns1", false)]
    public async Task Offline_checks_answer_like_the_authorizer(string verb, string resource, string? group, string ns, bool allowed)
    {
        var result = await Snapshot().CheckAsync(new PermissionCheck { Verb = verb, Resource = resource, Group = group, Namespace = ns, Subject = SampleSa });
        Assert.Equal(allowed, result.Allowed);
        Assert.Equal(PermissionCheckMethod.Offline, result.Method);
        Assert.Equal("system:serviceaccount:ns1:sample-sa", result.Subject);
        if (allowed)
        {
            Assert.StartsWith("RBAC: allowed by ", result.Reason);
        }
    }

    [Fact]
    public void The_synchronous_check_agrees_and_self_is_refused()
    {
        var snapshot = Snapshot();
        Assert.True(snapshot.Check(new PermissionCheck { Verb = "get", Resource = "deployments.apps", Namespace = "ns1", Subject = SampleSa }).Allowed);
        var error = Assert.Throws<K8sClientException>(() => snapshot.Check(new PermissionCheck { Verb = "get", Resource = "pods" }));
        Assert.Equal("InvalidServiceAccount", error.ErrorId);
    }

    [Fact]
    public async Task System_masters_is_modelled_as_the_privileged_group_authorizer_unless_turned_off()
    {
        var admin = PermissionSubject.User("root", ["system:masters"]);
        var check = new PermissionCheck { Verb = "delete", Resource = "nodes", Subject = admin };
        var modelled = await Snapshot().CheckAsync(check);
        Assert.True(modelled.Allowed);
        Assert.Contains("system:masters", modelled.Reason);
        Assert.False((await Snapshot(privileged: false).CheckAsync(check)).Allowed);

        var explanation = await Snapshot().ExplainAsync(check);
        Assert.Equal(ExplanationVerdict.AllowedByOtherAuthorizer, explanation.Verdict);
        Assert.Contains("privileged-group", explanation.Message);
    }

    [Fact]
    public async Task Explain_lists_every_granting_binding_role_and_rule()
    {
        var explanation = await Snapshot().ExplainAsync(new PermissionCheck { Verb = "get", Resource = "pods", Namespace = "ns1", Subject = SampleSa });
        Assert.Equal(ExplanationVerdict.GrantedByRbac, explanation.Verdict);
        Assert.Equal(
            [("ClusterRoleBinding", "all-sa-in-ns1-read-pods", "ClusterRole", "pod-reader"), ("RoleBinding", "also-pods", "ClusterRole", "pod-reader")],
            explanation.Grants.Select(g => (g.BindingKind!, g.BindingName!, g.RoleKind!, g.RoleName!)));
        Assert.Equal("{APIGroups:[\"\"], Resources:[\"pods\"], Verbs:[\"get\" \"list\"]}", explanation.Grants[0].ToString());
        Assert.Contains("granted by", explanation.Message);

        var denied = await Snapshot().ExplainAsync(new PermissionCheck { Verb = "delete", Resource = "pods", Namespace = "ns1", Subject = SampleSa });
        Assert.Equal(ExplanationVerdict.NotGranted, denied.Verdict);
        Assert.StartsWith("No RBAC rule allows system:serviceaccount:ns1:sample-sa to delete pods in namespace ns1", denied.Message);
    }

    [Fact]
    public async Task An_explanation_writes_a_subresource_as_kubectl_does()
    {
        // kubectl's form is RESOURCE.GROUP/SUBRESOURCE (deployments.apps/scale), not deployments/scale.apps.
        var denied = await Snapshot().ExplainAsync(new PermissionCheck { Verb = "deletecollection", Resource = "deployments.apps/scale", Namespace = "ns1", Name = "web", Subject = SampleSa });
        Assert.Equal(ExplanationVerdict.NotGranted, denied.Verdict);
        Assert.StartsWith("No RBAC rule allows system:serviceaccount:ns1:sample-sa to deletecollection deployments.apps/scale \"web\" in namespace ns1", denied.Message);
    }

    [Fact]
    public async Task A_denial_explained_names_the_bindings_that_could_not_be_resolved()
    {
        // A binding to a missing role may be the very reason for a "no": the explanation says so, as the server's reason does.
        var broken = Policy + """

            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            metadata: {name: broken, namespace: ns1}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: pod-deleter}
            subjects: [{kind: ServiceAccount, name: sample-sa}]
            """;
        var snapshot = RbacSnapshot.FromDocuments([new RbacSource("policy.yaml", broken)]);
        var denied = await snapshot.ExplainAsync(new PermissionCheck { Verb = "delete", Resource = "pods", Namespace = "ns1", Subject = SampleSa });
        Assert.Equal(ExplanationVerdict.NotGranted, denied.Verdict);
        Assert.Equal(
            "No RBAC rule allows system:serviceaccount:ns1:sample-sa to delete pods in namespace ns1. Bindings that could not be resolved: role.rbac.authorization.k8s.io \"pod-deleter\" not found.",
            denied.Message);
    }

    [Fact]
    public async Task Explain_with_a_server_allow_that_no_rule_explains_names_another_authorizer()
    {
        var check = new PermissionCheck { Verb = "delete", Resource = "nodes", Subject = PermissionSubject.User("node-admin") };
        var server = new PermissionCheckResult { Subject = "node-admin", Verb = "delete", Resource = "nodes", Allowed = true, Method = PermissionCheckMethod.SubjectAccessReview, Reason = "webhook said yes" };
        var explanation = await Snapshot().ExplainAsync(check, server);
        Assert.Equal(ExplanationVerdict.AllowedByOtherAuthorizer, explanation.Verdict);
        Assert.Contains("allowed by the server but by no RBAC rule", explanation.Message);
        Assert.Contains("webhook said yes", explanation.Message);
    }

    [Fact]
    public void Effective_rules_carry_scope_and_binding()
    {
        var rules = Snapshot().EffectiveRulesFor(SampleSa, null);
        Assert.Equal(
            [("", "ClusterRoleBinding", "all-sa-in-ns1-read-pods"), ("ns1", "RoleBinding", "also-pods"), ("ns1", "RoleBinding", "deployer-binding")],
            rules.Select(r => (r.Scope, r.BindingKind!, r.BindingName!)).ToArray());
        Assert.Equal("Group system:serviceaccounts:ns1", rules[0].BindingSubject);
        Assert.Equal("ServiceAccount ns1/sample-sa", rules[2].BindingSubject);

        Assert.Single(Snapshot().EffectiveRulesFor(SampleSa, ""));
        Assert.Single(Snapshot().EffectiveRulesFor(SampleSa, "ns2"));
        Assert.Equal(3, Snapshot().EffectiveRulesFor(SampleSa, "ns1").Count);
    }

    [Fact]
    public async Task Who_can_describes_groups_by_what_they_cover()
    {
        var holders = await Snapshot().SubjectsThatCanAsync(new PermissionCheck { Verb = "list", Resource = "pods", Namespace = "ns1" });
        Assert.Equal(
            [
                "members of system:masters (cluster administrators)",
                "all ServiceAccounts in namespace ns1",
                "ServiceAccount ns1/sample-sa",
                "user alice",
            ],
            holders.Select(h => h.Covers));
        var sa = holders.Single(h => h.SubjectKind == "ServiceAccount");
        Assert.Equal(("RoleBinding", "also-pods", "ns1", "ClusterRole", "pod-reader"), (sa.BindingKind, sa.BindingName, sa.BindingNamespace, sa.RoleKind, sa.RoleName));

        var scale = await Snapshot(privileged: false).SubjectsThatCanAsync(new PermissionCheck { Verb = "update", Resource = "deployments/scale", Group = "apps", Namespace = "ns1" });
        var only = Assert.Single(scale);
        Assert.Equal(("sample-sa", "ns1"), (only.SubjectName, only.SubjectNamespace)); // namespace filled in from the RoleBinding
    }

    [Fact]
    public void Compare_reports_differences_like_Compare_Object()
    {
        var snapshot = Snapshot();
        var reference = snapshot.EffectiveRulesFor(SampleSa, "ns1");
        var difference = snapshot.EffectiveRulesFor(PermissionSubject.ServiceAccount("ns1", "other"), "ns1");
        var diff = PermissionDifference.Compare(reference, difference);
        Assert.All(diff, d => Assert.Equal("<=", d.SideIndicator));
        Assert.Contains(diff, d => d is { Scope: "ns1", ApiGroup: "apps", Resource: "deployments/scale", Verb: "update" });
        Assert.DoesNotContain(diff, d => d.Scope == "" && d.Resource == "pods"); // both have the cluster-wide pod rule
        Assert.Equal(8 + 2, diff.Count); // 2 groups x 2 resources x 2 verbs, plus get/list pods through the RoleBinding

        var reversed = PermissionDifference.Compare(difference, reference, includeEqual: true);
        Assert.Equal(2, reversed.Count(d => d.SideIndicator == "=="));
        Assert.Equal(10, reversed.Count(d => d.SideIndicator == "=>"));
    }

    [Fact]
    public void Non_resource_checks_use_only_cluster_role_bindings()
    {
        var policy = InMemoryRbacPolicy.WithBootstrapPolicy();
        var snapshot = new RbacSnapshot(policy, PermissionCheckMethod.LocalRbac);
        var sa = PermissionSubject.ServiceAccount("a", "b");
        Assert.True(snapshot.Check(new PermissionCheck { Verb = "get", NonResourceUrl = "/healthz", Subject = sa }).Allowed);
        Assert.True(snapshot.Check(new PermissionCheck { Verb = "get", NonResourceUrl = "/openid/v1/jwks", Subject = sa }).Allowed);
        Assert.False(snapshot.Check(new PermissionCheck { Verb = "get", NonResourceUrl = "/openid/v1/jwks", Subject = PermissionSubject.User("alice") }).Allowed);
        Assert.Equal(PermissionCheckMethod.LocalRbac, snapshot.Check(new PermissionCheck { Verb = "get", NonResourceUrl = "/metrics", Subject = sa }).Method);
    }

    [Fact]
    public async Task Snapshot_is_read_with_paged_lists_of_the_four_kinds()
    {
        var pages = new Dictionary<string, string>
        {
            ["/apis/rbac.authorization.k8s.io/v1/clusterroles?limit=1"] = """{"metadata":{"continue":"c1"},"items":[{"metadata":{"name":"a"},"rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["get"]}]}]}""",
            ["/apis/rbac.authorization.k8s.io/v1/clusterroles?limit=1&continue=c1"] = """{"metadata":{},"items":[{"metadata":{"name":"b"},"rules":[]}]}""",
            ["/apis/rbac.authorization.k8s.io/v1/clusterrolebindings?limit=1"] = """{"metadata":{},"items":[{"metadata":{"name":"ab"},"roleRef":{"kind":"ClusterRole","name":"a"},"subjects":[{"kind":"User","name":"u"}]}]}""",
            ["/apis/rbac.authorization.k8s.io/v1/roles?limit=1"] = """{"metadata":{},"items":[]}""",
            ["/apis/rbac.authorization.k8s.io/v1/rolebindings?limit=1"] = """{"metadata":{},"items":[]}""",
        };
        var fake = new FakeKubernetes(r => DiscoveryFixture.Answer(r.Path) ?? pages[r.Path]);
        var snapshot = await RbacSnapshot.LoadAsync(fake, pageSize: 1);
        Assert.Equal(["a", "b"], snapshot.Policy.ClusterRoles.Select(c => c.Metadata.Name));
        var result = await snapshot.CheckAsync(new PermissionCheck { Verb = "get", Resource = "po", Namespace = "x", Subject = PermissionSubject.User("u") });
        Assert.Equal((true, "pods", PermissionCheckMethod.LocalRbac), (result.Allowed, result.Resource, result.Method));
    }

    [Fact]
    public async Task A_snapshot_warns_like_kubectl_into_the_log_of_the_command_that_uses_it()
    {
        var pages = new Dictionary<string, string>
        {
            ["/apis/rbac.authorization.k8s.io/v1/clusterroles?limit=500"] = """{"metadata":{},"items":[]}""",
            ["/apis/rbac.authorization.k8s.io/v1/clusterrolebindings?limit=500"] = """{"metadata":{},"items":[]}""",
            ["/apis/rbac.authorization.k8s.io/v1/roles?limit=500"] = """{"metadata":{},"items":[]}""",
            ["/apis/rbac.authorization.k8s.io/v1/rolebindings?limit=500"] = """{"metadata":{},"items":[]}""",
        };
        var fake = new FakeKubernetes(r => DiscoveryFixture.Answer(r.Path) ?? pages[r.Path]);
        var snapshot = await RbacSnapshot.LoadAsync(fake); // taken by one command (Get-K8sRbacSnapshot) ...
        var first = new WarningLog();
        var second = new WarningLog();
        var user = PermissionSubject.User("u");

        // ... and used by others, each with its own log: kubectl's warnings reach each of them once per type.
        var inFirst = snapshot.WithLog(first);
        Assert.Equal(PermissionCheckMethod.LocalRbac, (await inFirst.CheckAsync(new PermissionCheck { Verb = "get", Resource = "widgets", Namespace = "x", Subject = user })).Method);
        await inFirst.CheckAsync(new PermissionCheck { Verb = "get", Resource = "widgets", Namespace = "y", Subject = user });
        await inFirst.SubjectsThatCanAsync(new PermissionCheck { Verb = "get", Resource = "nodes", Namespace = "x" });
        Assert.Equal(["the server doesn't have a resource type 'widgets'", "resource 'nodes' is not namespace scoped"], first.Warnings);
        await snapshot.WithLog(second).ExplainAsync(new PermissionCheck { Verb = "get", Resource = "widgets", Namespace = "x", Subject = user });
        Assert.Equal(["the server doesn't have a resource type 'widgets'"], second.Warnings);
        Assert.Same(snapshot.Policy, inFirst.Policy);
        Assert.Equal(snapshot.TakenAt, inFirst.TakenAt);
    }

    [Fact]
    public async Task Offline_a_type_without_group_that_the_policy_names_only_in_other_groups_gets_a_hint()
    {
        // With no discovery, "deployments" stays in the core group and the answer is "no", while on a cluster kubectl's
        // resolution would find apps: the user is told how to ask what was meant.
        var log = new WarningLog();
        var offline = RbacSnapshot.FromDocuments([new RbacSource("policy.yaml", Policy)]).WithLog(log);
        var core = await offline.CheckAsync(new PermissionCheck { Verb = "get", Resource = "deployments/scale", Namespace = "ns1", Subject = SampleSa });
        Assert.Equal((false, ""), (core.Allowed, core.Group));
        await offline.CheckAsync(new PermissionCheck { Verb = "update", Resource = "deployments", Namespace = "ns1", Subject = SampleSa });
        Assert.Equal(
            ["offline, 'deployments' is evaluated in the core API group (there is no discovery to find its group), and the policy names it only in 'apps', 'extensions': give -ApiGroup or write deployments.apps"],
            log.Warnings);

        // Nothing to say when the group is given, the policy names the type in the core group too, or not at all.
        Assert.True((await offline.CheckAsync(new PermissionCheck { Verb = "get", Resource = "deployments", Group = "apps", Namespace = "ns1", Subject = SampleSa })).Allowed);
        await offline.CheckAsync(new PermissionCheck { Verb = "get", Resource = "pods", Namespace = "ns1", Subject = SampleSa });
        await offline.CheckAsync(new PermissionCheck { Verb = "get", Resource = "widgets", Namespace = "ns1", Subject = SampleSa });
        await offline.CheckAsync(new PermissionCheck { Verb = "get", Resource = "deployments.apps", Namespace = "ns1", Subject = SampleSa });
        Assert.Single(log.Warnings);
    }

    [Fact]
    public async Task Offline_policies_come_from_documents_or_from_objects()
    {
        var fromText = RbacSnapshot.FromDocuments([new RbacSource("policy.yaml", Policy)]);
        var check = new PermissionCheck { Verb = "update", Resource = "deployments/scale", Group = "apps", Namespace = "ns1", Subject = SampleSa };
        Assert.Equal((true, PermissionCheckMethod.Offline), ((await fromText.CheckAsync(check)).Allowed, fromText.Method));

        var aggregated = new ClusterRole
        {
            Metadata = new ObjectMeta { Name = "agg" },
            AggregationRule = new AggregationRule { ClusterRoleSelectors = [new LabelSelector { MatchLabels = new() { ["x"] = "y" } }] },
        };
        var part = new ClusterRole { Metadata = new ObjectMeta { Name = "part", Labels = new() { ["x"] = "y" } }, Rules = [PolicyRules.Resource(["get"], [""], ["secrets"])] };
        var binding = new RoleBinding { Metadata = new ObjectMeta { Name = "b" }, RoleRef = new RoleRef { Kind = "ClusterRole", Name = "agg" }, Subjects = [new Subject { Kind = "ServiceAccount", Name = "sample-sa" }] };
        var fromObjects = RbacSnapshot.FromObjects([aggregated, part, binding], defaultNamespace: "ns1");
        Assert.True(fromObjects.Check(new PermissionCheck { Verb = "get", Resource = "secrets", Namespace = "ns1", Subject = SampleSa }).Allowed);
        Assert.Null(binding.Metadata.Namespace);
        Assert.Null(aggregated.Rules);
        Assert.Equal("InvalidPolicy", Assert.Throws<K8sClientException>(() => RbacSnapshot.FromObjects(["not a role"])).ErrorId);
    }
}
