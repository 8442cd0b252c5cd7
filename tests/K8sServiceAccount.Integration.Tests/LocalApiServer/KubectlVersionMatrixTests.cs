using System.Text.Json.Nodes;

namespace K8sServiceAccount.Integration.Tests.LocalApiServer;

/// <summary>
/// The same flows with every kubectl from 1.27 to 1.33 against one in-process local API server: 1.27 to 1.31 send
/// JSON, 1.32 and 1.33 protobuf (for typed clients; create -f stays JSON). Skipped when a binary is missing, except
/// in CI (CI=true), where the missing binary fails the row.
/// </summary>
public sealed class KubectlVersionMatrixTests : IClassFixture<ServerFixture>
{
    public static readonly string[] Versions = ["1.27", "1.28", "1.29", "1.30", "1.31", "1.32", "1.33"];

    private readonly ServerFixture _server;

    public KubectlVersionMatrixTests(ServerFixture server)
    {
        _server = server;
    }

    public static TheoryData<string> AllVersions() => new(Versions);

    [KubectlVersionsTheory]
    [MemberData(nameof(AllVersions))]
    public async Task TheFlowsWork(string version)
    {
        string ns = "kv-" + version.Replace('.', '-');
        string sa = $"system:serviceaccount:{ns}:app";
        using var kubectl = new Kubectl(_server.Host.KubeconfigPath, version);

        Assert.Equal($"namespace/{ns} created", await OkAsync(kubectl, "create", "namespace", ns));
        await _server.Host.WaitForControllersAsync();
        Assert.Equal("serviceaccount/app created", await OkAsync(kubectl, "create", "serviceaccount", "app", "-n", ns));
        KubectlResult again = await kubectl.RunAsync("create", "serviceaccount", "app", "-n", ns);
        Assert.True(again.ExitCode == 1, again.ToString());
        Assert.Equal("error: failed to create serviceaccount: serviceaccounts \"app\" already exists", again.Error.Trim());

        string token = await OkAsync(kubectl, "create", "token", "app", "-n", ns, "--duration", "10m", "--audience", "api", "--audience", "vault");
        JsonNode claims = JsonNode.Parse(Base64Url(token.Split('.')[1]))!;
        Assert.Equal(["api", "vault"], claims["aud"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.Equal(600, claims["exp"]!.GetValue<long>() - claims["iat"]!.GetValue<long>());
        Assert.Equal(sa, claims["sub"]!.GetValue<string>());

        Assert.Equal("role.rbac.authorization.k8s.io/pod-reader created",
            await OkAsync(kubectl, "create", "role", "pod-reader", "-n", ns, "--verb=get,list", "--resource=pods"));
        Assert.Equal("rolebinding.rbac.authorization.k8s.io/pod-reader-app created",
            await OkAsync(kubectl, "create", "rolebinding", "pod-reader-app", "-n", ns, "--role=pod-reader", $"--serviceaccount={ns}:app"));
        string manifest = Path.Combine(kubectl.CacheDirectory, "..", "cluster-rbac.yaml");
        await File.WriteAllTextAsync(manifest, ClusterRbac(ns));
        Assert.Equal(
            $"clusterrole.rbac.authorization.k8s.io/{ns}-deployment-reader created\nclusterrolebinding.rbac.authorization.k8s.io/{ns}-deployment-reader created",
            await OkAsync(kubectl, "create", "-f", manifest));

        Assert.Equal("yes", await OkAsync(kubectl, "auth", "can-i", "delete", "pods", "-n", ns));
        Assert.Equal("yes", await OkAsync(kubectl, "auth", "can-i", "list", "deployments.apps", "-n", ns, "--as", sa));
        KubectlResult denied = await kubectl.RunAsync("auth", "can-i", "delete", "pods", "-n", ns, "--as", sa);
        Assert.True(denied.ExitCode == 1 && denied.Output.Trim() == "no", denied.ToString());

        string rules = await OkAsync(kubectl, "auth", "can-i", "--list", "-n", ns, "--as", sa);
        Assert.Matches(@"(?m)^pods\s+\[\]\s+\[\]\s+\[get list\]$", rules);
        Assert.Matches(@"(?m)^deployments\.apps\s+\[\]\s+\[\]\s+\[get list\]$", rules);
        Assert.Matches(@"(?m)^\s+\[/healthz\]\s+\[\]\s+\[get\]$", rules);

        string whoami = await OkAsync(kubectl, "auth", "whoami", "--as", sa);
        Assert.Matches($@"(?m)^Username\s+{sa}$", whoami);
        Assert.Matches($@"(?m)^Groups\s+\[system:serviceaccounts system:serviceaccounts:{ns} system:authenticated\]$", whoami);

        JsonNode account = JsonNode.Parse(await OkAsync(kubectl, "get", "sa", "app", "-n", ns, "-o", "json"))!;
        Assert.Equal(("ServiceAccount", "app", ns), (account["kind"]!.GetValue<string>(), account["metadata"]!["name"]!.GetValue<string>(),
            account["metadata"]!["namespace"]!.GetValue<string>()));
        Assert.Equal("serviceaccount \"app\" deleted", await OkAsync(kubectl, "delete", "sa", "app", "-n", ns, "--wait=false"));
    }

    private static async Task<string> OkAsync(Kubectl kubectl, params string[] args)
    {
        KubectlResult result = await kubectl.RunAsync(args);
        Assert.True(result.ExitCode == 0, $"kubectl {string.Join(' ', args)}: {result}");
        return result.Output.Trim();
    }

    private static string ClusterRbac(string ns) => $"""
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata:
          name: {ns}-deployment-reader
          labels:
            app.kubernetes.io/part-of: kubectl-matrix
        rules:
        - apiGroups: ["apps"]
          resources: ["deployments"]
          verbs: ["get", "list"]
        - nonResourceURLs: ["/healthz"]
          verbs: ["get"]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRoleBinding
        metadata:
          name: {ns}-deployment-reader
        subjects:
        - kind: ServiceAccount
          name: app
          namespace: {ns}
        roleRef:
          apiGroup: rbac.authorization.k8s.io
          kind: ClusterRole
          name: {ns}-deployment-reader
        """;

    private static byte[] Base64Url(string part)
    {
        string padded = part.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(padded + new string('=', (4 - padded.Length % 4) % 4));
    }
}

/// <summary>
/// A theory over <see cref="KubectlVersionMatrixTests.Versions"/>: skipped with one line when one of the binaries is
/// missing, except in CI (CI=true), where the rows run and a missing binary fails its row.
/// </summary>
public sealed class KubectlVersionsTheoryAttribute : TheoryAttribute
{
    public KubectlVersionsTheoryAttribute()
    {
        string[] missing = KubectlVersionMatrixTests.Versions.Select(Kubectl.PathOf).Where(p => !File.Exists(p)).ToArray();
        if (missing.Length > 0 &&
            !string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Skip = $"kubectl is not installed at {string.Join(", ", missing)}; the kubectl version matrix needs every version.";
        }
    }
}
