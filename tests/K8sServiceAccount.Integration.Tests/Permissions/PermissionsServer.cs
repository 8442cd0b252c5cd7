using K8sServiceAccount.Client.Config;
using K8sServiceAccount.Client.Http;
using K8sServiceAccount.LocalApiServer;

namespace K8sServiceAccount.Integration.Tests.Permissions;

/// <summary>
/// One in-process local API server per test class, with client connections (the module's own transport, through a
/// kubeconfig the server wrote) for the admin and for any user the test names.
/// </summary>
public sealed class PermissionsServer : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "k8ssa-perms-" + Guid.NewGuid().ToString("N"));
    private readonly List<KubernetesConnection> _connections = new();
    private LocalApiServerHost? _host;

    public LocalApiServerHost Host => _host ?? throw new InvalidOperationException("not started");

    /// <summary>The admin (system:masters) connection.</summary>
    public KubernetesConnection Admin { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        _host = await LocalApiServerHost.StartAsync(new LocalApiServerOptions { KubeconfigPath = Path.Combine(_directory, "admin.kubeconfig") });
        Admin = Connect(_host.KubeconfigPath);
    }

    /// <summary>A connection that authenticates as <paramref name="user"/> in <paramref name="groups"/> (client certificate).</summary>
    public KubernetesConnection ConnectAs(string user, params string[] groups)
    {
        var path = Path.Combine(_directory, Guid.NewGuid().ToString("N") + ".kubeconfig");
        Host.WriteKubeconfig(path, user, groups);
        return Connect(path);
    }

    private KubernetesConnection Connect(string kubeconfigPath)
    {
        var settings = ConnectionResolver.Resolve(new ConnectionRequest { KubeconfigPath = kubeconfigPath }, SystemEnvironment.Instance);
        var connection = KubernetesConnection.Create(settings);
        lock (_connections)
        {
            _connections.Add(connection);
        }
        return connection;
    }

    /// <summary>Creates a namespace (as admin) if it does not exist yet.</summary>
    public async Task EnsureNamespaceAsync(string name)
    {
        try
        {
            await Admin.SendAsync(HttpMethod.Post, "/api/v1/namespaces", new K8sServiceAccount.Client.Models.Namespace { Metadata = new() { Name = name } },
                K8sServiceAccount.Client.Models.KubeJsonContext.Default.Namespace, K8sServiceAccount.Client.Models.KubeJsonContext.Default.Namespace, CancellationToken.None);
        }
        catch (KubernetesApiException ex) when (ex.IsAlreadyExists)
        {
        }
        // Its default ServiceAccount comes from the namespace controller after the create is answered.
        await Host.WaitForControllersAsync();
    }

    public async Task DisposeAsync()
    {
        foreach (var connection in _connections)
        {
            connection.Dispose();
        }
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
