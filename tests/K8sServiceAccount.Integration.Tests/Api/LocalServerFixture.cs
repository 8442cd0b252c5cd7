using K8sServiceAccount.Client;
using K8sServiceAccount.Client.Api;
using K8sServiceAccount.Client.Config;
using K8sServiceAccount.Client.Http;
using K8sServiceAccount.Client.Models;
using K8sServiceAccount.LocalApiServer;

namespace K8sServiceAccount.Integration.Tests.Api;

/// <summary>
/// One in-process local API server for the Api tests, reached through the real connection stack
/// (kubeconfig -> ConnectionResolver -> KubernetesConnection), as an admin in system:masters. Its token
/// lifetime is capped at <see cref="MaxTokenExpirationSeconds"/> as managed clusters do. Each test works in
/// a namespace of its own, so the tests of a class can share the server.
/// </summary>
public sealed class LocalServerFixture : IAsyncLifetime
{
    public const long MaxTokenExpirationSeconds = 2 * 60 * 60;

    private int namespaceCounter;

    public LocalApiServerHost Server { get; private set; } = null!;

    public ResolvedConnection Admin { get; private set; } = null!;

    public KubernetesConnection Transport { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var options = new LocalApiServerOptions { MaxTokenExpirationSeconds = MaxTokenExpirationSeconds };
        Server = await LocalApiServerHost.StartAsync(options);
        Admin = ConnectionResolver.Resolve(new ConnectionRequest { KubeconfigPath = Server.KubeconfigPath }, SystemEnvironment.Instance);
        Transport = KubernetesConnection.Create(Admin);
    }

    public async Task DisposeAsync()
    {
        Transport.Dispose();
        await Server.DisposeAsync();
    }

    /// <summary>Creates a fresh namespace and waits for the controllers to give it its default ServiceAccount.</summary>
    public async Task<string> NewNamespaceAsync(string prefix)
    {
        var name = $"{prefix}-{Interlocked.Increment(ref namespaceCounter)}";
        await Transport.SendAsync(
            HttpMethod.Post,
            "/api/v1/namespaces",
            new Namespace { Metadata = new ObjectMeta { Name = name } },
            KubeJsonContext.Default.Namespace,
            KubeJsonContext.Default.Namespace,
            CancellationToken.None);
        await Server.WaitForControllersAsync();
        return name;
    }

    public async Task<ServiceAccount> NewServiceAccountAsync(string @namespace, string name) =>
        await new ServiceAccountOperations(Transport).CreateAsync(new ServiceAccountDefinition { Namespace = @namespace, Name = name });
}
