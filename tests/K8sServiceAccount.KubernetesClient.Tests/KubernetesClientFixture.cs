using k8s;
using k8s.Models;
using K8sServiceAccount.Client.Config;
using K8sServiceAccount.Client.Http;
using K8sServiceAccount.LocalApiServer;

namespace K8sServiceAccount.KubernetesClient.Tests;

/// <summary>
/// One in-process local API server, driven by two independent clients: KubernetesClient 21.0.8 (built from the
/// server's admin kubeconfig, as a user of that library would) and our client (through the same kubeconfig and
/// our connection stack). Each test works in namespaces of its own, so the tests can share the server.
/// </summary>
public sealed class KubernetesClientFixture : IAsyncLifetime
{
    private int _counter;

    public LocalApiServerHost Server { get; private set; } = null!;

    /// <summary>KubernetesClient as admin (client certificate, system:masters).</summary>
    public IKubernetes Kc { get; private set; } = null!;

    /// <summary>The answers <see cref="Kc"/> received, as sent.</summary>
    public WireRecorder Wire { get; } = new();

    /// <summary>Our client's transport as the same admin.</summary>
    public KubernetesConnection Ours { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await LocalApiServerHost.StartAsync(new LocalApiServerOptions
        {
            MaxTokenExpirationSeconds = 2 * 60 * 60,
            // The CRUD tests compare an object as written with what is read back; a Deployment controller writing
            // status in between is right on a cluster but is not what they test.
            WorkloadControllers = false,
        });
        Kc = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(Server.KubeconfigPath), Wire);
        Ours = KubernetesConnection.Create(
            ConnectionResolver.Resolve(new ConnectionRequest { KubeconfigPath = Server.KubeconfigPath }, SystemEnvironment.Instance));
    }

    public async Task DisposeAsync()
    {
        Kc.Dispose();
        Ours.Dispose();
        await Server.DisposeAsync();
    }

    /// <summary>KubernetesClient authenticated with a bearer token (e.g. a ServiceAccount's), trusting the server CA.</summary>
    public (IKubernetes Client, WireRecorder Wire) KcWithToken(string token)
    {
        var wire = new WireRecorder();
        return (new Kubernetes(new KubernetesClientConfiguration
        {
            Host = Server.Url,
            AccessToken = token,
            SslCaCerts = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection(Server.ServerCaCertificate),
        }, wire), wire);
    }

    /// <summary>A unique name with the prefix (DNS label rules).</summary>
    public string Unique(string prefix) => $"{prefix}-{Interlocked.Increment(ref _counter)}";

    /// <summary>Creates a fresh namespace through KubernetesClient.</summary>
    public async Task<string> NewNamespaceAsync(string prefix)
    {
        string name = Unique(prefix);
        await Kc.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } });
        // Its default ServiceAccount comes from the namespace controller after the create is answered; a Pod without
        // serviceAccountName is refused until it exists, and lists taken meanwhile would miss it.
        await Server.WaitForControllersAsync();
        return name;
    }
}

[CollectionDefinition(Name)]
public sealed class ServerCollection : ICollectionFixture<KubernetesClientFixture>
{
    public const string Name = "local API server";
}
