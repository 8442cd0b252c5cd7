using System.Text;
using System.Text.Json.Nodes;

namespace K8sServiceAccount.Integration.Tests.LocalApiServer;

/// <summary>
/// kubectl 1.28 (which no one here wrote) driving the local API server: the fidelity oracle.
/// Every test works in its own namespace of one shared server.
/// </summary>
public sealed class KubectlFidelityTests : IClassFixture<ServerFixture>, IDisposable
{
    private readonly ServerFixture _server;
    private readonly Kubectl? _kubectl;
    private readonly string _directory;

    public KubectlFidelityTests(ServerFixture server)
    {
        _server = server;
        _directory = Directory.CreateTempSubdirectory("kubectl-suite-").FullName;
        if (File.Exists(Kubectl.Path) || IsCi) _kubectl = new Kubectl(server.Host.KubeconfigPath);
    }

    private static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    private Kubectl K => _kubectl ?? throw new InvalidOperationException("kubectl missing");

    public void Dispose()
    {
        _kubectl?.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private async Task<string> NamespaceAsync()
    {
        string ns = "t-" + Guid.NewGuid().ToString("N")[..10];
        await Ok("create", "namespace", ns);
        await _server.Host.WaitForControllersAsync();
        return ns;
    }

    private async Task<KubectlResult> Ok(params string[] args)
    {
        KubectlResult result = await K.RunAsync(args);
        Assert.True(result.ExitCode == 0, $"kubectl {string.Join(' ', args)} failed: {result}");
        return result;
    }

    private async Task<KubectlResult> Fails(params string[] args)
    {
        KubectlResult result = await K.RunAsync(args);
        Assert.True(result.ExitCode != 0, $"kubectl {string.Join(' ', args)} should have failed: {result}");
        return result;
    }

    private string WriteFile(string name, string content)
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllText(path, content);
        return path;
    }

    private static JsonObject JwtPayload(string token)
    {
        string segment = token.Trim().Split('.')[1].Replace('-', '+').Replace('_', '/');
        segment += new string('=', (4 - segment.Length % 4) % 4);
        return JsonNode.Parse(Convert.FromBase64String(segment))!.AsObject();
    }

    [KubectlFact]
    public async Task CreateServiceAccountTwiceReportsTheRealAlreadyExistsText()
    {
        string ns = await NamespaceAsync();
        KubectlResult first = await Ok("create", "serviceaccount", "build-robot", "-n", ns);
        Assert.Equal("serviceaccount/build-robot created", first.Output.Trim());

        KubectlResult second = await Fails("create", "serviceaccount", "build-robot", "-n", ns);
        Assert.Equal("error: failed to create serviceaccount: serviceaccounts \"build-robot\" already exists", second.Error.Trim());
    }

    [KubectlFact]
    public async Task GetSaResolvesTheShortNameAndPrintsTheServerTable()
    {
        string ns = await NamespaceAsync();
        await Ok("create", "serviceaccount", "build-robot", "-n", ns);
        KubectlResult result = await Ok("get", "sa", "-n", ns);
        string[] lines = result.Output.Trim().Split('\n');
        Assert.Matches(@"^NAME\s+SECRETS\s+AGE$", lines[0]);
        Assert.Contains(lines, l => l.StartsWith("build-robot ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("default ", StringComparison.Ordinal));
    }

    [KubectlFact]
    public async Task CreateTokenHonoursDurationAudienceAndPodBinding()
    {
        string ns = await NamespaceAsync();
        await Ok("create", "serviceaccount", "app", "-n", ns);

        JsonObject timed = JwtPayload((await Ok("create", "token", "app", "-n", ns, "--duration", "20m")).Output);
        Assert.Equal(1200, timed["exp"]!.GetValue<long>() - timed["iat"]!.GetValue<long>());
        Assert.Equal($"system:serviceaccount:{ns}:app", timed["sub"]!.GetValue<string>());
        Assert.Equal("https://kubernetes.default.svc.cluster.local", timed["aud"]![0]!.GetValue<string>());

        JsonObject audience = JwtPayload((await Ok("create", "token", "app", "-n", ns, "--audience", "vault")).Output);
        Assert.Equal(["vault"], audience["aud"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.Equal(3600, audience["exp"]!.GetValue<long>() - audience["iat"]!.GetValue<long>());

        string pod = WriteFile("pod.yaml", $"""
            apiVersion: v1
            kind: Pod
            metadata:
              name: web
              namespace: {ns}
            spec:
              serviceAccountName: app
              containers:
              - name: web
                image: nginx
            """);
        await Ok("create", "-f", pod);
        JsonObject bound = JwtPayload((await Ok("create", "token", "app", "-n", ns, "--bound-object-kind", "Pod", "--bound-object-name", "web")).Output);
        Assert.Equal("web", bound["kubernetes.io"]!["pod"]!["name"]!.GetValue<string>());

        KubectlResult tooShort = await Fails("create", "token", "app", "-n", ns, "--duration", "5m");
        Assert.Contains("TokenRequest.authentication.k8s.io \"\" is invalid: spec.expirationSeconds: Invalid value: 300: may not specify a duration less than 10 minutes", tooShort.Error);
    }

    [KubectlFact]
    public async Task WhoamiShowsTheAdminAndAServiceAccountToken()
    {
        KubectlResult admin = await Ok("auth", "whoami");
        Assert.Matches(@"Username\s+admin", admin.Output);
        Assert.Matches(@"Groups\s+\[system:masters system:authenticated\]", admin.Output);

        string ns = await NamespaceAsync();
        await Ok("create", "serviceaccount", "app", "-n", ns);
        string token = (await Ok("create", "token", "app", "-n", ns)).Output.Trim();
        KubectlResult asToken = await RunWithTokenAsync(token, "auth", "whoami");
        Assert.Equal(0, asToken.ExitCode);
        Assert.Matches($@"Username\s+system:serviceaccount:{ns}:app", asToken.Output);
        Assert.Matches($@"Groups\s+\[system:serviceaccounts system:serviceaccounts:{ns} system:authenticated\]", asToken.Output);
    }

    private async Task<KubectlResult> RunWithTokenAsync(string token, params string[] args)
    {
        string kubeconfig = Path.Combine(_directory, "no-credentials-" + Guid.NewGuid().ToString("N"));
        _server.Host.WriteKubeconfigWithoutCredentials(kubeconfig);
        using var kubectl = new Kubectl(kubeconfig);
        return await kubectl.RunAsync(["--token", token, .. args]);
    }

    [KubectlFact]
    public async Task RoleForDeploymentsAndScaleBoundToSampleSaAnswersCanI()
    {
        string ns = await NamespaceAsync();
        await Ok("create", "serviceaccount", "sample-sa", "-n", ns);
        // kubectl create role cannot name the retired extensions group (not in discovery, as on real clusters),
        // so the DESIGN.md example role comes from YAML; the binding comes from kubectl create rolebinding.
        string role = WriteFile("scaler.yaml", $"""
            apiVersion: rbac.authorization.k8s.io/v1
            kind: Role
            metadata:
              name: deployment-scaler
              namespace: {ns}
            rules:
            - apiGroups: ["apps", "extensions"]
              resources: ["deployments", "deployments/scale"]
              verbs: ["get", "update"]
            """);
        await Ok("create", "-f", role);
        await Ok("create", "role", "pod-reader", "-n", ns, "--verb=get,list", "--resource=pods");
        KubectlResult binding = await Ok("create", "rolebinding", "sample-sa-scaler", "-n", ns, "--role=deployment-scaler", $"--serviceaccount={ns}:sample-sa");
        Assert.Equal("rolebinding.rbac.authorization.k8s.io/sample-sa-scaler created", binding.Output.Trim());

        string sa = $"system:serviceaccount:{ns}:sample-sa";
        Assert.Equal("yes", (await Ok("auth", "can-i", "get", "deployments.apps", "-n", ns, "--as", sa)).Output.Trim());
        Assert.Equal("yes", (await Ok("auth", "can-i", "update", "deployments.apps", "--subresource=scale", "-n", ns, "--as", sa)).Output.Trim());
        Assert.Equal("no", (await Fails("auth", "can-i", "patch", "deployments.apps", "--subresource=scale", "-n", ns, "--as", sa)).Output.Trim());
        Assert.Equal("no", (await Fails("auth", "can-i", "list", "deployments.apps", "-n", ns, "--as", sa)).Output.Trim());
        Assert.Equal("no", (await Fails("auth", "can-i", "get", "deployments.apps", "-n", "default", "--as", sa)).Output.Trim());
        Assert.Equal("no", (await Fails("auth", "can-i", "get", "pods", "-n", ns, "--as", sa)).Output.Trim());

        // kubectl scale PATCHes deployments/scale: the Role grants get and update only.
        await Ok("create", "deployment", "web", "--image=nginx", "-n", ns);
        KubectlResult scaleDenied = await Fails("scale", "deployment/web", "--replicas=3", "-n", ns, "--as", sa);
        Assert.Contains($"deployments.apps \"web\" is forbidden: User \"{sa}\" cannot patch resource \"deployments/scale\" in API group \"apps\" in the namespace \"{ns}\"", scaleDenied.Error);
        Assert.Equal("deployment.apps/web scaled", (await Ok("scale", "deployment/web", "--replicas=3", "-n", ns)).Output.Trim());
        Assert.Equal("3", (await Ok("get", "deployment", "web", "-n", ns, "-o", "jsonpath={.spec.replicas}")).Output.Trim());

        KubectlResult list = await Ok("auth", "can-i", "--list", "-n", ns, "--as", sa);
        Assert.Matches(@"deployments\.apps\s+\[\]\s+\[\]\s+\[get update\]", list.Output);
        Assert.Matches(@"deployments\.extensions/scale\s+\[\]\s+\[\]\s+\[get update\]", list.Output);
        Assert.Matches(@"selfsubjectaccessreviews\.authorization\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]", list.Output);
    }

    [KubectlFact]
    public async Task CreateFromYamlAcceptsAllFourRbacKinds()
    {
        string ns = await NamespaceAsync();
        string name = ns + "-reader";
        string yaml = WriteFile("rbac.yaml", $"""
            apiVersion: rbac.authorization.k8s.io/v1
            kind: Role
            metadata:
              name: pod-reader
              namespace: {ns}
            rules:
            - apiGroups: [""]
              resources: ["pods"]
              verbs: ["get", "list"]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata:
              name: {name}
            rules:
            - apiGroups: [""]
              resources: ["secrets"]
              verbs: ["get"]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            metadata:
              name: read-pods
              namespace: {ns}
            subjects:
            - kind: User
              name: jane
            roleRef:
              kind: Role
              name: pod-reader
              apiGroup: rbac.authorization.k8s.io
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRoleBinding
            metadata:
              name: {name}
            subjects:
            - kind: Group
              name: auditors
              apiGroup: rbac.authorization.k8s.io
            roleRef:
              kind: ClusterRole
              name: {name}
              apiGroup: rbac.authorization.k8s.io
            """);
        KubectlResult created = await Ok("create", "-f", yaml);
        Assert.Equal(
            [
                "role.rbac.authorization.k8s.io/pod-reader created",
                $"clusterrole.rbac.authorization.k8s.io/{name} created",
                "rolebinding.rbac.authorization.k8s.io/read-pods created",
                $"clusterrolebinding.rbac.authorization.k8s.io/{name} created",
            ],
            created.Output.Trim().Split('\n'));

        KubectlResult again = await Fails("create", "-f", yaml);
        Assert.Contains($"Error from server (AlreadyExists): error when creating \"{yaml}\": roles.rbac.authorization.k8s.io \"pod-reader\" already exists", again.Error);

        Assert.Equal("yes", (await Ok("auth", "can-i", "list", "pods", "-n", ns, "--as", "jane")).Output.Trim());
        Assert.Equal("yes", (await Ok("auth", "can-i", "get", "secrets", "-A", "--as", "bob", "--as-group", "auditors")).Output.Trim());
    }

    [KubectlFact]
    public async Task TokenSecretIsFilledByTheControllerAndAuthenticates()
    {
        string ns = await NamespaceAsync();
        await Ok("create", "serviceaccount", "legacy", "-n", ns);
        string secret = WriteFile("secret.yaml", $"""
            apiVersion: v1
            kind: Secret
            metadata:
              name: legacy-token
              namespace: {ns}
              annotations:
                kubernetes.io/service-account.name: legacy
            type: kubernetes.io/service-account-token
            """);
        Assert.Equal("secret/legacy-token created", (await Ok("create", "-f", secret)).Output.Trim());
        await _server.Host.WaitForControllersAsync();

        KubectlResult data = await Ok("get", "secret", "legacy-token", "-n", ns, "-o", "json");
        JsonObject secretJson = JsonNode.Parse(data.Output)!.AsObject();
        string token = Encoding.UTF8.GetString(Convert.FromBase64String(secretJson["data"]!["token"]!.GetValue<string>()));
        Assert.Equal(ns, Encoding.UTF8.GetString(Convert.FromBase64String(secretJson["data"]!["namespace"]!.GetValue<string>())));
        Assert.Equal(_server.Host.ServerCaPem, Encoding.UTF8.GetString(Convert.FromBase64String(secretJson["data"]!["ca.crt"]!.GetValue<string>())));
        Assert.False(string.IsNullOrEmpty(secretJson["metadata"]!["annotations"]!["kubernetes.io/service-account.uid"]?.GetValue<string>()));

        JsonObject claims = JwtPayload(token);
        Assert.Equal("kubernetes/serviceaccount", claims["iss"]!.GetValue<string>());
        Assert.Equal("legacy-token", claims["kubernetes.io/serviceaccount/secret.name"]!.GetValue<string>());
        Assert.Null(claims["exp"]);

        KubectlResult whoami = await RunWithTokenAsync(token, "auth", "whoami");
        Assert.True(whoami.ExitCode == 0, whoami.ToString());
        Assert.Matches($@"Username\s+system:serviceaccount:{ns}:legacy", whoami.Output);

        KubectlResult forbidden = await RunWithTokenAsync(token, "get", "secrets", "-n", ns);
        Assert.Contains($"Error from server (Forbidden): secrets is forbidden: User \"system:serviceaccount:{ns}:legacy\" cannot list resource \"secrets\" in API group \"\" in the namespace \"{ns}\"", forbidden.Error);
    }

    [KubectlFact]
    public async Task PodIsAdmittedWithTheDefaultServiceAccountAndItsTokenVolume()
    {
        string ns = await NamespaceAsync();
        string pod = WriteFile("pod.yaml", $"""
            apiVersion: v1
            kind: Pod
            metadata:
              name: web
              namespace: {ns}
            spec:
              containers:
              - name: web
                image: nginx
              - name: sidecar
                image: busybox
            """);
        Assert.Equal("pod/web created", (await Ok("create", "-f", pod)).Output.Trim());
        JsonObject json = JsonNode.Parse((await Ok("get", "pod", "web", "-n", ns, "-o", "json")).Output)!.AsObject();
        JsonNode spec = json["spec"]!;
        Assert.Equal("default", spec["serviceAccountName"]!.GetValue<string>());
        JsonNode volume = spec["volumes"]!.AsArray().Single(v => v!["name"]!.GetValue<string>().StartsWith("kube-api-access-", StringComparison.Ordinal))!;
        JsonArray sources = volume["projected"]!["sources"]!.AsArray();
        Assert.Equal(3607, sources[0]!["serviceAccountToken"]!["expirationSeconds"]!.GetValue<int>());
        Assert.Equal("kube-root-ca.crt", sources[1]!["configMap"]!["name"]!.GetValue<string>());
        Assert.Equal("metadata.namespace", sources[2]!["downwardAPI"]!["items"]![0]!["fieldRef"]!["fieldPath"]!.GetValue<string>());
        foreach (JsonNode? container in spec["containers"]!.AsArray())
        {
            JsonNode mount = container!["volumeMounts"]!.AsArray().Single()!;
            Assert.Equal("/var/run/secrets/kubernetes.io/serviceaccount", mount["mountPath"]!.GetValue<string>());
            Assert.True(mount["readOnly"]!.GetValue<bool>());
            Assert.Equal(volume["name"]!.GetValue<string>(), mount["name"]!.GetValue<string>());
        }
    }

    [KubectlFact]
    public async Task PodNamingAMissingServiceAccountIsRejected()
    {
        string ns = await NamespaceAsync();
        string pod = WriteFile("bad-pod.yaml", $"""
            apiVersion: v1
            kind: Pod
            metadata:
              name: bad
              namespace: {ns}
            spec:
              serviceAccountName: missing
              containers:
              - name: web
                image: nginx
            """);
        KubectlResult result = await Fails("create", "-f", pod);
        Assert.Contains($"Error from server (Forbidden): error when creating \"{pod}\": pods \"bad\" is forbidden: error looking up service account {ns}/missing: serviceaccount \"missing\" not found", result.Error);
    }

    [KubectlFact]
    public async Task TokensOfADeletedServiceAccountAreRejected()
    {
        string ns = await NamespaceAsync();
        await Ok("create", "serviceaccount", "doomed", "-n", ns);
        string token = (await Ok("create", "token", "doomed", "-n", ns)).Output.Trim();
        Assert.Equal(0, (await RunWithTokenAsync(token, "auth", "whoami")).ExitCode);

        await Ok("delete", "serviceaccount", "doomed", "-n", ns);
        KubectlResult rejected = await RunWithTokenAsync(token, "auth", "whoami");
        Assert.NotEqual(0, rejected.ExitCode);
        Assert.Contains("Unauthorized", rejected.Error);

        // Re-created under the same name, it is a different ServiceAccount (new uid): the old token stays invalid.
        await Ok("create", "serviceaccount", "doomed", "-n", ns);
        Assert.NotEqual(0, (await RunWithTokenAsync(token, "auth", "whoami")).ExitCode);
    }
}
