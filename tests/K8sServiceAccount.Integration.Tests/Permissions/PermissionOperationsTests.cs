using K8sServiceAccount.Client;
using K8sServiceAccount.Client.Models;
using K8sServiceAccount.Client.Permissions;
using K8sServiceAccount.Client.Rbac;

namespace K8sServiceAccount.Integration.Tests.Permissions;

/// <summary>The permission operations end to end against the local API server, through the module's own transport.</summary>
public sealed class PermissionOperationsTests(PermissionsServer server) : IClassFixture<PermissionsServer>
{
    private static PermissionCheck Check(string verb, string resource, string ns, PermissionSubject? subject = null, string? name = null) =>
        new() { Verb = verb, Resource = resource, Namespace = ns, Subject = subject ?? PermissionSubject.Self, Name = name };

    [Fact]
    public async Task Self_checks_answer_for_the_connection_identity()
    {
        var admin = new PermissionChecker(server.Admin);
        var asAdmin = await admin.CheckAsync(Check("delete", "nodes", ""));
        Assert.Equal((true, PermissionCheckMethod.SelfSubjectAccessReview), (asAdmin.Allowed, asAdmin.Method));

        var nobody = new PermissionChecker(server.ConnectAs("nobody", "devs"));
        Assert.False((await nobody.CheckAsync(Check("get", "pods", "default"))).Allowed);
        Assert.True((await nobody.CheckAsync(Check("create", "selfsubjectaccessreviews.authorization.k8s.io", ""))).Allowed);
        Assert.True((await nobody.CheckAsync(new PermissionCheck { Verb = "get", NonResourceUrl = "/healthz" })).Allowed);

        var own = await nobody.ReviewOwnRulesAsync("default");
        Assert.False(own.Incomplete);
        Assert.Contains(own.Rules, r => r.Resources.Contains("selfsubjectaccessreviews"));
    }

    [Fact]
    public async Task Grant_then_check_the_ServiceAccount_by_SubjectAccessReview_and_snapshot_then_revoke()
    {
        await server.EnsureNamespaceAsync("perm-grant");
        var sa = PermissionSubject.ServiceAccount("perm-grant", "sample-sa");
        var rules = await PolicyRuleBuilder.BuildAsync(
            new PolicyRuleRequest { Verbs = ["get", "update"], Resources = ["deployments", "deployments/scale"], Groups = ["apps", "extensions"] },
            RoleScope.Role, new ResourceNameResolver(server.Admin));
        var grants = new PermissionGrantOperations(server.Admin);
        var granted = await grants.GrantAsync(new GrantRequest { Subject = sa, Namespace = "perm-grant", Rules = rules });
        Assert.Equal((GrantAction.Created, GrantAction.Created), (granted.RoleAction, granted.BindingAction));
        Assert.True((await grants.GrantAsync(new GrantRequest { Subject = sa, Namespace = "perm-grant", Rules = rules })).Unchanged);

        var checker = new PermissionChecker(server.Admin);
        var scale = await checker.CheckAsync(Check("update", "deploy/scale", "perm-grant", sa));
        Assert.Equal((true, PermissionCheckMethod.SubjectAccessReview, "apps", "deployments", "scale"), (scale.Allowed, scale.Method, scale.Group, scale.Resource, scale.Subresource));
        Assert.Contains("RoleBinding \"k8ssa-grant:perm-grant:sample-sa/perm-grant\"", scale.Reason);
        Assert.False((await checker.CheckAsync(Check("patch", "deploy/scale", "perm-grant", sa))).Allowed);
        Assert.False((await checker.CheckAsync(Check("update", "deploy/scale", "default", sa))).Allowed);

        var snapshot = await RbacSnapshot.LoadAsync(server.Admin);
        var local = await snapshot.CheckAsync(Check("update", "deploy/scale", "perm-grant", sa));
        Assert.Equal((true, PermissionCheckMethod.LocalRbac, scale.Reason), (local.Allowed, local.Method, local.Reason));
        // extensions is not served: as in kubectl the type is then used as written, here with the group given explicitly.
        var explanation = await snapshot.ExplainAsync(Check("get", "deployments", "perm-grant", sa) with { Group = "extensions" });
        Assert.Equal(ExplanationVerdict.GrantedByRbac, explanation.Verdict);
        var effective = snapshot.EffectiveRulesFor(sa, "perm-grant");
        Assert.Contains(effective, r => r.BindingName == "k8ssa-grant:perm-grant:sample-sa" && r.Scope == "perm-grant");
        var holders = await snapshot.SubjectsThatCanAsync(Check("update", "deployments/scale", "perm-grant") with { Group = "apps" });
        Assert.Contains(holders, h => h.Covers == "ServiceAccount perm-grant/sample-sa");

        var revoked = await grants.RevokeAsync(new GrantRequest { Subject = sa, Namespace = "perm-grant", Rules = rules });
        Assert.Equal((GrantAction.Deleted, GrantAction.Deleted), (revoked.RoleAction, revoked.BindingAction));
        Assert.False((await checker.CheckAsync(Check("update", "deploy/scale", "perm-grant", sa))).Allowed);
    }

    [Fact]
    public async Task A_caller_without_SubjectAccessReview_falls_back_to_impersonation()
    {
        await server.EnsureNamespaceAsync("perm-imp");
        var objects = new RbacObjectOperations(server.Admin);
        await objects.CreateClusterRoleAsync(new ClusterRole
        {
            Metadata = new ObjectMeta { Name = "perm-imp-impersonator" },
            Rules = [PolicyRules.Resource(["impersonate"], [""], ["serviceaccounts"])],
        });
        await objects.CreateClusterRoleBindingAsync(new ClusterRoleBinding
        {
            Metadata = new ObjectMeta { Name = "perm-imp-impersonator" },
            RoleRef = new RoleRef { Kind = "ClusterRole", Name = "perm-imp-impersonator" },
            Subjects = [new Subject { Kind = "User", Name = "imp-carol" }],
        });
        await new PermissionGrantOperations(server.Admin).GrantAsync(new GrantRequest
        {
            Subject = PermissionSubject.ServiceAccount("perm-imp", "worker"),
            Namespace = "perm-imp",
            Rules = PolicyRuleBuilder.Build(new PolicyRuleRequest { Verbs = ["list"], Resources = ["secrets"] }, RoleScope.Role),
        });

        var checker = new PermissionChecker(server.ConnectAs("imp-carol"));
        var worker = PermissionSubject.ServiceAccount("perm-imp", "worker");
        var allowed = await checker.CheckAsync(Check("list", "secrets", "perm-imp", worker));
        var denied = await checker.CheckAsync(Check("delete", "secrets", "perm-imp", worker));
        Assert.Equal((true, PermissionCheckMethod.Impersonation), (allowed.Allowed, allowed.Method));
        Assert.Equal((false, PermissionCheckMethod.Impersonation), (denied.Allowed, denied.Method));

        var error = await Assert.ThrowsAsync<K8sClientException>(() => checker.CheckAsync(Check("list", "secrets", "perm-imp", PermissionSubject.User("dave"))));
        Assert.Equal(PermissionErrors.CheckForbidden, error.ErrorId);
        Assert.Contains("cannot impersonate resource \"users\"", error.Message);
    }

    [Fact]
    public async Task A_user_named_as_a_ServiceAccount_or_anonymous_gets_the_groups_kubectl_as_gives_it()
    {
        // kubectl 1.28 auth can-i list pods -n perm-as2 --as system:serviceaccount:perm-as1:app answers yes through the
        // namespace group; the SubjectAccessReview for the same user name must carry that group too.
        await server.EnsureNamespaceAsync("perm-as1");
        await server.EnsureNamespaceAsync("perm-as2");
        var objects = new RbacObjectOperations(server.Admin);
        await objects.CreateClusterRoleAsync(new ClusterRole
        {
            Metadata = new ObjectMeta { Name = "perm-as-pod-lister" },
            Rules = [PolicyRules.Resource(["list"], [""], ["pods"])],
        });
        await objects.CreateRoleBindingAsync(new RoleBinding
        {
            Metadata = new ObjectMeta { Name = "perm-as1-sas", Namespace = "perm-as2" },
            RoleRef = new RoleRef { Kind = "ClusterRole", Name = "perm-as-pod-lister" },
            Subjects = [new Subject { Kind = "Group", Name = "system:serviceaccounts:perm-as1" }],
        });

        var checker = new PermissionChecker(server.Admin);
        var asUser = await checker.CheckAsync(Check("list", "pods", "perm-as2", PermissionSubject.User("system:serviceaccount:perm-as1:app")));
        Assert.Equal((true, PermissionCheckMethod.SubjectAccessReview), (asUser.Allowed, asUser.Method));
        var withOwnGroups = await checker.CheckAsync(Check("list", "pods", "perm-as2", PermissionSubject.User("system:serviceaccount:perm-as1:app", ["qa"])));
        Assert.False(withOwnGroups.Allowed); // explicit groups replace the ServiceAccount groups, as with --as-group

        // An anonymous request carries system:unauthenticated, which system:public-info-viewer is bound to.
        var anonymous = await checker.CheckAsync(new PermissionCheck { Verb = "get", NonResourceUrl = "/version", Subject = PermissionSubject.User("system:anonymous") });
        Assert.True(anonymous.Allowed);
        var snapshot = await RbacSnapshot.LoadAsync(server.Admin);
        Assert.True((await snapshot.CheckAsync(Check("list", "pods", "perm-as2", PermissionSubject.User("system:serviceaccount:perm-as1:app")))).Allowed);
    }

    [Fact]
    public async Task Effective_rules_of_a_ServiceAccount_are_what_kubectl_auth_can_i_list_as_it_shows_with_their_bindings()
    {
        // kubectl 1.28 auth can-i --list -n perm-list2 --as system:serviceaccount:perm-list1:app lists exactly: create
        // selfsubjectreviews/selfsubjectaccessreviews/selfsubjectrulesreviews, get/list pods (through the namespace group),
        // and the discovery, health and OIDC URLs. The same rules come out here, each with its scope and binding.
        await server.EnsureNamespaceAsync("perm-list1");
        await server.EnsureNamespaceAsync("perm-list2");
        var objects = new RbacObjectOperations(server.Admin);
        await objects.CreateClusterRoleAsync(new ClusterRole
        {
            Metadata = new ObjectMeta { Name = "perm-list-pod-reader" },
            Rules = [PolicyRules.Resource(["get", "list"], [""], ["pods"])],
        });
        await objects.CreateRoleBindingAsync(new RoleBinding
        {
            Metadata = new ObjectMeta { Name = "perm-list1-sas", Namespace = "perm-list2" },
            RoleRef = new RoleRef { Kind = "ClusterRole", Name = "perm-list-pod-reader" },
            Subjects = [new Subject { Kind = "Group", Name = "system:serviceaccounts:perm-list1" }],
        });
        var snapshot = await RbacSnapshot.LoadAsync(server.Admin);
        var app = PermissionSubject.ServiceAccount("perm-list1", "app");

        var rules = snapshot.EffectiveRulesFor(app, "perm-list2");
        var pods = Assert.Single(rules, r => r.Resources.Contains("pods"));
        Assert.Equal(("perm-list2", "RoleBinding", "perm-list1-sas", "ClusterRole", "perm-list-pod-reader", "Group system:serviceaccounts:perm-list1"),
            (pods.Scope, pods.BindingKind, pods.BindingName, pods.RoleKind, pods.RoleName, pods.BindingSubject));
        Assert.Contains(rules, r => r.Scope == "" && r.RoleName == "system:basic-user" && r.Resources.Contains("selfsubjectaccessreviews"));
        Assert.Contains(rules, r => r.Scope == "" && r.RoleName == "system:service-account-issuer-discovery" && r.NonResourceUrls.Contains("/openid/v1/jwks"));
        Assert.DoesNotContain(snapshot.EffectiveRulesFor(app, "perm-list1"), r => r.Resources.Contains("pods"));

        // And who can list pods there: the group, shown as what it covers.
        var holders = await snapshot.SubjectsThatCanAsync(new PermissionCheck { Verb = "list", Resource = "pods", Namespace = "perm-list2" });
        Assert.Contains(holders, h => h.SubjectName == "system:serviceaccounts:perm-list1" && h.Covers == "all ServiceAccounts in namespace perm-list1" && h.BindingName == "perm-list1-sas");
    }

    [Fact]
    public async Task Escalation_prevention_is_reported_with_what_is_missing()
    {
        await server.EnsureNamespaceAsync("perm-esc");
        var objects = new RbacObjectOperations(server.Admin);
        await objects.CreateRoleAsync(new Role
        {
            Metadata = new ObjectMeta { Name = "role-writer", Namespace = "perm-esc" },
            Rules = [PolicyRules.Resource(["create", "get", "update"], ["rbac.authorization.k8s.io"], ["roles", "rolebindings"]), PolicyRules.Resource(["get"], [""], ["pods"])],
        });
        await objects.CreateRoleBindingAsync(new RoleBinding
        {
            Metadata = new ObjectMeta { Name = "role-writer", Namespace = "perm-esc" },
            RoleRef = new RoleRef { Kind = "Role", Name = "role-writer" },
            Subjects = [new Subject { Kind = "User", Name = "esc-bob" }],
        });
        var bob = new PermissionGrantOperations(server.ConnectAs("esc-bob"));
        var sa = PermissionSubject.ServiceAccount("perm-esc", "app");

        var covered = await bob.GrantAsync(new GrantRequest { Subject = sa, Namespace = "perm-esc", Rules = [PolicyRules.Resource(["get"], [""], ["pods"])] });
        Assert.Equal(GrantAction.Created, covered.RoleAction);

        var error = await Assert.ThrowsAsync<K8sClientException>(() => bob.GrantAsync(new GrantRequest { Subject = sa, Namespace = "perm-esc", Rules = [PolicyRules.Resource(["get"], [""], ["secrets"])] }));
        Assert.Equal((PermissionErrors.EscalationForbidden, K8sErrorCategory.PermissionDenied), (error.ErrorId, error.Category));
        Assert.Contains("lack 'escalate' on roles in namespace perm-esc", error.Message);
        Assert.Contains("{APIGroups:[\"\"], Resources:[\"secrets\"], Verbs:[\"get\"]}", error.Message);
    }

    [Fact]
    public async Task A_grant_whose_binding_is_refused_leaves_no_role_behind()
    {
        // esc-carol may create roles but not bindings: the Role is made, the RoleBinding is Forbidden.
        await server.EnsureNamespaceAsync("perm-rollback");
        var objects = new RbacObjectOperations(server.Admin);
        await objects.CreateRoleAsync(new Role
        {
            Metadata = new ObjectMeta { Name = "role-only", Namespace = "perm-rollback" },
            Rules = [PolicyRules.Resource(["create", "get", "update", "delete"], ["rbac.authorization.k8s.io"], ["roles"]), PolicyRules.Resource(["get"], [""], ["pods"])],
        });
        await objects.CreateRoleBindingAsync(new RoleBinding
        {
            Metadata = new ObjectMeta { Name = "role-only", Namespace = "perm-rollback" },
            RoleRef = new RoleRef { Kind = "Role", Name = "role-only" },
            Subjects = [new Subject { Kind = "User", Name = "esc-carol" }],
        });
        var carol = new PermissionGrantOperations(server.ConnectAs("esc-carol"));
        var request = new GrantRequest
        {
            Subject = PermissionSubject.ServiceAccount("perm-rollback", "app"),
            Namespace = "perm-rollback",
            Rules = [PolicyRules.Resource(["get"], [""], ["pods"])],
        };

        var error = await Assert.ThrowsAsync<K8sServiceAccount.Client.Http.KubernetesApiException>(() => carol.GrantAsync(request));

        Assert.Equal("KubernetesForbidden", error.ErrorId);
        Assert.Contains("rolebindings", error.Message);
        Assert.Null(await objects.TryGetRoleAsync("perm-rollback", PermissionGrantOperations.DefaultName(request.Subject)));
    }

    [Fact]
    public async Task Rbac_objects_round_trip_and_missing_ones_are_not_found()
    {
        await server.EnsureNamespaceAsync("perm-crud");
        var objects = new RbacObjectOperations(server.Admin);
        var created = await objects.CreateRoleAsync(new Role
        {
            Metadata = new ObjectMeta { Name = "reader", Namespace = "perm-crud" },
            Rules = [.. PolicyRuleBuilder.Build(new PolicyRuleRequest { Verbs = ["get", "list"], Resources = ["pods", "configmaps"] }, RoleScope.Role)],
        });
        Assert.False(string.IsNullOrEmpty(created.Metadata.ResourceVersion));
        Assert.Equal("reader", (await objects.GetRoleAsync("perm-crud", "reader")).Metadata.Name);
        Assert.Contains(await objects.ListRolesAsync("perm-crud"), r => r.Metadata.Name == "reader");
        Assert.Contains(await objects.ListRolesAsync(null), r => r.Metadata.Name == "reader");
        await objects.DeleteRoleAsync("perm-crud", "reader");
        Assert.Null(await objects.TryGetRoleAsync("perm-crud", "reader"));
        var missing = await Assert.ThrowsAsync<K8sServiceAccount.Client.Http.KubernetesApiException>(() => objects.GetClusterRoleAsync("perm-crud-none"));
        Assert.Equal("KubernetesNotFound", missing.ErrorId);
    }

    [Fact]
    public async Task ClusterRoles_RoleBindings_and_ClusterRoleBindings_round_trip_through_get_list_replace_and_delete()
    {
        // The client operations behind Get-, Remove- and Grant's reconcile for the three kinds besides Role.
        await server.EnsureNamespaceAsync("perm-crud3");
        var objects = new RbacObjectOperations(server.Admin);
        var labels = new Dictionary<string, string> { ["audit"] = "crud3" };

        var clusterRole = await objects.CreateClusterRoleAsync(new ClusterRole
        {
            Metadata = new ObjectMeta { Name = "perm-crud3-reader", Labels = labels },
            Rules = [PolicyRules.Resource(["get"], [""], ["nodes"])],
        });
        Assert.Equal("perm-crud3-reader", (await objects.GetClusterRoleAsync("perm-crud3-reader")).Metadata.Name);
        Assert.Equal(["perm-crud3-reader"], (await objects.ListClusterRolesAsync("audit=crud3")).Select(r => r.Metadata.Name));
        clusterRole.Rules = [.. clusterRole.Rules!, PolicyRules.Resource(["list"], [""], ["nodes"])];
        var replacedRole = await objects.ReplaceClusterRoleAsync(clusterRole);
        Assert.Equal(2, replacedRole.Rules!.Count);
        Assert.NotEqual(clusterRole.Metadata.ResourceVersion, replacedRole.Metadata.ResourceVersion);

        var subject = new Subject { Kind = "ServiceAccount", Name = "app", Namespace = "perm-crud3" };
        var roleBinding = await objects.CreateRoleBindingAsync(new RoleBinding
        {
            Metadata = new ObjectMeta { Name = "perm-crud3-rb", Namespace = "perm-crud3", Labels = labels },
            RoleRef = new RoleRef { Kind = "ClusterRole", Name = "perm-crud3-reader" },
            Subjects = [subject],
        });
        Assert.Equal("perm-crud3-reader", (await objects.GetRoleBindingAsync("perm-crud3", "perm-crud3-rb")).RoleRef.Name);
        Assert.Equal(["perm-crud3-rb"], (await objects.ListRoleBindingsAsync("perm-crud3", "audit=crud3")).Select(b => b.Metadata.Name));
        Assert.Contains(await objects.ListRoleBindingsAsync(null), b => b.Metadata.Name == "perm-crud3-rb");
        roleBinding.Subjects = [subject, new Subject { Kind = "User", ApiGroup = "rbac.authorization.k8s.io", Name = "crud3-user" }];
        Assert.Equal(2, (await objects.ReplaceRoleBindingAsync(roleBinding)).Subjects!.Count);

        var clusterBinding = await objects.CreateClusterRoleBindingAsync(new ClusterRoleBinding
        {
            Metadata = new ObjectMeta { Name = "perm-crud3-crb", Labels = labels },
            RoleRef = new RoleRef { Kind = "ClusterRole", Name = "perm-crud3-reader" },
            Subjects = [subject],
        });
        Assert.Equal("perm-crud3-reader", (await objects.GetClusterRoleBindingAsync("perm-crud3-crb")).RoleRef.Name);
        Assert.Equal(["perm-crud3-crb"], (await objects.ListClusterRoleBindingsAsync("audit=crud3")).Select(b => b.Metadata.Name));
        clusterBinding.Subjects = [subject, new Subject { Kind = "Group", ApiGroup = "rbac.authorization.k8s.io", Name = "crud3-group" }];
        Assert.Equal(2, (await objects.ReplaceClusterRoleBindingAsync(clusterBinding)).Subjects!.Count);

        await objects.DeleteClusterRoleBindingAsync("perm-crud3-crb");
        await objects.DeleteRoleBindingAsync("perm-crud3", "perm-crud3-rb");
        await objects.DeleteClusterRoleAsync("perm-crud3-reader");
        Assert.Null(await objects.TryGetClusterRoleBindingAsync("perm-crud3-crb"));
        Assert.Null(await objects.TryGetRoleBindingAsync("perm-crud3", "perm-crud3-rb"));
        Assert.Null(await objects.TryGetClusterRoleAsync("perm-crud3-reader"));
        var gone = await Assert.ThrowsAsync<K8sServiceAccount.Client.Http.KubernetesApiException>(() => objects.DeleteClusterRoleBindingAsync("perm-crud3-crb"));
        Assert.Equal("KubernetesNotFound", gone.ErrorId);
    }

    [Fact]
    public async Task Discovery_of_the_server_resolves_kubectl_shorthand_with_its_warnings()
    {
        var log = new CollectingLog();
        var resolver = new ResourceNameResolver(server.Admin, log);
        var sa = await resolver.ResolveAsync(new PermissionCheck { Verb = "get", Resource = "sa", Namespace = "default" }, CancellationToken.None);
        Assert.Equal(("serviceaccounts", "", true), (sa.Resource, sa.Group, sa.Found));
        var rs = await resolver.ResolveAsync(new PermissionCheck { Verb = "get", Resource = "rs.apps", Namespace = "default" }, CancellationToken.None);
        Assert.Equal(("replicasets", "apps"), (rs.Resource, rs.Group));
        await resolver.ResolveAsync(new PermissionCheck { Verb = "get", Resource = "clusterroles", Namespace = "default" }, CancellationToken.None);
        await resolver.ResolveAsync(new PermissionCheck { Verb = "get", Resource = "widgets", Namespace = "default" }, CancellationToken.None);
        Assert.Equal(["resource 'clusterroles' is not namespace scoped in group 'rbac.authorization.k8s.io'", "the server doesn't have a resource type 'widgets'"], log.Warnings);
    }

    private sealed class CollectingLog : IClientLog
    {
        public List<string> Warnings { get; } = new();

        public void Verbose(string message) { }

        public void Debug(string message) { }

        public void Warning(string message)
        {
            lock (Warnings)
            {
                Warnings.Add(message);
            }
        }
    }
}
