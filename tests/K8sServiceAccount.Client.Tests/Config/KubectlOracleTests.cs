using System.Diagnostics;
using System.Text.Json;
using K8sServiceAccount.Client.Config;
using Xunit.Abstractions;

namespace K8sServiceAccount.Client.Tests.Config;

/// <summary>
/// kubectl is the oracle for kubeconfig merge and context resolution: for every fixture and every context,
/// <c>kubectl config view --minify --raw -o json --context C</c> with the same KUBECONFIG must agree with us on
/// server, namespace, user, cluster and file references (and <c>--flatten</c> on the bytes those files hold).
/// A fixture kubectl rejects must be rejected by us too. KUBECONFIG and HOME are set for the kubectl child
/// process only. Without kubectl the test fails in CI (CI=true) and is skipped locally with one line.
/// </summary>
public sealed class KubectlOracleTests(ITestOutputHelper output)
{
    private const string KubectlPath = "/usr/bin/kubectl";

    [Theory]
    [MemberData(nameof(KubeconfigFixtures.All), MemberType = typeof(KubeconfigFixtures))]
    public async Task Kubectl_agrees_on_every_context(string fixture)
    {
        if (!KubectlAvailable())
        {
            return;
        }

        var environment = KubeconfigFixtures.Environment(fixture);
        Kubeconfig config;
        try
        {
            config = KubeconfigLoader.Load(null, environment);
        }
        catch (KubeconfigException ours)
        {
            var theirs = RunKubectl(fixture, context: null, flatten: false);
            Assert.True(theirs.ExitCode != 0, $"kubectl accepted {fixture} that we rejected with: {ours.Message}");
            output.WriteLine($"both reject {fixture}: ours: {ours.Message} | kubectl: {theirs.Error.Trim()}");
            return;
        }

        // kubectl takes a few hundred milliseconds per run: start every run of this fixture at once.
        var views = config.Contexts.Select(c => c.Name).Prepend(null)
            .ToDictionary(name => name ?? string.Empty, name => Task.Run(() => RunKubectl(fixture, name, flatten: false)));
        CompareCurrentContext(config, await views[string.Empty]);
        var rejections = KubeconfigFixtures.ExpectedRejections(fixture);
        Assert.NotEmpty(config.Contexts);
        foreach (var context in config.Contexts)
        {
            CompareContext(fixture, config, context.Name, await views[context.Name], rejections, environment);
        }

        Assert.All(rejections.Keys, name => Assert.NotNull(config.FindContext(name)));
    }

    [Fact]
    public void Every_fixture_is_distinct_and_there_are_at_least_25()
    {
        var names = KubeconfigFixtures.Names().ToList();
        Assert.True(names.Count >= 25, $"only {names.Count} kubeconfig fixtures");
        Assert.Equal(names.Count, names.Distinct(StringComparer.Ordinal).Count());
    }

    private static void CompareCurrentContext(Kubeconfig config, KubectlResult theirs)
    {
        if (theirs.ExitCode != 0)
        {
            // kubectl cannot minify without a usable current-context; we must fail the same selection.
            Assert.ThrowsAny<KubeconfigException>(() => ConnectionResolver.Select(config, null));
            return;
        }

        using var json = JsonDocument.Parse(theirs.Output);
        Assert.Equal(json.RootElement.GetProperty("current-context").GetString(), config.CurrentContext);
    }

    private void CompareContext(
        string fixture,
        Kubeconfig config,
        string contextName,
        KubectlResult theirs,
        IReadOnlyDictionary<string, string> rejections,
        FakeSystemEnvironment environment)
    {
        var label = $"{fixture} --context {contextName}";
        if (theirs.ExitCode != 0)
        {
            var ours = Assert.ThrowsAny<KubeconfigException>(() => ConnectionResolver.Select(config, contextName));
            output.WriteLine($"both reject {label}: ours: {ours.ErrorId} | kubectl: {theirs.Error.Trim()}");
            return;
        }

        var selection = ConnectionResolver.Select(config, contextName);
        using var json = JsonDocument.Parse(theirs.Output);
        var root = json.RootElement;
        var kContext = Single(root, "contexts").GetProperty("context");
        Assert.Equal(Text(kContext, "cluster"), selection.Context.Cluster ?? string.Empty);
        Assert.Equal(Text(kContext, "user"), selection.Context.User ?? string.Empty);
        Assert.Equal(Text(kContext, "namespace"), selection.Context.Namespace ?? string.Empty);

        if (selection.Cluster is { } cluster)
        {
            var kCluster = Single(root, "clusters").GetProperty("cluster");
            Assert.Equal(Text(kCluster, "server"), cluster.Server ?? string.Empty);
            ComparePath(label, kCluster, "certificate-authority", cluster.CertificateAuthority, cluster.SourceFile);
            Assert.Equal(Text(kCluster, "proxy-url"), cluster.ProxyUrl ?? string.Empty);
            Assert.Equal(Text(kCluster, "tls-server-name"), cluster.TlsServerName ?? string.Empty);
            Assert.Equal(Flag(kCluster, "insecure-skip-tls-verify"), cluster.InsecureSkipTlsVerify);
            Assert.Equal(Flag(kCluster, "disable-compression"), cluster.DisableCompression);
        }
        else
        {
            Assert.Equal(0, root.GetProperty("clusters").ValueKind == JsonValueKind.Array ? root.GetProperty("clusters").GetArrayLength() : 0);
        }

        if (selection.User is { } user)
        {
            var kUser = Single(root, "users").GetProperty("user");
            ComparePath(label, kUser, "client-certificate", user.ClientCertificate, user.SourceFile);
            ComparePath(label, kUser, "client-key", user.ClientKey, user.SourceFile);
            ComparePath(label, kUser, "tokenFile", user.TokenFile, user.SourceFile);
            if (kUser.TryGetProperty("exec", out var kExec))
            {
                var command = Text(kExec, "command");
                Assert.Equal(command, user.Exec!.CommandWritten ?? string.Empty);
                var expected = command.Contains(Path.DirectorySeparatorChar) && !Path.IsPathRooted(command)
                    ? Path.GetFullPath(Path.Combine(Path.GetDirectoryName(user.SourceFile)!, command))
                    : command;
                Assert.Equal(expected, user.Exec.Command ?? string.Empty);
                Assert.Equal(
                    kExec.TryGetProperty("args", out var args) && args.ValueKind == JsonValueKind.Array
                        ? args.EnumerateArray().Select(a => a.GetString()!).ToArray()
                        : Array.Empty<string>(),
                    user.Exec.Args);
            }
        }

        CompareResolution(label, config, contextName, rejections, environment, root);
    }

    private void CompareResolution(
        string label,
        Kubeconfig config,
        string contextName,
        IReadOnlyDictionary<string, string> rejections,
        FakeSystemEnvironment environment,
        JsonElement kubectlView)
    {
        var request = new ConnectionRequest { Context = contextName };
        if (rejections.TryGetValue(contextName, out var expectedErrorId))
        {
            var error = Assert.ThrowsAny<KubeconfigException>(() => ConnectionResolver.FromKubeconfig(config, request, ConnectionSource.Parameter, "oracle", environment));
            Assert.Equal(expectedErrorId, error.ErrorId);
            output.WriteLine($"stricter than config view {label}: {error.ErrorId}: {error.Message}");
            return;
        }

        var resolved = ConnectionResolver.FromKubeconfig(config, request, ConnectionSource.Parameter, "oracle", environment);
        var kContext = Single(kubectlView, "contexts").GetProperty("context");
        Assert.Equal(contextName, resolved.ContextName);
        Assert.Equal(Text(kContext, "cluster"), resolved.ClusterName);
        Assert.Equal(Text(kContext, "user"), resolved.UserName ?? string.Empty);
        var kNamespace = Text(kContext, "namespace");
        Assert.Equal(kNamespace.Length > 0 ? kNamespace : "default", resolved.Namespace);
        var kServer = Text(Single(kubectlView, "clusters").GetProperty("cluster"), "server");
        Assert.Equal(new Uri(kServer.Contains("://", StringComparison.Ordinal) ? kServer : "https://" + kServer), resolved.Server);

        // --flatten embeds the files kubectl resolved: their bytes must be the bytes we read.
        var kCluster = Single(kubectlView, "clusters").GetProperty("cluster");
        var kUser = kubectlView.TryGetProperty("users", out var users) && users.ValueKind == JsonValueKind.Array && users.GetArrayLength() == 1
            ? users[0].GetProperty("user")
            : default;
        // (kubectl refuses to flatten an entry that has both a path and data, so those are compared above only.)
        var referencesFiles = OnlyPath(kCluster, "certificate-authority") ||
            (kUser.ValueKind == JsonValueKind.Object && (OnlyPath(kUser, "client-certificate") || OnlyPath(kUser, "client-key")));
        if (!referencesFiles)
        {
            return;
        }

        var flattened = RunKubectl(KubeconfigFixtureOf(label), contextName, flatten: true);
        Assert.True(flattened.ExitCode == 0, $"kubectl --flatten failed for {label}: {flattened.Error}");
        using var flat = JsonDocument.Parse(flattened.Output);
        var fCluster = Single(flat.RootElement, "clusters").GetProperty("cluster");
        if (fCluster.TryGetProperty("certificate-authority-data", out var caData))
        {
            Assert.Equal(caData.GetBytesFromBase64(), resolved.CertificateAuthorityData);
        }

        if (flat.RootElement.TryGetProperty("users", out var fUsers) && fUsers.ValueKind == JsonValueKind.Array && fUsers.GetArrayLength() == 1)
        {
            var fUser = fUsers[0].GetProperty("user");
            if (fUser.TryGetProperty("client-certificate-data", out var certificate))
            {
                Assert.Equal(certificate.GetBytesFromBase64(), resolved.Auth.ClientCertificatePem);
            }

            if (fUser.TryGetProperty("client-key-data", out var key))
            {
                Assert.Equal(key.GetBytesFromBase64(), resolved.Auth.ClientKeyPem);
            }
        }
    }

    private static bool OnlyPath(JsonElement section, string field) =>
        section.TryGetProperty(field, out _) && !section.TryGetProperty(field + "-data", out _);

    private static string KubeconfigFixtureOf(string label) => label[..label.IndexOf(' ')];

    private static void ComparePath(string label, JsonElement kubectlSection, string field, FileReference? ours, string sourceFile)
    {
        var written = Text(kubectlSection, field);
        if (written.Length == 0)
        {
            Assert.True(ours is null, $"{label}: kubectl has no {field}, we have {ours}");
            return;
        }

        Assert.True(ours is not null, $"{label}: kubectl has {field} {written}, we have none");
        Assert.Equal(written, ours!.Value.Written);

        // config view --raw prints paths as written; client-go resolves them against the defining file's directory.
        var expected = Path.IsPathRooted(written) ? written : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(sourceFile)!, written));
        Assert.Equal(expected, ours.Value.Resolved);
    }

    private static JsonElement Single(JsonElement root, string list)
    {
        var items = root.GetProperty(list);
        Assert.Equal(JsonValueKind.Array, items.ValueKind);
        Assert.Equal(1, items.GetArrayLength());
        return items[0];
    }

    private static string Text(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : string.Empty;

    private static bool Flag(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.True;

    private bool KubectlAvailable()
    {
        if (File.Exists(KubectlPath))
        {
            return true;
        }

        Assert.False(
            string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase),
            $"{KubectlPath} is missing; the kubectl oracle must run in CI.");
        output.WriteLine($"SKIPPED: kubectl oracle needs {KubectlPath}, which is not installed on this machine.");
        Console.WriteLine($"SKIPPED: kubectl oracle needs {KubectlPath}, which is not installed on this machine.");
        return false;
    }

    private sealed record KubectlResult(int ExitCode, string Output, string Error);

    private static KubectlResult RunKubectl(string fixture, string? context, bool flatten)
    {
        var start = new ProcessStartInfo(KubectlPath)
        {
            WorkingDirectory = KubeconfigFixtures.CaseDirectory(fixture),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "config", "view", "--minify", "--raw", "-o", "json" })
        {
            start.ArgumentList.Add(argument);
        }

        if (flatten)
        {
            start.ArgumentList.Add("--flatten");
        }

        if (context is not null)
        {
            start.ArgumentList.Add("--context");
            start.ArgumentList.Add(context);
        }

        // Only the child's environment: this process's variables stay untouched.
        start.Environment["KUBECONFIG"] = KubeconfigFixtures.KubeconfigVariable(fixture);
        start.Environment["HOME"] = Path.Combine(KubeconfigFixtures.CaseDirectory(fixture), "no-such-home");
        using var process = Process.Start(start)!;
        var errorTask = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return new KubectlResult(process.ExitCode, stdout, errorTask.Result);
    }
}
