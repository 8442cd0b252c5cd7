using K8sServiceAccount.Client.Config;

namespace K8sServiceAccount.Client.Tests.Config;

/// <summary>In-cluster detection and the automatic order: kubeconfig first, then the Pod, then one clear error.</summary>
public sealed class InClusterAndOrderTests
{
    private const string Home = "/home/fixture";
    private const string Ca = "-----BEGIN CERTIFICATE-----\nfixture\n-----END CERTIFICATE-----\n";

    private static FakeSystemEnvironment Pod(string host = "10.96.0.1", string port = "443") =>
        new FakeSystemEnvironment { HomeDirectory = Home }
            .Set(InClusterConnection.HostVariable, host)
            .Set(InClusterConnection.PortVariable, port)
            .AddFile(InClusterConnection.TokenPath, "pod-token-SECRET")
            .AddFile(InClusterConnection.CaPath, Ca)
            .AddFile(InClusterConnection.NamespacePath, "  apps\n");

    private const string MinimalKubeconfig =
        "clusters:\n- name: c\n  cluster: {server: 'https://from-kubeconfig', insecure-skip-tls-verify: true}\ncontexts:\n- name: x\n  context: {cluster: c}\ncurrent-context: x\n";

    [Fact]
    public void Ipv4_service_address()
    {
        var connection = ConnectionResolver.Resolve(new ConnectionRequest { InCluster = true }, Pod());

        Assert.Equal(ConnectionSource.Parameter, connection.Source);
        Assert.Contains("-InCluster", connection.Reason);
        Assert.Equal(new Uri("https://10.96.0.1:443"), connection.Server);
        Assert.Equal(AuthKind.TokenFile, connection.AuthKind);
        Assert.Equal(InClusterConnection.TokenPath, connection.Auth.TokenFile);
        Assert.Null(connection.Auth.Token);
        Assert.Equal(Ca, System.Text.Encoding.ASCII.GetString(connection.CertificateAuthorityData!));
        Assert.Equal("file " + InClusterConnection.CaPath, connection.CaSource);
        Assert.Null(connection.ContextName);
        Assert.Empty(connection.KubeconfigFiles);
        Assert.Empty(connection.Warnings);
    }

    [Fact]
    public void Ipv6_service_address_is_bracketed()
    {
        var connection = ConnectionResolver.Resolve(new ConnectionRequest { InCluster = true }, Pod("fd00:10:96::1", "6443"));

        Assert.Equal("https://[fd00:10:96::1]:6443/", connection.Server.ToString());
    }

    [Theory]
    [InlineData(InClusterConnection.HostVariable)]
    [InlineData(InClusterConnection.PortVariable)]
    public void Missing_variable_is_named(string variable)
    {
        var environment = Pod().Set(variable, null);

        var error = Assert.Throws<KubeconfigException>(() => ConnectionResolver.Resolve(new ConnectionRequest { InCluster = true }, environment));

        Assert.Equal(ConnectionErrorIds.InClusterConfigNotFound, error.ErrorId);
        Assert.Contains("unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined", error.Message);
        Assert.Contains($"({variable} not set", error.Message);
    }

    [Fact]
    public void Invalid_port_is_reported()
    {
        var error = Assert.Throws<KubeconfigException>(() => ConnectionResolver.Resolve(new ConnectionRequest { InCluster = true }, Pod(port: "https")));

        Assert.Contains("KUBERNETES_SERVICE_PORT 'https' is not a port number", error.Message);
    }

    [Fact]
    public void Missing_token_is_reported_with_its_path()
    {
        var environment = new FakeSystemEnvironment()
            .Set(InClusterConnection.HostVariable, "10.96.0.1")
            .Set(InClusterConnection.PortVariable, "443");

        var error = Assert.Throws<KubeconfigException>(() => ConnectionResolver.Resolve(new ConnectionRequest { InCluster = true }, environment));

        Assert.Equal(ConnectionErrorIds.InClusterConfigNotFound, error.ErrorId);
        Assert.Equal(InClusterConnection.TokenPath, error.File);
        Assert.Contains("automountServiceAccountToken", error.Message);
    }

    [Fact]
    public void Unreadable_token_is_a_read_error()
    {
        var environment = Pod().AddUnreadableFile(InClusterConnection.TokenPath);

        var error = Assert.Throws<KubeconfigException>(() => ConnectionResolver.Resolve(new ConnectionRequest { InCluster = true }, environment));

        Assert.Equal(ConnectionErrorIds.InClusterTokenUnreadable, error.ErrorId);
        Assert.Equal(K8sErrorCategory.ReadError, error.Category);
        Assert.DoesNotContain("SECRET", error.Message);
    }

    [Fact]
    public void Missing_ca_warns_and_uses_the_system_store()
    {
        var environment = new FakeSystemEnvironment()
            .Set(InClusterConnection.HostVariable, "10.96.0.1")
            .Set(InClusterConnection.PortVariable, "443")
            .AddFile(InClusterConnection.TokenPath, "t");

        var connection = ConnectionResolver.Resolve(new ConnectionRequest { InCluster = true }, environment);

        Assert.Null(connection.CertificateAuthorityData);
        Assert.Null(connection.CaSource);
        Assert.Contains(connection.Warnings, w => w.Contains(InClusterConnection.CaPath));
    }

    [Fact]
    public void Namespace_parameter_then_pod_namespace_then_trimmed_file_then_default()
    {
        var request = new ConnectionRequest { InCluster = true };
        var pod = Pod().Set(InClusterConnection.PodNamespaceVariable, "from-env");
        Assert.Equal(("param", "parameter"), Namespace(ConnectionResolver.Resolve(request with { Namespace = "param" }, pod)));
        Assert.Equal(("from-env", "POD_NAMESPACE"), Namespace(ConnectionResolver.Resolve(request, pod)));
        Assert.Equal(("apps", "namespace file"), Namespace(ConnectionResolver.Resolve(request, Pod())));
        Assert.Equal(("default", "default"), Namespace(ConnectionResolver.Resolve(request, Pod().AddFile(InClusterConnection.NamespacePath, " \n"))));
        Assert.Equal(("default", "default"), Namespace(ConnectionResolver.Resolve(request, Pod().AddUnreadableFile(InClusterConnection.NamespacePath))));

        static (string, string) Namespace(ResolvedConnection c) => (c.Namespace, c.NamespaceSource);
    }

    [Fact]
    public void InCluster_cannot_be_combined_with_a_kubeconfig_or_context()
    {
        var error = Assert.Throws<K8sClientException>(() => ConnectionResolver.Resolve(new ConnectionRequest { InCluster = true, Context = "x" }, Pod()));

        Assert.Equal(ConnectionErrorIds.ConnectionRequestInvalid, error.ErrorId);
        Assert.Equal(K8sErrorCategory.InvalidArgument, error.Category);
    }

    [Fact]
    public void Automatic_prefers_the_home_kubeconfig_over_the_pod()
    {
        var environment = Pod().AddFile(Home + "/.kube/config", MinimalKubeconfig);

        var connection = ConnectionResolver.Resolve(new ConnectionRequest(), environment);

        Assert.Equal(ConnectionSource.Kubeconfig, connection.Source);
        Assert.Equal($"KUBECONFIG is not set and {Home}/.kube/config exists.", connection.Reason);
        Assert.Equal(new Uri("https://from-kubeconfig"), connection.Server);
    }

    [Fact]
    public void Automatic_prefers_kubeconfig_variable_over_the_pod()
    {
        var environment = Pod().AddFile("/etc/k", MinimalKubeconfig).Set("KUBECONFIG", "/etc/k");

        Assert.Equal(ConnectionSource.Kubeconfig, ConnectionResolver.Resolve(new ConnectionRequest(), environment).Source);
    }

    [Fact]
    public void Forced_in_cluster_ignores_the_kubeconfig()
    {
        var environment = Pod().AddFile(Home + "/.kube/config", MinimalKubeconfig);

        Assert.Equal(new Uri("https://10.96.0.1:443"), ConnectionResolver.Resolve(new ConnectionRequest { InCluster = true }, environment).Server);
    }

    [Fact]
    public void Automatic_uses_the_pod_without_a_kubeconfig()
    {
        var connection = ConnectionResolver.Resolve(new ConnectionRequest { Namespace = "ops" }, Pod());

        Assert.Equal(ConnectionSource.InCluster, connection.Source);
        Assert.Contains($"KUBECONFIG is not set and {Home}/.kube/config does not exist", connection.Reason);
        Assert.Contains("the Pod's ServiceAccount is used", connection.Reason);
        Assert.Equal(("ops", "parameter"), (connection.Namespace, connection.NamespaceSource));
    }

    [Fact]
    public void Kubeconfig_variable_naming_only_missing_files_falls_through_to_the_pod_not_to_home()
    {
        var environment = Pod().AddFile(Home + "/.kube/config", MinimalKubeconfig).Set("KUBECONFIG", "/gone");

        var connection = ConnectionResolver.Resolve(new ConnectionRequest(), environment);

        Assert.Equal(ConnectionSource.InCluster, connection.Source);
        Assert.Contains("KUBECONFIG names /gone, none of which exists", connection.Reason);
    }

    [Fact]
    public void Nothing_found_is_one_error_that_says_what_and_where_and_never_localhost()
    {
        var environment = new FakeSystemEnvironment { HomeDirectory = Home }.Set(InClusterConnection.HostVariable, "10.96.0.1");

        var error = Assert.Throws<K8sClientException>(() => ConnectionResolver.Resolve(new ConnectionRequest(), environment));

        Assert.Equal(ConnectionErrorIds.NoClusterConnection, error.ErrorId);
        Assert.Contains($"{Home}/.kube/config does not exist", error.Message);
        Assert.Contains("KUBERNETES_SERVICE_PORT is not set", error.Message);
        Assert.Contains($"{InClusterConnection.TokenPath} does not exist", error.Message);
        Assert.DoesNotContain("localhost", error.Message);
    }

    [Fact]
    public void In_cluster_resolution_reads_the_token_ca_and_namespace_files_once_each()
    {
        var environment = Pod();

        ConnectionResolver.Resolve(new ConnectionRequest(), environment);

        Assert.Equal(new[] { InClusterConnection.TokenPath, InClusterConnection.CaPath, InClusterConnection.NamespacePath }, environment.FilesRead);
    }
}
