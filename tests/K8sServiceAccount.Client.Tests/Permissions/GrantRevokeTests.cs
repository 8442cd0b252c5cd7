using System.Text.Json.Nodes;
using K8sServiceAccount.Client.Models;
using K8sServiceAccount.Client.Permissions;
using K8sServiceAccount.Client.Rbac;

namespace K8sServiceAccount.Client.Tests.Permissions;

public sealed class GrantRevokeTests
{
    private static readonly PermissionSubject Sa = PermissionSubject.ServiceAccount("apps", "sample-sa");

    private static IReadOnlyList<PolicyRule> Rules(string verbs, string resources, string? groups = null) => PolicyRuleBuilder.Build(
        new PolicyRuleRequest { Verbs = verbs.Split(','), Resources = resources.Split(','), Groups = groups?.Split(',') }, RoleScope.Role);

    private static (PermissionGrantOperations Ops, FakeRbacStore Store) New()
    {
        var store = new FakeRbacStore();
        return (new PermissionGrantOperations(new FakeKubernetes(store.Handle)), store);
    }

    [Fact]
    public async Task Grant_creates_a_predictably_named_role_and_binding_and_a_second_grant_changes_nothing()
    {
        var (ops, store) = New();
        var request = new GrantRequest { Subject = Sa, Namespace = "ns1", Rules = Rules("get,update", "deployments,deployments/scale", "apps,extensions") };
        var first = await ops.GrantAsync(request);
        Assert.Equal(("k8ssa-grant:apps:sample-sa", GrantAction.Created, GrantAction.Created), (first.Name, first.RoleAction, first.BindingAction));
        var binding = store.Get("rolebindings/ns1/k8ssa-grant:apps:sample-sa")!;
        Assert.Equal("""[{"kind":"ServiceAccount","name":"sample-sa","namespace":"apps"}]""", binding["subjects"]!.ToJsonString());
        Assert.Equal("""{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"k8ssa-grant:apps:sample-sa"}""", binding["roleRef"]!.ToJsonString());
        Assert.Equal("K8sServiceAccount", store.Get("roles/ns1/k8ssa-grant:apps:sample-sa")!["metadata"]!["labels"]!["app.kubernetes.io/managed-by"]!.GetValue<string>());

        var writes = store.Writes.Count;
        var second = await ops.GrantAsync(request);
        Assert.True(second.Unchanged);
        Assert.Empty(second.ChangedRules);
        Assert.Equal(writes, store.Writes.Count);
    }

    [Fact]
    public async Task Grant_adds_only_rules_not_yet_covered_and_never_removes()
    {
        var (ops, store) = New();
        await ops.GrantAsync(new GrantRequest { Subject = Sa, Namespace = "ns1", Rules = Rules("get,list", "pods") });
        var covered = await ops.GrantAsync(new GrantRequest { Subject = Sa, Namespace = "ns1", Rules = Rules("get", "pods") });
        Assert.True(covered.Unchanged);
        var more = await ops.GrantAsync(new GrantRequest { Subject = Sa, Namespace = "ns1", Rules = Rules("get", "secrets") });
        Assert.Equal(GrantAction.Updated, more.RoleAction);
        Assert.Equal(GrantAction.Unchanged, more.BindingAction);
        var rules = store.Get("roles/ns1/k8ssa-grant:apps:sample-sa")!["rules"]!.AsArray();
        Assert.Equal(2, rules.Count);
        Assert.Equal("""{"verbs":["get"],"apiGroups":[""],"resources":["secrets"]}""", rules[1]!.ToJsonString());
    }

    [Fact]
    public async Task Revoke_removes_the_rules_grant_added_then_the_objects_when_empty()
    {
        var (ops, store) = New();
        var pods = Rules("get,list", "pods");
        var secrets = Rules("get", "secrets");
        await ops.GrantAsync(new GrantRequest { Subject = Sa, Namespace = "ns1", Rules = pods });
        await ops.GrantAsync(new GrantRequest { Subject = Sa, Namespace = "ns1", Rules = secrets });

        var first = await ops.RevokeAsync(new GrantRequest { Subject = Sa, Namespace = "ns1", Rules = secrets });
        Assert.Equal((GrantAction.Updated, GrantAction.Unchanged, 1), (first.RoleAction, first.BindingAction, first.ChangedRules.Count));
        Assert.Single(store.Get("roles/ns1/k8ssa-grant:apps:sample-sa")!["rules"]!.AsArray());

        var again = await ops.RevokeAsync(new GrantRequest { Subject = Sa, Namespace = "ns1", Rules = secrets });
        Assert.True(again.Unchanged);

        var last = await ops.RevokeAsync(new GrantRequest { Subject = Sa, Namespace = "ns1", Rules = pods });
        Assert.Equal((GrantAction.Deleted, GrantAction.Deleted), (last.RoleAction, last.BindingAction));
        Assert.Empty(store.Objects);

        var nothing = await ops.RevokeAsync(new GrantRequest { Subject = Sa, Namespace = "ns1", Rules = pods });
        Assert.Equal((GrantAction.NotFound, GrantAction.NotFound, true), (nothing.RoleAction, nothing.BindingAction, nothing.Unchanged));
    }

    [Fact]
    public async Task Revoke_without_rules_removes_the_subject_and_the_emptied_objects()
    {
        var (ops, store) = New();
        await ops.GrantAsync(new GrantRequest { Subject = Sa, ClusterWide = true, Rules = PolicyRuleBuilder.Build(new PolicyRuleRequest { Verbs = ["get"], NonResourceUrls = ["/metrics"] }, RoleScope.ClusterRole) });
        Assert.NotNull(store.Get("clusterroles/k8ssa-grant:apps:sample-sa"));
        var revoked = await ops.RevokeAsync(new GrantRequest { Subject = Sa, ClusterWide = true });
        Assert.Equal((GrantAction.Deleted, GrantAction.Deleted), (revoked.RoleAction, revoked.BindingAction));
        Assert.Empty(store.Objects);
        Assert.True((await ops.RevokeAsync(new GrantRequest { Subject = Sa, ClusterWide = true })).Unchanged);
    }

    [Fact]
    public async Task A_shared_binding_keeps_its_other_subjects()
    {
        var (ops, store) = New();
        var other = PermissionSubject.ServiceAccount("apps", "other");
        var rules = Rules("get", "pods");
        await ops.GrantAsync(new GrantRequest { Subject = Sa, Namespace = "ns1", Rules = rules, Name = "readers" });
        var added = await ops.GrantAsync(new GrantRequest { Subject = other, Namespace = "ns1", Rules = rules, Name = "readers" });
        Assert.Equal((GrantAction.Unchanged, GrantAction.Updated), (added.RoleAction, added.BindingAction));
        var removed = await ops.RevokeAsync(new GrantRequest { Subject = Sa, Namespace = "ns1", Name = "readers" });
        Assert.Equal(GrantAction.Updated, removed.BindingAction);
        Assert.Equal("""[{"kind":"ServiceAccount","name":"other","namespace":"apps"}]""", store.Get("rolebindings/ns1/readers")!["subjects"]!.ToJsonString());
        Assert.NotNull(store.Get("roles/ns1/readers"));
    }

    [Fact]
    public async Task A_ServiceAccount_subject_without_namespace_in_a_RoleBinding_is_found_by_grant_and_removed_by_revoke()
    {
        // In a RoleBinding, a ServiceAccount subject without namespace means the binding's namespace (K8S-SEMANTICS 1.3).
        var (ops, store) = New();
        var objects = new RbacObjectOperations(new FakeKubernetes(store.Handle));
        await ops.GrantAsync(new GrantRequest { Subject = Sa, Namespace = "apps", Rules = Rules("get", "pods") });
        var binding = await objects.GetRoleBindingAsync("apps", "k8ssa-grant:apps:sample-sa");
        binding.Subjects = [new Subject { Kind = "ServiceAccount", Name = "sample-sa" }, new Subject { Kind = "ServiceAccount", Name = "other", Namespace = "apps" }];
        await objects.ReplaceRoleBindingAsync(binding);

        Assert.True((await ops.GrantAsync(new GrantRequest { Subject = Sa, Namespace = "apps", Rules = Rules("get", "pods") })).Unchanged);
        var revoked = await ops.RevokeAsync(new GrantRequest { Subject = Sa, Namespace = "apps" });
        Assert.Equal(GrantAction.Updated, revoked.BindingAction);
        Assert.Equal("""[{"kind":"ServiceAccount","name":"other","namespace":"apps"}]""", store.Get("rolebindings/apps/k8ssa-grant:apps:sample-sa")!["subjects"]!.ToJsonString());
    }

    [Fact]
    public async Task Revoke_removes_exactly_what_is_asked_from_every_rule_splitting_them()
    {
        var (ops, _) = New();
        await ops.GrantAsync(new GrantRequest { Subject = Sa, Namespace = "ns1", Rules = Rules("get", "pods") });
        await ops.GrantAsync(new GrantRequest { Subject = Sa, Namespace = "ns1", Rules = Rules("get,list", "pods,configmaps") });

        // Both rules grant get pods: the first goes, the second is split (before this, only the equal rule went).
        var revoked = await ops.RevokeAsync(new GrantRequest { Subject = Sa, Namespace = "ns1", Rules = Rules("get", "pods") });
        Assert.Equal((GrantAction.Updated, 2), (revoked.RoleAction, revoked.ChangedRules.Count));
        Assert.Empty(revoked.StillGranted);
        var left = await ops.PreviewRevokeAsync(new GrantRequest { Subject = Sa, Namespace = "ns1", Rules = Rules("delete", "pods") });
        Assert.Equal(
            ["{APIGroups:[\"\"], Resources:[\"pods\" \"configmaps\"], Verbs:[\"list\"]}", "{APIGroups:[\"\"], Resources:[\"configmaps\"], Verbs:[\"get\"]}"],
            left!.Remaining.Select(EscalationCheck.CompactString));
        Assert.False(left.Changed);

        var partly = await ops.RevokeAsync(new GrantRequest { Subject = Sa, Namespace = "ns1", Rules = Rules("get,delete", "configmaps") });
        Assert.Equal(GrantAction.Updated, partly.RoleAction);

        var full = await ops.RevokeAsync(new GrantRequest { Subject = Sa, Namespace = "ns1", Rules = Rules("list", "pods,configmaps") });
        Assert.Equal((GrantAction.Deleted, GrantAction.Deleted), (full.RoleAction, full.BindingAction));
        Assert.Empty(full.StillGranted);
    }

    [Fact]
    public async Task A_user_whose_name_cannot_be_an_object_name_is_asked_for_a_name()
    {
        var (ops, store) = New();
        var oidc = PermissionSubject.User("https://issuer.example.com#alice");
        var error = await Assert.ThrowsAsync<K8sClientException>(() => ops.GrantAsync(new GrantRequest { Subject = oidc, Namespace = "ns1", Rules = Rules("get", "pods") }));
        Assert.Equal(("InvalidName", "Name"), (error.ErrorId, error.Target));
        Assert.Contains("The default role and binding name k8ssa-grant:user:https://issuer.example.com#alice is not a valid object name", error.Message);
        Assert.EndsWith("give one with Name.", error.Message);
        Assert.Empty(store.Objects);

        var named = await ops.GrantAsync(new GrantRequest { Subject = oidc, Namespace = "ns1", Rules = Rules("get", "pods"), Name = "alice-reader" });
        Assert.Equal(GrantAction.Created, named.BindingAction);
    }

    [Fact]
    public async Task A_binding_to_another_role_is_a_conflict_not_overwritten()
    {
        var (ops, store) = New();
        var objects = new RbacObjectOperations(new FakeKubernetes(store.Handle));
        await objects.CreateRoleBindingAsync(new RoleBinding
        {
            Metadata = new ObjectMeta { Name = "k8ssa-grant:apps:sample-sa", Namespace = "ns1" },
            RoleRef = new RoleRef { Kind = "ClusterRole", Name = "view" },
            Subjects = [],
        });
        var error = await Assert.ThrowsAsync<K8sClientException>(() => ops.GrantAsync(new GrantRequest { Subject = Sa, Namespace = "ns1", Rules = Rules("get", "pods") }));
        Assert.Equal("GrantBindingConflict", error.ErrorId);
    }

    [Fact]
    public async Task Escalation_refusal_says_what_is_missing_and_keeps_the_server_text()
    {
        const string serverText = "roles.rbac.authorization.k8s.io \"k8ssa-grant:apps:sample-sa\" is forbidden: user \"bob\" (groups=[\"system:authenticated\"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[\"\"], Resources:[\"secrets\"], Verbs:[\"get\"]}";
        var fake = new FakeKubernetes((Func<SentRequest, string>)(r => r.Method == "GET"
            ? throw FakeKubernetes.Error(404, "NotFound", "not found")
            : throw FakeKubernetes.Error(403, "Forbidden", serverText)));
        var error = await Assert.ThrowsAsync<K8sClientException>(() => new PermissionGrantOperations(fake).GrantAsync(new GrantRequest { Subject = Sa, Namespace = "ns1", Rules = Rules("get", "secrets") }));
        Assert.Equal((PermissionErrors.EscalationForbidden, K8sErrorCategory.PermissionDenied), (error.ErrorId, error.Category));
        Assert.Contains("lack 'escalate' on roles in namespace ns1", error.Message);
        Assert.EndsWith(serverText, error.Message);

        const string bindText = "rolebindings.rbac.authorization.k8s.io \"rb\" is forbidden: user \"bob\" (groups=[\"system:authenticated\"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[\"\"], Resources:[\"pods\"], Verbs:[\"*\"]}";
        var bindFake = new FakeKubernetes((Func<SentRequest, string>)(_ => throw FakeKubernetes.Error(403, "Forbidden", bindText)));
        var bindError = await Assert.ThrowsAsync<K8sClientException>(() => new RbacObjectOperations(bindFake).CreateRoleBindingAsync(new RoleBinding
        {
            Metadata = new ObjectMeta { Name = "rb", Namespace = "ns1" },
            RoleRef = new RoleRef { Kind = "ClusterRole", Name = "edit" },
            Subjects = [new Subject { Kind = "User", Name = "carol" }],
        }));
        Assert.Contains("lack 'bind' on clusterroles \"edit\" in namespace ns1", bindError.Message);
    }

    [Theory]
    [InlineData("a/b", "InvalidName")]
    [InlineData("..", "InvalidName")]
    [InlineData("", "InvalidNamespace")]
    public async Task Bad_requests_fail_before_any_request(string nameOrNamespace, string errorId)
    {
        var (ops, store) = New();
        var request = errorId == "InvalidNamespace"
            ? new GrantRequest { Subject = Sa, Namespace = "", Rules = Rules("get", "pods") }
            : new GrantRequest { Subject = Sa, Namespace = "ns1", Name = nameOrNamespace, Rules = Rules("get", "pods") };
        Assert.Equal(errorId, (await Assert.ThrowsAsync<K8sClientException>(() => ops.GrantAsync(request))).ErrorId);
        Assert.Empty(store.Writes);
    }

    [Fact]
    public async Task Object_validation_uses_the_servers_wording()
    {
        var objects = new RbacObjectOperations(new FakeKubernetes((Func<SentRequest, string>)(_ => throw new InvalidOperationException("no request expected"))));
        var roleError = await Assert.ThrowsAsync<K8sClientException>(() => objects.CreateRoleAsync(new Role
        {
            Metadata = new ObjectMeta { Name = "r", Namespace = "ns1" },
            Rules = [new PolicyRule { Verbs = ["get"], NonResourceURLs = ["/healthz"] }],
        }));
        Assert.Equal(("InvalidRule", "rules[0].nonResourceURLs: Invalid value: []string{\"/healthz\"}: namespaced rules cannot apply to non-resource URLs"), (roleError.ErrorId, roleError.Message));
        var subjectError = await Assert.ThrowsAsync<K8sClientException>(() => objects.CreateClusterRoleBindingAsync(new ClusterRoleBinding
        {
            Metadata = new ObjectMeta { Name = "crb" },
            RoleRef = new RoleRef { Kind = "ClusterRole", Name = "view" },
            Subjects = [new Subject { Kind = "ServiceAccount", Name = "sa" }],
        }));
        Assert.Equal(("InvalidSubject", "subjects[0].namespace: Required value"), (subjectError.ErrorId, subjectError.Message));
        var kindError = await Assert.ThrowsAsync<K8sClientException>(() => objects.CreateClusterRoleBindingAsync(new ClusterRoleBinding
        {
            Metadata = new ObjectMeta { Name = "crb" },
            RoleRef = new RoleRef { Kind = "Role", Name = "view" },
        }));
        Assert.Equal("roleRef.kind: Unsupported value: \"Role\": supported values: \"ClusterRole\"", kindError.Message);
    }
}
