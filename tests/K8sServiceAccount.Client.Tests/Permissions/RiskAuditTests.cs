using K8sServiceAccount.Client.Models;
using K8sServiceAccount.Client.Permissions;
using K8sServiceAccount.Client.Rbac;
using Xunit;

namespace K8sServiceAccount.Client.Tests.Permissions;

/// <summary>
/// The risk audit's case table, written from Kubernetes' RBAC documentation ("Privilege escalation prevention and
/// bootstrapping", "RBAC good practices") and the bootstrap policy: for each role, bound cluster-wide (CRB) or in namespace
/// ns1 (RB) to user u, the exact set of categories reported and the highest severity. Roles not in the client's bootstrap
/// subset (system:node, system:kube-scheduler, system:controller:*...) are written here with the rules that matter.
/// </summary>
public sealed class RiskAuditTests
{
    private static readonly string[] Read = ["get", "list", "watch"];
    private static readonly string[] Write = ["create", "delete", "deletecollection", "patch", "update"];

    private static PolicyRule R(string[] verbs, string group, params string[] resources) => PolicyRules.Resource(verbs, [group], resources);

    // Extra roles, by the bootstrap policy's facts (plugin/pkg/auth/authorizer/rbac/bootstrappolicy).
    private static readonly Dictionary<string, PolicyRule[]> Extra = new()
    {
        ["system:kube-scheduler"] =
        [
            R(["create", "patch", "update"], "", "events"), R(["create"], "", "bindings", "pods/binding"),
            R(["delete", "get", "list", "watch"], "", "pods"), R(["patch", "update"], "", "pods/status"),
            R(Read, "", "nodes"), R(["create", "get", "update"], "coordination.k8s.io", "leases"),
        ],
        ["system:node"] =
        [
            R(Read, "", "secrets", "configmaps"), R(["create", "delete", "get", "list", "watch"], "", "pods"),
            R(["create"], "", "serviceaccounts/token"), R(["create", "get", "list", "watch", "patch", "update"], "", "nodes"),
            R(["create", "get", "list", "watch"], "certificates.k8s.io", "certificatesigningrequests"), R(["create"], "", "pods/eviction"),
        ],
        ["system:kube-controller-manager"] =
        [
            R(["create", "delete", "get", "update"], "", "secrets", "serviceaccounts"), R(["create"], "", "serviceaccounts/token"),
            R(["create", "get", "update"], "coordination.k8s.io", "leases"), R(["create", "patch", "update"], "", "events"),
        ],
        ["system:controller:replicaset-controller"] = [R(["create", "delete", "list", "patch", "watch"], "", "pods"), R(["get", "list", "watch", "update"], "apps", "replicasets")],
        ["system:controller:deployment-controller"] = [R(["create", "delete", "get", "list", "patch", "update", "watch"], "apps", "replicasets"), R(["get", "list", "update", "watch"], "", "pods")],
        ["system:controller:job-controller"] = [R(["create", "delete", "list", "patch", "watch"], "", "pods"), R(["get", "list", "watch", "update", "patch"], "batch", "jobs")],
        ["system:controller:cronjob-controller"] = [R(["create", "delete", "get", "list", "patch", "update", "watch"], "batch", "jobs"), R(["delete", "list"], "", "pods")],
        ["system:controller:daemon-set-controller"] = [R(["create", "delete", "list", "patch", "watch"], "", "pods"), R(["create"], "", "pods/binding")],
        ["system:controller:statefulset-controller"] = [R(["create", "delete", "get", "patch", "update"], "", "pods"), R(["create", "get"], "", "persistentvolumeclaims")],
        ["system:controller:generic-garbage-collector"] = [R(["delete", "get", "list", "patch", "update", "watch"], "*", "*")],
        ["system:controller:namespace-controller"] = [R(["delete", "deletecollection", "get", "list"], "*", "*")],
        ["system:controller:horizontal-pod-autoscaler"] = [R(["get", "update"], "*", "*/scale"), R(Read, "autoscaling", "horizontalpodautoscalers")],
        ["system:controller:clusterrole-aggregation-controller"] = [R(["escalate", "get", "list", "patch", "update", "watch"], "rbac.authorization.k8s.io", "clusterroles")],
        ["system:controller:certificate-controller"] =
        [
            R(["get", "list", "watch", "delete"], "certificates.k8s.io", "certificatesigningrequests"),
            R(["update"], "certificates.k8s.io", "certificatesigningrequests/approval", "certificatesigningrequests/status"),
            PolicyRules.Resource(["approve"], ["certificates.k8s.io"], ["signers"], ["kubernetes.io/kube-apiserver-client-kubelet"]),
        ],
        ["system:controller:service-account-controller"] = [R(["create"], "", "serviceaccounts")],
        ["system:controller:endpoint-controller"] = [R(Read, "", "services", "pods"), R(["create", "update", "delete"], "", "endpoints")],
        ["system:kubelet-api-admin"] = [R(["get", "list", "watch", "proxy"], "", "nodes"), R(["*"], "", "nodes/log", "nodes/metrics", "nodes/proxy", "nodes/stats")],
        ["system:node-bootstrapper"] = [R(["create", "get", "list", "watch"], "certificates.k8s.io", "certificatesigningrequests")],
        ["system:certificates.k8s.io:certificatesigningrequests:nodeclient"] = [R(["create"], "certificates.k8s.io", "certificatesigningrequests/nodeclient")],
        ["system:node-proxier"] = [R(["list", "watch"], "", "services", "endpoints"), R(["get", "list", "watch"], "", "nodes"), R(["create", "patch", "update"], "", "events")],
        ["system:kube-dns"] = [R(["list", "watch"], "", "endpoints", "services")],
        ["system:volume-scheduler"] = [R(["get", "list", "patch", "update", "watch"], "", "persistentvolumes"), R(["get", "list", "watch"], "storage.k8s.io", "storageclasses")],
        // Roles in kube-system, by the bootstrap namespace roles.
        ["system:controller:token-cleaner"] = [R(["delete", "get", "list", "watch"], "", "secrets")],
        ["system:controller:bootstrap-signer"] = [R(Read, "", "secrets")],
        // Custom roles from the good-practice documentation.
        ["bind-clusterroles"] = [R(["bind"], "rbac.authorization.k8s.io", "clusterroles")],
        ["escalate-roles"] = [R(["escalate"], "rbac.authorization.k8s.io", "roles")],
        ["impersonate-users"] = [R(["impersonate"], "", "users")],
        ["impersonate-groups"] = [R(["impersonate"], "", "groups")],
        ["impersonate-sa"] = [R(["impersonate"], "", "serviceaccounts")],
        ["impersonate-uids"] = [R(["impersonate"], "authentication.k8s.io", "uids", "userextras/scopes")],
        ["write-crb"] = [R(["create"], "rbac.authorization.k8s.io", "clusterrolebindings")],
        ["patch-rb"] = [R(["patch"], "rbac.authorization.k8s.io", "rolebindings")],
        ["read-bindings"] = [R(Read, "rbac.authorization.k8s.io", "rolebindings", "clusterrolebindings", "roles", "clusterroles")],
        ["one-secret"] = [PolicyRules.Resource(["get"], [""], ["secrets"], ["app-config"])],
        ["list-secrets"] = [R(["list"], "", "secrets")],
        ["watch-secrets"] = [R(["watch"], "", "secrets")],
        ["create-secrets"] = [R(["create", "update"], "", "secrets")],
        ["nodes-proxy"] = [R(["get"], "", "nodes/proxy")],
        ["pods-read"] = [R(Read, "", "pods", "pods/log", "pods/status")],
        ["exec-get"] = [R(["get"], "", "pods/exec")],
        ["attach"] = [R(["create"], "", "pods/attach")],
        ["portforward"] = [R(["create"], "", "pods/portforward")],
        ["create-deployments"] = [R(["create"], "apps", "deployments")],
        ["create-cronjobs"] = [R(["create"], "batch", "cronjobs")],
        ["create-rc"] = [R(["create"], "", "replicationcontrollers")],
        ["configmaps-any-verb"] = [R(["*"], "", "configmaps")],
        ["any-group-pods-read"] = [R(["get"], "*", "pods")],
        ["all-resources-read"] = [R(["get"], "", "*")],
        ["csr-approval"] = [R(["update"], "certificates.k8s.io", "certificatesigningrequests/approval")],
        ["signers-approve"] = [R(["approve"], "certificates.k8s.io", "signers")],
        ["nonresource-any"] = [PolicyRules.NonResource(["*"], ["*"])],
        ["crd-all"] = [R(["*"], "example.com", "*")],
    };

    public static TheoryData<string, string, string, string?> Cases => new()
    {
        // Bootstrap user-facing roles.
        { "cluster-admin", "CRB", "ClusterAdmin", "Critical" },
        { "cluster-admin", "RB", "ClusterAdmin", "High" },
        { "admin", "CRB", "BindingWrite,Impersonate,PodCreate,PodExec,PortForward,SecretRead,TokenCreate", "Critical" },
        { "admin", "RB", "BindingWrite,Impersonate,PodCreate,PodExec,PortForward,SecretRead,TokenCreate", "High" },
        { "edit", "CRB", "Impersonate,PodCreate,PodExec,PortForward,SecretRead,TokenCreate", "Critical" },
        { "edit", "RB", "Impersonate,PodCreate,PodExec,PortForward,SecretRead,TokenCreate", "High" },
        { "view", "CRB", "", null },
        { "view", "RB", "", null },
        { "system:basic-user", "CRB", "", null },
        { "system:discovery", "CRB", "", null },
        { "system:public-info-viewer", "CRB", "", null },
        { "system:monitoring", "CRB", "", null },
        { "system:auth-delegator", "CRB", "", null },
        { "system:service-account-issuer-discovery", "CRB", "", null },
        // Bootstrap component and controller roles.
        { "system:kube-scheduler", "CRB", "", null },
        { "system:node", "CRB", "PodCreate,SecretRead,TokenCreate", "Critical" },
        { "system:kube-controller-manager", "CRB", "SecretRead,TokenCreate", "Critical" },
        { "system:controller:replicaset-controller", "CRB", "PodCreate", "Critical" },
        { "system:controller:deployment-controller", "CRB", "PodCreate", "Critical" },
        { "system:controller:job-controller", "CRB", "PodCreate", "Critical" },
        { "system:controller:cronjob-controller", "CRB", "PodCreate", "Critical" },
        { "system:controller:daemon-set-controller", "CRB", "PodCreate", "Critical" },
        { "system:controller:statefulset-controller", "CRB", "PodCreate", "Critical" },
        { "system:controller:generic-garbage-collector", "CRB", "BindingWrite,CsrApproval,NodeProxy,PodExec,PortForward,SecretRead,Wildcard", "Critical" },
        { "system:controller:namespace-controller", "CRB", "NodeProxy,PodExec,PortForward,SecretRead,Wildcard", "Critical" },
        { "system:controller:horizontal-pod-autoscaler", "CRB", "Wildcard", "Medium" },
        { "system:controller:clusterrole-aggregation-controller", "CRB", "EscalateOrBind", "Critical" },
        { "system:controller:certificate-controller", "CRB", "CsrApproval,SignerApprove", "High" },
        { "system:controller:service-account-controller", "CRB", "", null },
        { "system:controller:endpoint-controller", "CRB", "", null },
        { "system:kubelet-api-admin", "CRB", "NodeProxy,Wildcard", "Critical" },
        { "system:node-bootstrapper", "CRB", "", null },
        { "system:certificates.k8s.io:certificatesigningrequests:nodeclient", "CRB", "", null },
        { "system:node-proxier", "CRB", "", null },
        { "system:kube-dns", "CRB", "", null },
        { "system:volume-scheduler", "CRB", "", null },
        { "system:controller:token-cleaner", "Role", "SecretRead", "High" },
        { "system:controller:bootstrap-signer", "Role", "SecretRead", "High" },
        // Escalation prevention: escalate, bind, impersonate, binding writes.
        { "bind-clusterroles", "CRB", "EscalateOrBind", "Critical" },
        { "bind-clusterroles", "RB", "EscalateOrBind", "High" },
        { "escalate-roles", "RB", "EscalateOrBind", "High" },
        { "impersonate-users", "CRB", "Impersonate", "Critical" },
        { "impersonate-users", "RB", "", null },
        { "impersonate-groups", "CRB", "Impersonate", "Critical" },
        { "impersonate-sa", "RB", "Impersonate", "High" },
        { "impersonate-uids", "CRB", "ImpersonateExtra", "Medium" },
        { "write-crb", "CRB", "BindingWrite", "High" },
        { "write-crb", "RB", "", null },
        { "patch-rb", "RB", "BindingWrite", "Medium" },
        { "read-bindings", "CRB", "", null },
        // Secrets, pods, nodes, certificates, wildcards.
        { "one-secret", "RB", "SecretRead", "Medium" },
        { "list-secrets", "CRB", "SecretRead", "Critical" },
        { "watch-secrets", "RB", "SecretRead", "High" },
        { "create-secrets", "CRB", "", null },
        { "nodes-proxy", "CRB", "NodeProxy", "Critical" },
        { "nodes-proxy", "RB", "", null },
        { "pods-read", "CRB", "", null },
        { "exec-get", "CRB", "PodExec", "Critical" },
        { "attach", "RB", "PodExec", "High" },
        { "portforward", "CRB", "PortForward", "Medium" },
        { "portforward", "RB", "PortForward", "Low" },
        { "create-deployments", "RB", "PodCreate", "High" },
        { "create-cronjobs", "RB", "PodCreate", "High" },
        { "create-rc", "RB", "PodCreate", "High" },
        { "configmaps-any-verb", "RB", "Wildcard", "Low" },
        { "any-group-pods-read", "CRB", "Wildcard", "Medium" },
        // get on every core type covers subresources too: pods/exec, pods/portforward and nodes/proxy (a GET upgrade).
        { "all-resources-read", "CRB", "NodeProxy,PodExec,PortForward,SecretRead,Wildcard", "Critical" },
        { "csr-approval", "CRB", "CsrApproval", "High" },
        { "csr-approval", "RB", "", null },
        { "signers-approve", "CRB", "SignerApprove", "High" },
        { "nonresource-any", "CRB", "", null },
        { "crd-all", "CRB", "Wildcard", "Medium" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Case(string role, string binding, string expected, string? top)
    {
        var findings = AuditBound(role, binding);
        var categories = string.Join(",", findings.Select(f => f.Category).Distinct().Order(StringComparer.Ordinal));
        Assert.Equal(expected, categories);
        Assert.Equal(top, findings.Count == 0 ? null : findings.Max(f => f.Severity).ToString());
        Assert.All(findings, f => Assert.Equal(binding == "CRB" ? "" : "ns1", f.Scope));
    }

    [Fact]
    public void TheCaseTableHasAtLeastFortyCases() => Assert.True(Cases.Count >= 40);

    [Fact]
    public void AServiceAccountIsAuditedThroughItsImplicitGroups()
    {
        var policy = Policy(
            RoleBinding("ns1", "all-sa-edit", "ClusterRole", "edit", Group("system:serviceaccounts:ns1")),
            ClusterRoleBinding("every-sa-secrets", "list-secrets", Group("system:serviceaccounts")),
            ClusterRoleBinding("authenticated-exec", "attach", Group("system:authenticated")));
        var result = RiskAudit.Audit(policy, new RiskAuditOptions { Subjects = [PermissionSubject.ServiceAccount("ns1", "app")] });
        Assert.Empty(result.Errors);
        Assert.All(result.Findings, f =>
        {
            Assert.Equal("ServiceAccount", f.SubjectKind);
            Assert.Equal("ns1/app", f.ServiceAccount);
        });
        Assert.Contains(result.Findings, f => f.BindingSubject == "Group system:serviceaccounts:ns1" && f.Category == "SecretRead" && f.Scope == "ns1");
        Assert.Contains(result.Findings, f => f.BindingSubject == "Group system:serviceaccounts" && f.Severity == RiskSeverity.Critical);
        Assert.Contains(result.Findings, f => f.BindingSubject == "Group system:authenticated" && f.Category == "PodExec");
        // Another namespace's ServiceAccounts do not get ns1's group binding.
        var other = RiskAudit.Audit(policy, new RiskAuditOptions { Subjects = [PermissionSubject.ServiceAccount("ns2", "app")] });
        Assert.DoesNotContain(other.Findings, f => f.BindingName == "all-sa-edit");
    }

    [Fact]
    public void AllSubjectsAreListedAsWrittenAndServiceAccountIsSetOnlyForServiceAccounts()
    {
        var policy = Policy(
            RoleBinding("ns1", "rb", "ClusterRole", "edit",
                new Subject { Kind = "ServiceAccount", Name = "app" }, // no namespace: the RoleBinding's
                new Subject { Kind = "User", Name = "system:serviceaccount:ns2:worker" },
                new Subject { Kind = "User", Name = "alice" },
                Group("devs")));
        var bySubject = RiskAudit.Audit(policy).Findings.Where(f => f.BindingName == "rb").GroupBy(f => f.SubjectKind + " " + f.SubjectName).ToDictionary(g => g.Key, g => g.First());
        Assert.Equal("ns1/app", bySubject["ServiceAccount app"].ServiceAccount);
        Assert.Equal("ns1", bySubject["ServiceAccount app"].SubjectNamespace);
        Assert.Equal("ns2/worker", bySubject["User system:serviceaccount:ns2:worker"].ServiceAccount);
        Assert.Null(bySubject["User alice"].ServiceAccount);
        Assert.Null(bySubject["Group devs"].ServiceAccount);
    }

    [Fact]
    public void AggregatedClusterRolesAreCounted()
    {
        var piece = new ClusterRole
        {
            Metadata = new ObjectMeta { Name = "secrets-piece", Labels = new() { ["example.com/aggregate-to-ops"] = "true" } },
            Rules = [R(["get"], "", "secrets")],
        };
        var ops = new ClusterRole
        {
            Metadata = new ObjectMeta { Name = "ops" },
            AggregationRule = new AggregationRule { ClusterRoleSelectors = [new LabelSelector { MatchLabels = new() { ["example.com/aggregate-to-ops"] = "true" } }] },
        };
        var binding = ClusterRoleBinding("ops", "ops", new Subject { Kind = "User", Name = "u" });
        var snapshot = RbacSnapshot.FromObjects([piece, ops, binding]);
        var findings = RiskAudit.Audit(snapshot.Policy).Findings;
        var finding = Assert.Single(findings);
        Assert.Equal(("SecretRead", "ops", RiskSeverity.Critical), (finding.Category, finding.RoleName, finding.Severity));
    }

    [Fact]
    public void MinimumSeverityNamespacesAndMissingRoles()
    {
        var policy = Policy(
            RoleBinding("ns1", "a", "ClusterRole", "portforward", new Subject { Kind = "User", Name = "u" }),
            RoleBinding("ns2", "b", "ClusterRole", "list-secrets", new Subject { Kind = "User", Name = "u" }),
            RoleBinding("ns2", "gone", "Role", "missing", new Subject { Kind = "User", Name = "u" }),
            ClusterRoleBinding("c", "nodes-proxy", new Subject { Kind = "User", Name = "u" }));
        var all = RiskAudit.Audit(policy);
        // The bootstrap binding of cluster-admin to system:masters is a finding too.
        Assert.Equal(["ClusterAdmin system:masters", "NodeProxy u", "PortForward u", "SecretRead u"],
            all.Findings.Select(f => f.Category + " " + f.SubjectName).Order(StringComparer.Ordinal));
        Assert.Equal("RoleBinding ns2/gone: role.rbac.authorization.k8s.io \"missing\" not found", Assert.Single(all.Errors));
        var u = new RiskAuditOptions { Subjects = [PermissionSubject.User("u")] };
        Assert.Equal(2, RiskAudit.Audit(policy, u with { MinimumSeverity = RiskSeverity.High }).Findings.Count);
        Assert.Equal(["c", "a"], RiskAudit.Audit(policy, u with { Namespaces = ["ns1"] }).Findings.Select(f => f.BindingName));
    }

    [Fact]
    public void TheSeverityTableNamesEachCategoryOnce()
    {
        Assert.Equal(RiskAudit.Policy.Count, RiskAudit.Policy.Select(c => c.Name).Distinct().Count());
        Assert.All(RiskAudit.Policy, c => Assert.False(string.IsNullOrWhiteSpace(c.Reason)));
    }

    private static List<RiskFinding> AuditBound(string role, string binding)
    {
        var user = new Subject { Kind = "User", Name = "u" };
        var policy = Policy(binding switch
        {
            "CRB" => ClusterRoleBinding("b", role, user),
            "RB" => RoleBinding("ns1", "b", "ClusterRole", role, user),
            _ => RoleBinding("ns1", "b", "Role", role, user),
        });
        var result = RiskAudit.Audit(policy, new RiskAuditOptions { Subjects = [PermissionSubject.User("u")] });
        Assert.Empty(result.Errors);
        // u is also in system:authenticated: the bootstrap bindings of that group must add nothing.
        return result.Findings.ToList();
    }

    private static InMemoryRbacPolicy Policy(params object[] bindings)
    {
        var policy = InMemoryRbacPolicy.WithBootstrapPolicy();
        foreach (var (name, rules) in Extra)
        {
            policy.Add(new ClusterRole { Metadata = new ObjectMeta { Name = name }, Rules = [.. rules] });
            policy.Add(new Role { Metadata = new ObjectMeta { Name = name, Namespace = "ns1" }, Rules = [.. rules] });
        }
        foreach (var binding in bindings)
        {
            switch (binding)
            {
                case RoleBinding rb: policy.Add(rb); break;
                case ClusterRoleBinding crb: policy.Add(crb); break;
            }
        }
        return policy;
    }

    private static Subject Group(string name) => new() { Kind = "Group", Name = name, ApiGroup = "rbac.authorization.k8s.io" };

    private static ClusterRoleBinding ClusterRoleBinding(string name, string role, params Subject[] subjects) => new()
    {
        Metadata = new ObjectMeta { Name = name },
        RoleRef = new RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = role },
        Subjects = [.. subjects],
    };

    private static RoleBinding RoleBinding(string ns, string name, string kind, string role, params Subject[] subjects) => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = ns },
        RoleRef = new RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = kind, Name = role },
        Subjects = [.. subjects],
    };
}
