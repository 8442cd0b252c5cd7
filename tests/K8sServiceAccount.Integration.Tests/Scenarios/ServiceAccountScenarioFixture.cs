using K8sServiceAccount.Client.Config;
using K8sServiceAccount.Client.Http;
using K8sServiceAccount.LocalApiServer;

namespace K8sServiceAccount.Integration.Tests.Scenarios;

/// <summary>
/// The setup of tests/Pester/ServiceAccount.Tests.ps1: one local API server and its admin kubeconfig, reached
/// through the same connection stack the cmdlets use (kubeconfig, ConnectionResolver, KubernetesConnection).
/// </summary>
public sealed class ServiceAccountScenarioFixture : IAsyncLifetime
{
    private readonly string directory = System.IO.Directory.CreateTempSubdirectory("sa-scenario-").FullName;

    public LocalApiServerHost Server { get; private set; } = null!;

    /// <summary>The admin connection's settings, as -Kubeconfig would resolve them.</summary>
    public ResolvedConnection Settings { get; private set; } = null!;

    public KubernetesConnection Connection { get; private set; } = null!;

    /// <summary>A temporary directory for the files a scenario writes, removed with the fixture.</summary>
    public string Directory => directory;

    public async Task InitializeAsync()
    {
        Server = await LocalApiServerHost.StartAsync(new LocalApiServerOptions { KubeconfigPath = Path.Combine(directory, "admin.kubeconfig") });
        Settings = ConnectionResolver.Resolve(new ConnectionRequest { KubeconfigPath = Server.KubeconfigPath }, SystemEnvironment.Instance);
        Connection = KubernetesConnection.Create(Settings);
        await Server.WaitForControllersAsync();
    }

    public async Task DisposeAsync()
    {
        Connection.Dispose();
        await Server.DisposeAsync();
        System.IO.Directory.Delete(directory, recursive: true);
    }

    /// <summary>The connection for another kubeconfig file (as `-Kubeconfig path` would resolve it).</summary>
    public static KubernetesConnection ConnectionFor(string kubeconfigPath) =>
        KubernetesConnection.Create(ConnectionResolver.Resolve(new ConnectionRequest { KubeconfigPath = kubeconfigPath }, SystemEnvironment.Instance));
}
