using K8sServiceAccount.Client;
using K8sServiceAccount.Client.Permissions;
using K8sServiceAccount.Integration.Tests.LocalApiServer;

namespace K8sServiceAccount.Integration.Tests.Permissions;

/// <summary>
/// Test-K8sPermission writes kubectl's warnings: the resolver's warnings for a check, against the local API server's
/// discovery, are the "Warning: " lines kubectl 1.28 auth can-i writes for the same words, word for word.
/// </summary>
public sealed class CanIWarningKubectlTests(PermissionsServer server) : IClassFixture<PermissionsServer>
{
    [KubectlTheory]
    [InlineData("get", "pods", "default")]
    [InlineData("frob", "pods", "default")]
    [InlineData("frob", "pods", "")]
    [InlineData("escalate", "roles.rbac.authorization.k8s.io", "default")]
    [InlineData("approve", "certificatesigningrequests.certificates.k8s.io", "")]
    [InlineData("sign", "pods", "default")]
    [InlineData("attest", "pods", "default")]
    [InlineData("bind", "clusterroles", "default")]
    [InlineData("impersonate", "serviceaccounts", "default")]
    [InlineData("use", "pods", "default")]
    [InlineData("frob", "nodes", "default")]
    [InlineData("frob", "widgets", "default")]
    [InlineData("get", "nodes", "")]
    public async Task Warnings_are_the_ones_kubectl_auth_can_i_writes(string verb, string resource, string ns)
    {
        using var kubectl = new Kubectl(server.Host.KubeconfigPath);
        var log = new WarningLog();
        var resolver = new ResourceNameResolver(server.Admin, log);

        await resolver.ResolveAsync(new PermissionCheck { Verb = verb, Resource = resource, Namespace = ns }, CancellationToken.None);
        var kubectlRun = await kubectl.RunAsync(["auth", "can-i", verb, resource, .. ns.Length == 0 ? new[] { "-A" } : ["-n", ns]]);
        var kubectlWarnings = kubectlRun.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => line.StartsWith("Warning: ", StringComparison.Ordinal))
            .Select(line => line["Warning: ".Length..]);

        Assert.Equal(kubectlWarnings.Order(StringComparer.Ordinal), log.Warnings.Order(StringComparer.Ordinal));
    }

    private sealed class WarningLog : IClientLog
    {
        private readonly List<string> warnings = [];

        public IReadOnlyList<string> Warnings
        {
            get
            {
                lock (warnings)
                {
                    return [.. warnings];
                }
            }
        }

        public void Verbose(string message) { }

        public void Debug(string message) { }

        public void Warning(string message)
        {
            lock (warnings)
            {
                warnings.Add(message);
            }
        }
    }
}
