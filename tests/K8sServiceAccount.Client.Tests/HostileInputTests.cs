using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using K8sServiceAccount.Client.Config;
using K8sServiceAccount.Client.Http;
using K8sServiceAccount.Client.Models;
using K8sServiceAccount.Client.Rbac;
using K8sServiceAccount.Client.Tests.Config;
using K8sServiceAccount.Client.Tests.Http.Support;
using K8sServiceAccount.Client.Tests.Rbac;
using K8sServiceAccount.Client.Tokens;

namespace K8sServiceAccount.Client.Tests;

/// <summary>
/// Issue 11, defects 1-5: hostile documents and files fail fast with a typed error (never a stack overflow, a hang, gigabytes
/// or a bare System.* exception), and aggregation stays near-linear. Inputs are generated here.
/// </summary>
public sealed class HostileInputTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("k8s-hostile-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static readonly string Deep = new string('[', 45_000) + new string(']', 45_000);

    private static string Bomb(string indent)
    {
        var lines = new List<string> { "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]" };
        for (var i = 1; i <= 9; i++)
        {
            lines.Add($"a{i}: &a{i} [{string.Join(", ", Enumerable.Repeat($"*a{i - 1}", 9))}]");
        }
        return string.Join("\n", lines.Select(l => indent + l));
    }

    private static string Kubeconfig(string clusterExtra = "", string userExtra = "    token: abc") =>
        $"apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters:\n- name: k\n  cluster:\n    server: https://127.0.0.1:1\n{clusterExtra}\nusers:\n- name: u\n  user:\n{userExtra}\ncontexts:\n- name: c\n  context: {{cluster: k, user: u}}\n";

    private static T Fails<T>(Action action, int maxMilliseconds = 2000) where T : Exception
    {
        var watch = Stopwatch.StartNew();
        var error = Assert.Throws<T>(action);
        Assert.True(watch.ElapsedMilliseconds < maxMilliseconds, $"took {watch.ElapsedMilliseconds} ms: {error.Message}");
        return error;
    }

    private static string Jwt(string payload)
    {
        static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return $"{B64("{\"alg\":\"RS256\"}")}.{B64(payload)}.sig";
    }

    private static ResolvedConnection ResolveText(string kubeconfig) =>
        ConnectionResolver.Resolve(new ConnectionRequest(), new FakeSystemEnvironment().AddFile("/k/config", kubeconfig).Set("KUBECONFIG", "/k/config"));

    // Defect 1: depth.

    [Fact]
    public void Deep_yaml_in_a_kubeconfig_is_refused_before_it_can_overflow_the_stack()
    {
        var error = Fails<KubeconfigException>(() => KubeconfigParser.Parse(Encoding.UTF8.GetBytes("apiVersion: v1\nkind: Config\npreferences: " + Deep), "/k/config"));
        Assert.Equal(ConnectionErrorIds.KubeconfigInvalid, error.ErrorId);
        Assert.Contains("nested more than 64 levels", error.Message);
        Assert.Contains("/k/config", error.Message);
    }

    [Fact]
    public void Deep_yaml_and_json_policies_and_token_claims_are_refused()
    {
        var yaml = Fails<K8sClientException>(() => RbacDocumentReader.Read(["kind: Role\nrules: " + Deep]));
        Assert.Equal("RbacDocumentInvalid", yaml.ErrorId);
        Assert.Contains("nested more than 64 levels", yaml.Message);

        var json = Fails<K8sClientException>(() => RbacDocumentReader.Read(["{\"kind\":\"Role\",\"rules\":" + Deep + "}"]));
        Assert.Equal("RbacDocumentInvalid", json.ErrorId);
        Assert.Contains("nested more than 64 levels", json.Message);

        var token = Fails<K8sClientException>(() => ServiceAccountTokenDecoder.Decode(Jwt("{\"a\":" + Deep + "}"), DateTimeOffset.UtcNow));
        Assert.Equal("TokenNotJwt", token.ErrorId);
    }

    [Fact]
    public void Moderate_nesting_and_ordinary_aliases_still_read()
    {
        var policy = RbacDocumentReader.Read([
            "apiVersion: v1\nkind: List\nitems:\n" +
            "- {apiVersion: rbac.authorization.k8s.io/v1, kind: ClusterRole, metadata: {name: a, labels: &l {x: z}}, rules: [&r {apiGroups: [''], resources: [pods], verbs: [get]}]}\n" +
            "- {apiVersion: rbac.authorization.k8s.io/v1, kind: ClusterRole, metadata: {name: b, labels: *l}, rules: [*r]}\n"]);
        Assert.Equal(2, policy.ClusterRoles.Count);
        Assert.All(policy.ClusterRoles, r => Assert.Equal("pods", Assert.Single(r.Rules!).Resources![0]));
    }

    // Defect 2: files.

    [Fact]
    public void Devices_directories_and_huge_files_are_refused_with_the_reason()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }
        Assert.Contains("a character device, not a regular file", Fails<FileRefusedException>(() => RegularFile.Read("/dev/zero", RegularFile.KubeconfigMaxBytes)).Message);
        Assert.Contains("is a directory", Fails<FileRefusedException>(() => RegularFile.Read(_directory, RegularFile.KubeconfigMaxBytes)).Message);

        var huge = Path.Combine(_directory, "huge");
        using (var stream = File.Create(huge))
        {
            stream.SetLength(RegularFile.KubeconfigMaxBytes + 1);
        }
        Assert.Contains("larger than 16 MiB", Fails<FileRefusedException>(() => RegularFile.Read(huge, RegularFile.KubeconfigMaxBytes)).Message);

        var small = Path.Combine(_directory, "small");
        File.WriteAllText(small, "abc");
        Assert.Equal("abc"u8.ToArray(), RegularFile.Read(small, 3));
    }

    [Fact]
    public void A_fifo_is_refused_without_blocking()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }
        var fifo = Path.Combine(_directory, "pipe");
        using (var mkfifo = Process.Start("mkfifo", fifo))
        {
            mkfifo.WaitForExit();
        }
        var read = Task.Run(() => RegularFile.Read(fifo, 1024));
        Assert.True(((IAsyncResult)read).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(5)), "reading a FIFO blocked");
        Assert.Contains("FIFO", Assert.IsType<FileRefusedException>(read.Exception!.InnerException).Message);
    }

    [Fact]
    public void A_kubeconfig_or_a_referenced_file_that_is_a_directory_or_device_is_unreadable_not_missing()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }
        var config = Fails<KubeconfigException>(() => KubeconfigLoader.Load(_directory, SystemEnvironment.Instance));
        Assert.Equal(ConnectionErrorIds.KubeconfigUnreadable, config.ErrorId);
        Assert.Contains("is a directory", config.Message);

        var file = Path.Combine(_directory, "config");
        File.WriteAllText(file, Kubeconfig("    certificate-authority: /dev/zero"));
        var ca = Fails<KubeconfigException>(() => ConnectionResolver.Resolve(new ConnectionRequest { KubeconfigPath = file }, SystemEnvironment.Instance));
        Assert.Equal(ConnectionErrorIds.KubeconfigReferencedFileUnreadable, ca.ErrorId);
        Assert.Contains("not a regular file", ca.Message);
    }

    // Defect 3: aliases.

    [Fact]
    public void A_billion_laughs_policy_or_kubeconfig_extension_fails_in_milliseconds()
    {
        var policy = Fails<K8sClientException>(() => RbacDocumentReader.Read(["apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: r\n  annotations:\n" + Bomb("    ")]), 500);
        Assert.Equal("RbacDocumentInvalid", policy.ErrorId);
        Assert.Contains("aliases expand to more than", policy.Message);

        var kubeconfig = Fails<KubeconfigException>(() => KubeconfigParser.Parse(
            Encoding.UTF8.GetBytes(Kubeconfig("    extensions:\n    - name: client.authentication.k8s.io/exec\n      extension:\n" + Bomb("        "))), "/k/config"), 500);
        Assert.Equal(ConnectionErrorIds.KubeconfigInvalid, kubeconfig.ErrorId);
        Assert.Contains("aliases expand to more than", kubeconfig.Message);
    }

    [Fact]
    public void An_alias_inside_its_own_anchor_is_refused()
    {
        var error = Fails<K8sClientException>(() => RbacDocumentReader.Read(["a: &a [1, *a]"]));
        Assert.Equal("RbacDocumentInvalid", error.ErrorId);
    }

    // Defect 4: typed errors.

    [Theory]
    [InlineData("apiVersion: v1\nkind: Config\n---\ncurrent-context: \"\\udc00\\ud800\"\n")]
    [InlineData("apiVersion: v1\nkind: Config\nclusters: [{name: a, cluster: {server: x}\n")]
    [InlineData("apiVersion: v1\nkind: Config\ncurrent-context: \"\\ud800\\ud800\"\n")]
    [InlineData("apiVersion: v1\nkind: Config\nclusters: []\nclusters: []\n")]
    public void A_malformed_kubeconfig_is_KubeconfigInvalid(string text)
    {
        var error = Fails<KubeconfigException>(() => KubeconfigParser.Parse(Encoding.UTF8.GetBytes(text), "/k/config"));
        Assert.Equal(ConnectionErrorIds.KubeconfigInvalid, error.ErrorId);
        Assert.Contains("/k/config", error.Message);
    }

    [Theory]
    [InlineData("    token: \"abc\\r\\nX-Evil: 1\"", "", "users[0].user.token")]
    [InlineData("    token: \"abc\\0def\"", "", "users[0].user.token")]
    [InlineData("    token: abc", "    tls-server-name: 'a b'", "clusters[0].cluster.tls-server-name")]
    public void A_value_no_request_could_carry_is_refused_when_the_kubeconfig_is_resolved(string user, string cluster, string field)
    {
        var error = Fails<KubeconfigException>(() => ResolveText(Kubeconfig(cluster, user)));
        Assert.Equal(ConnectionErrorIds.KubeconfigInvalid, error.ErrorId);
        Assert.Equal(field, error.Field);
        Assert.DoesNotContain("X-Evil", error.Message);
    }

    [Theory]
    [InlineData("kind: Role\nmetadata: {name: r}\nrules: [null]\n", "rules[0]")]
    [InlineData("kind: RoleBinding\nmetadata: {name: b}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}\nsubjects: [null]\n", "subjects[0]")]
    [InlineData("kind: ClusterRole\nmetadata: {name: c}\naggregationRule: {clusterRoleSelectors: [null]}\n", "aggregationRule.clusterRoleSelectors[0]")]
    [InlineData("kind: ClusterRole\nmetadata: {name: c}\naggregationRule: {clusterRoleSelectors: [{matchExpressions: [null]}]}\n", "matchExpressions[0]")]
    [InlineData("kind: Role\nmetadata: {name: \"\\ud800\\ud800\"}\n", "surrogate")]
    [InlineData("kind: Role\nmetadata: {name: r, name: s}\n", "Duplicate key")]
    [InlineData("{\"kind\":\"Role\",\"kind\":\"Role\",\"metadata\":{\"name\":\"r\"}}", "\"kind\" appears twice")]
    [InlineData("{\"kind\":\"Role\",\"metadata\":{\"name\":\"\\ud800\"}}", "$.metadata.name")]
    public void A_malformed_policy_is_RbacDocumentInvalid_naming_the_field(string text, string expected)
    {
        var body = text.StartsWith('{') ? text.Replace("{\"kind\"", "{\"apiVersion\":\"rbac.authorization.k8s.io/v1\",\"kind\"") : "apiVersion: rbac.authorization.k8s.io/v1\n" + text;
        var error = Fails<K8sClientException>(() => RbacDocumentReader.Read([new RbacSource("p.yaml", "apiVersion: v1\nkind: ConfigMap\n---\n" + body)]));
        if (text.StartsWith('{'))
        {
            error = Fails<K8sClientException>(() => RbacDocumentReader.Read([new RbacSource("p.json", body)]));
        }
        Assert.Equal("RbacDocumentInvalid", error.ErrorId);
        Assert.True(error.Message.Contains(expected, StringComparison.Ordinal), error.Message);
        Assert.Contains(text.StartsWith('{') ? "p.json" : "p.yaml", error.Message);
    }

    [Fact]
    public void A_lone_surrogate_or_duplicate_claim_in_a_token_is_TokenNotJwt()
    {
        Assert.Equal("TokenNotJwt", Fails<K8sClientException>(() => ServiceAccountTokenDecoder.Decode(Jwt("{\"iss\":\"x\",\"sub\":\"\\ud800\"}"), DateTimeOffset.UtcNow)).ErrorId);
        Assert.Equal("TokenNotJwt", Fails<K8sClientException>(() => ServiceAccountTokenDecoder.Decode(Jwt("{\"iss\":\"x\",\"iss\":\"y\"}"), DateTimeOffset.UtcNow)).ErrorId);
    }

    [Fact]
    public async Task A_server_that_accepts_and_never_answers_is_KubernetesRequestTimeout()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var accepted = new List<TcpClient>();
        _ = Task.Run(async () =>
        {
            while (true)
            {
                try
                {
                    accepted.Add(await listener.AcceptTcpClientAsync());
                }
                catch (Exception)
                {
                    return;
                }
            }
        });
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var connection = KubernetesConnection.Create(
            TestConnections.Settings(server: new Uri($"https://127.0.0.1:{port}")),
            new KubernetesConnectionOptions { ConnectTimeout = TimeSpan.FromMilliseconds(300), MaxRetries = 0 });
        var watch = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<K8sClientException>(() => connection.GetAsync("/api/v1/namespaces/default/serviceaccounts/x", KubeJsonContext.Default.ServiceAccount, CancellationToken.None));
        Assert.Equal("KubernetesRequestTimeout", error.ErrorId);
        Assert.Equal(K8sErrorCategory.OperationTimeout, error.Category);
        Assert.Contains("could not connect within 0.3 seconds", error.Message);
        Assert.True(watch.ElapsedMilliseconds < 5000, $"took {watch.ElapsedMilliseconds} ms");
        accepted.ForEach(c => c.Dispose());
    }

    // Defect 5: aggregation.

    /// <summary>This thread's processor time (Linux), else wall time: a loaded test machine does not inflate it.</summary>
    private static TimeSpan ThreadCpu()
    {
        if (!OperatingSystem.IsLinux())
        {
            return TimeSpan.FromTicks(Stopwatch.GetTimestamp() * TimeSpan.TicksPerSecond / Stopwatch.Frequency);
        }
        // /proc/thread-self/stat: fields 14 and 15 (utime, stime) in clock ticks of 1/100 s, after the ")" closing the name.
        var fields = File.ReadAllText("/proc/thread-self/stat").Split(')')[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return TimeSpan.FromMilliseconds((long.Parse(fields[11]) + long.Parse(fields[12])) * 10);
    }

    private static ClusterRole Aggregated(string name, Dictionary<string, string> labels, Dictionary<string, string>[]? selects, params PolicyRule[] rules) => new()
    {
        Metadata = new ObjectMeta { Name = name, Labels = labels },
        AggregationRule = selects is null ? null : new AggregationRule { ClusterRoleSelectors = [.. selects.Select(s => new LabelSelector { MatchLabels = s })] },
        Rules = [.. rules],
    };

    [Fact]
    public void A_chain_of_500_aggregated_roles_each_adding_a_rule_with_a_wide_selector_aggregates_in_well_under_a_second()
    {
        // r000 aggregates r001 and leaf000, r001 aggregates r002 and leaf001, ...; "wide" aggregates every chain role.
        var roles = new List<ClusterRole>();
        for (var i = 0; i < 500; i++)
        {
            roles.Add(Aggregated($"r{i:D3}", new() { ["chain"] = $"l{i}", ["all"] = "yes" }, [new() { ["chain"] = $"l{i + 1}" }, new() { ["leaf"] = $"l{i}" }], R.Rule("get", "", "ignored")));
            roles.Add(Aggregated($"leaf{i:D3}", new() { ["leaf"] = $"l{i}" }, null, R.Rule("get", "", $"res{i}")));
        }
        roles.Add(Aggregated("r500", new() { ["chain"] = "l500" }, null, R.Rule("get", "", "pods")));
        roles.Add(Aggregated("wide", new(), [new() { ["all"] = "yes" }]));

        var cpu = ThreadCpu();
        var result = ClusterRoleAggregation.ApplyAll(roles);
        var took = ThreadCpu() - cpu;
        Assert.True(took < TimeSpan.FromSeconds(1), $"took {took.TotalMilliseconds} ms of processor time");

        // What the controller converges to: r000 holds r500's rule, then the leaves from the far end back to its own.
        var r0 = result[0].Rules!.Select(r => r.Resources![0]).ToList();
        Assert.Equal(["pods", .. Enumerable.Range(0, 500).Reverse().Select(i => $"res{i}")], r0);
        Assert.Equal(r0.Order(StringComparer.Ordinal), result[^1].Rules!.Select(r => r.Resources![0]).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_chain_of_100000_aggregated_roles_is_refused_instead_of_overflowing_the_stack()
    {
        var roles = Enumerable.Range(0, 100_000)
            .Select(i => Aggregated($"r{i}", new() { ["chain"] = $"l{i}" }, [new() { ["chain"] = $"l{i + 1}" }]))
            .ToList();
        var error = Fails<K8sClientException>(() => ClusterRoleAggregation.ApplyAll(roles), 10_000);
        Assert.Equal("ClusterRoleAggregationTooDeep", error.ErrorId);
    }
}
