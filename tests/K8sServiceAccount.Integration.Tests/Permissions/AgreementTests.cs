using K8sServiceAccount.Client.Models;
using K8sServiceAccount.Client.Permissions;
using K8sServiceAccount.Client.Rbac;

namespace K8sServiceAccount.Integration.Tests.Permissions;

/// <summary>
/// The agreement test: on seeded random policies and requests, offline evaluation of the same objects (the client's engine,
/// Method Offline) and the local API server's SubjectAccessReview give the same answer.
/// </summary>
public sealed class AgreementTests(PermissionsServer server) : IClassFixture<PermissionsServer>
{
    private const int Seed = 20261123;
    private const int Policies = 50;
    private const int RequestsPerPolicy = 20;

    private static readonly string[] Verbs = ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"];
    private static readonly string[] Groups = ["", "apps", "rbac.authorization.k8s.io"];
    private static readonly string[] Resources = ["pods", "secrets", "deployments", "configmaps", "roles", "serviceaccounts"];
    private static readonly string[] Subresources = ["", "", "", "", "", "log", "scale", "status", "token"];
    private static readonly string[] Names = ["", "", "", "n1", "n2"];
    private static readonly string[] Urls = ["/healthz", "/healthz/etcd", "/logs/app", "/apis/apps", "/metrics", "/version"];
    private static readonly string[] RuleUrls = ["/healthz", "/healthz/*", "/logs/*", "/api*", "*", "/metrics"];

    [Fact]
    public async Task Offline_evaluation_and_the_servers_SubjectAccessReview_agree_on_1000_generated_cases()
    {
        var random = new Random(Seed);
        var objects = new RbacObjectOperations(server.Admin);
        var checker = new PermissionChecker(server.Admin, ResourceNameResolver.WithoutDiscovery());
        var offlinePolicy = InMemoryRbacPolicy.WithBootstrapPolicy();
        var compared = 0;
        var allowedCount = 0;
        var mismatches = new List<string>();

        for (var p = 0; p < Policies; p++)
        {
            var prefix = $"agree-p{p}";
            string[] namespaces = [prefix + "-a", prefix + "-b"];
            foreach (var ns in namespaces)
            {
                await server.EnsureNamespaceAsync(ns);
            }

            // Roles and ClusterRoles.
            var roleNames = new List<(string Ns, string Name)>();
            var clusterRoleNames = new List<string>();
            for (var i = 0; i < 2; i++)
            {
                var ns = Pick(random, namespaces);
                var role = new Role { Metadata = new ObjectMeta { Name = $"{prefix}-r{i}", Namespace = ns }, Rules = [.. Enumerable.Range(0, random.Next(1, 4)).Select(_ => ResourceRule(random))] };
                await objects.CreateRoleAsync(role);
                offlinePolicy.Add(role);
                roleNames.Add((ns, role.Metadata.Name!));

                var clusterRole = new ClusterRole
                {
                    Metadata = new ObjectMeta { Name = $"{prefix}-c{i}" },
                    Rules = [.. Enumerable.Range(0, random.Next(1, 4)).Select(_ => random.Next(4) == 0 ? NonResourceRule(random) : ResourceRule(random))],
                };
                await objects.CreateClusterRoleAsync(clusterRole);
                offlinePolicy.Add(clusterRole);
                clusterRoleNames.Add(clusterRole.Metadata.Name!);
            }

            // Bindings, some to roles that do not exist.
            for (var i = 0; i < 3; i++)
            {
                var ns = Pick(random, namespaces);
                RoleRef roleRef = random.Next(3) switch
                {
                    0 when roleNames.Any(r => r.Ns == ns) => new RoleRef { Kind = "Role", Name = roleNames.First(r => r.Ns == ns).Name },
                    1 => new RoleRef { Kind = "Role", Name = prefix + "-missing" },
                    _ => new RoleRef { Kind = "ClusterRole", Name = random.Next(6) == 0 ? prefix + "-missing" : Pick(random, clusterRoleNames) },
                };
                var binding = new RoleBinding { Metadata = new ObjectMeta { Name = $"{prefix}-rb{i}", Namespace = ns }, RoleRef = roleRef, Subjects = Subjects(random, prefix, namespaces, clusterBinding: false) };
                await objects.CreateRoleBindingAsync(binding);
                offlinePolicy.Add(binding);
            }
            for (var i = 0; i < 2; i++)
            {
                var binding = new ClusterRoleBinding
                {
                    Metadata = new ObjectMeta { Name = $"{prefix}-crb{i}" },
                    RoleRef = new RoleRef { Kind = "ClusterRole", Name = Pick(random, clusterRoleNames) },
                    Subjects = Subjects(random, prefix, namespaces, clusterBinding: true),
                };
                await objects.CreateClusterRoleBindingAsync(binding);
                offlinePolicy.Add(binding);
            }

            // Requests for this policy's identities, answered by the server and offline.
            var offline = new RbacSnapshot(offlinePolicy, PermissionCheckMethod.Offline);
            var checks = Enumerable.Range(0, RequestsPerPolicy).Select(_ => Request(random, prefix, namespaces)).ToList();
            await foreach (var outcome in checker.CheckManyAsync(checks, 8))
            {
                Assert.Null(outcome.Error);
                var serverAnswer = outcome.Result!;
                var offlineAnswer = await offline.CheckAsync(outcome.Check);
                Assert.Equal(PermissionCheckMethod.SubjectAccessReview, serverAnswer.Method);
                Assert.Equal((serverAnswer.Resource, serverAnswer.Group, serverAnswer.Subresource), (offlineAnswer.Resource, offlineAnswer.Group, offlineAnswer.Subresource));
                if (serverAnswer.Allowed != offlineAnswer.Allowed)
                {
                    mismatches.Add($"policy {p}: {outcome.Check} server={serverAnswer.Allowed} ({serverAnswer.Reason}) offline={offlineAnswer.Allowed} ({offlineAnswer.Reason})");
                }
                allowedCount += serverAnswer.Allowed ? 1 : 0;
                compared++;
            }
        }

        Assert.True(mismatches.Count == 0, $"seed {Seed}: {mismatches.Count} disagreements:\n" + string.Join("\n", mismatches.Take(20)));
        Assert.Equal(Policies * RequestsPerPolicy, compared);
        // The generator must produce both answers in useful numbers, or the agreement says little (seed 20261123: 57 allows).
        Assert.InRange(allowedCount, compared / 20, compared * 9 / 10);
    }

    private static T Pick<T>(Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];

    private static PolicyRule ResourceRule(Random random)
    {
        var verbs = random.Next(8) == 0 ? ["*"] : Enumerable.Range(0, random.Next(1, 4)).Select(_ => Pick(random, Verbs)).Distinct().ToList();
        var groups = random.Next(8) == 0 ? ["*"] : Enumerable.Range(0, random.Next(1, 3)).Select(_ => Pick(random, Groups)).Distinct().ToList();
        var resources = Enumerable.Range(0, random.Next(1, 3)).Select(_ => random.Next(10) switch
        {
            0 => "*",
            1 => "*/scale",
            2 => "pods/log",
            3 => "deployments/scale",
            4 => "serviceaccounts/token",
            _ => Pick(random, Resources),
        }).Distinct().ToList();
        var names = random.Next(4) == 0 ? new List<string> { Pick(random, ["n1", "n2"]) } : null;
        return PolicyRules.Resource(verbs, groups, resources, names);
    }

    private static PolicyRule NonResourceRule(Random random)
        => PolicyRules.NonResource(random.Next(4) == 0 ? ["*"] : [Pick(random, ["get", "post"])], [Pick(random, RuleUrls)]);

    private static List<Subject> Subjects(Random random, string prefix, string[] namespaces, bool clusterBinding)
    {
        var subjects = new List<Subject>();
        for (var i = random.Next(1, 3); i > 0; i--)
        {
            subjects.Add(random.Next(6) switch
            {
                0 => new Subject { Kind = "User", Name = $"{prefix}-u{random.Next(2)}" },
                1 => new Subject { Kind = "Group", Name = $"{prefix}-g{random.Next(2)}" },
                2 => new Subject { Kind = "Group", Name = "system:serviceaccounts:" + Pick(random, namespaces) },
                // Without namespace: the RoleBinding's namespace (a ClusterRoleBinding requires one).
                3 when !clusterBinding => new Subject { Kind = "ServiceAccount", Name = $"sa{random.Next(2)}" },
                _ => new Subject { Kind = "ServiceAccount", Name = $"sa{random.Next(2)}", Namespace = Pick(random, namespaces) },
            });
        }
        return subjects;
    }

    private static PermissionCheck Request(Random random, string prefix, string[] namespaces)
    {
        var subject = random.Next(3) switch
        {
            0 => PermissionSubject.User($"{prefix}-u{random.Next(2)}", random.Next(2) == 0 ? [$"{prefix}-g{random.Next(2)}"] : []),
            _ => PermissionSubject.ServiceAccount(Pick(random, namespaces), $"sa{random.Next(2)}"),
        };
        if (random.Next(7) == 0)
        {
            return new PermissionCheck { Verb = Pick(random, ["get", "post", "*"]), NonResourceUrl = Pick(random, Urls), Subject = subject };
        }
        return new PermissionCheck
        {
            Verb = random.Next(15) == 0 ? "*" : Pick(random, Verbs),
            Resource = Pick(random, Resources[..3]),
            Group = Pick(random, Groups[..2]),
            Subresource = Pick(random, Subresources),
            Name = Pick(random, Names),
            Namespace = random.Next(5) == 0 ? "" : Pick(random, namespaces),
            Subject = subject,
        };
    }
}
