using System.Diagnostics;
using K8sServiceAccount.Client.Models;
using K8sServiceAccount.Client.Permissions;
using K8sServiceAccount.Client.Rbac;

namespace K8sServiceAccount.Bench;

/// <summary>
/// Risk audit (Get-K8sRiskyPermission's engine) from a snapshot: 10,000 bindings (8,000 RoleBindings in 100 namespaces,
/// 2,000 ClusterRoleBindings) and 2,000 roles (1,000 ClusterRoles, 1,000 Roles) plus the bootstrap policy; every subject,
/// then 200 ServiceAccounts asked one by one. Prints median wall time, allocated bytes and peak working set.
/// Options: --runs N (default 5).
/// </summary>
public static class RiskAuditBenchmark
{
    public const string Name = "risk-audit";

    private static readonly string[][] RuleShapes =
    [
        ["get,list,watch", "", "pods,configmaps"],
        ["get,list,watch", "", "secrets"],
        ["create", "apps", "deployments"],
        ["create", "", "pods/exec"],
        ["get,update", "apps", "deployments,deployments/scale"],
        ["*", "", "configmaps"],
        ["create,update,patch", "rbac.authorization.k8s.io", "rolebindings"],
        ["list,watch", "batch", "jobs,cronjobs"],
        ["create", "", "serviceaccounts/token"],
        ["get", "", "services,endpoints"],
    ];

    public static int Run(string[] args)
    {
        var runs = args.Length >= 2 && args[0] == "--runs" ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 5;
        var build = Stopwatch.StartNew();
        var snapshot = new RbacSnapshot(BuildPolicy(), PermissionCheckMethod.LocalRbac);
        var policy = snapshot.Policy;
        _ = policy.RoleBindings; // index once, as a snapshot taken by Get-K8sRbacSnapshot already is
        Console.WriteLine($"snapshot: {policy.ClusterRoles.Count} ClusterRoles, {policy.Roles.Count} Roles, {policy.ClusterRoleBindings.Count()} ClusterRoleBindings, " +
            $"{policy.RoleBindings.Count} RoleBindings; built in {build.ElapsedMilliseconds} ms");

        var accounts = Enumerable.Range(0, 200).Select(i => PermissionSubject.ServiceAccount("ns" + (i % 100), "sa" + i)).ToList();
        Measure("all subjects", runs, () => RiskAudit.Audit(policy).Findings.Count);
        Measure("200 ServiceAccounts, one call", runs, () => RiskAudit.Audit(policy, new RiskAuditOptions { Subjects = accounts }).Findings.Count);
        Measure("all subjects, -MinimumSeverity High", runs, () => RiskAudit.Audit(policy, new RiskAuditOptions { MinimumSeverity = RiskSeverity.High }).Findings.Count);
        Console.WriteLine($"peak working set: {Process.GetCurrentProcess().PeakWorkingSet64 / (1024 * 1024)} MiB");
        return 0;
    }

    private static void Measure(string label, int runs, Func<int> audit)
    {
        audit(); // warm-up (JIT)
        var times = new List<double>();
        var allocated = new List<long>();
        var findings = 0;
        for (var i = 0; i < runs; i++)
        {
            GC.Collect();
            var before = GC.GetAllocatedBytesForCurrentThread();
            var watch = Stopwatch.StartNew();
            findings = audit();
            watch.Stop();
            allocated.Add(GC.GetAllocatedBytesForCurrentThread() - before);
            times.Add(watch.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        allocated.Sort();
        Console.WriteLine($"{label}: median {times[runs / 2]:F1} ms (min {times[0]:F1}, max {times[^1]:F1}), {findings:N0} findings, " +
            $"allocated {allocated[runs / 2] / (1024.0 * 1024):F1} MiB");
    }

    private static InMemoryRbacPolicy BuildPolicy()
    {
        var policy = InMemoryRbacPolicy.WithBootstrapPolicy();
        for (var i = 0; i < 1000; i++)
        {
            policy.Add(new ClusterRole { Metadata = new ObjectMeta { Name = "cr" + i }, Rules = Rules(i) });
            policy.Add(new Role { Metadata = new ObjectMeta { Name = "r" + i, Namespace = "ns" + (i % 100) }, Rules = Rules(i + 3) });
        }
        for (var i = 0; i < 2000; i++)
        {
            policy.Add(new ClusterRoleBinding
            {
                Metadata = new ObjectMeta { Name = "crb" + i },
                RoleRef = new RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = i % 50 == 0 ? "view" : "cr" + (i % 1000) },
                Subjects = Subjects(i),
            });
        }
        for (var i = 0; i < 8000; i++)
        {
            var ns = "ns" + (i % 100);
            var toClusterRole = i % 2 == 0;
            policy.Add(new RoleBinding
            {
                Metadata = new ObjectMeta { Name = "rb" + i, Namespace = ns },
                RoleRef = new RoleRef
                {
                    ApiGroup = "rbac.authorization.k8s.io",
                    Kind = toClusterRole ? "ClusterRole" : "Role",
                    // Roles r{k} live in ns{k % 100}: pick one of this namespace's ten.
                    Name = toClusterRole ? (i % 10 == 0 ? "edit" : "cr" + (i % 1000)) : "r" + (i % 100 + 100 * (i / 100 % 10)),
                },
                Subjects = Subjects(i),
            });
        }
        return policy;
    }

    private static List<PolicyRule> Rules(int seed)
    {
        var rules = new List<PolicyRule>();
        for (var k = 0; k < 5; k++)
        {
            var shape = RuleShapes[(seed * 7 + k * 3) % RuleShapes.Length];
            rules.Add(PolicyRules.Resource(shape[0].Split(','), [shape[1]], shape[2].Split(',')));
        }
        return rules;
    }

    private static List<Subject> Subjects(int i) =>
    [
        new Subject { Kind = "ServiceAccount", Name = "sa" + (i % 200), Namespace = "ns" + (i % 200 % 100) },
        i % 3 == 0
            ? new Subject { Kind = "Group", ApiGroup = "rbac.authorization.k8s.io", Name = "system:serviceaccounts:ns" + (i % 100) }
            : new Subject { Kind = "User", ApiGroup = "rbac.authorization.k8s.io", Name = "user" + (i % 500) },
    ];
}
