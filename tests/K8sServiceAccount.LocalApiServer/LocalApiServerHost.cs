using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using K8sServiceAccount.LocalApiServer.Api;
using K8sServiceAccount.LocalApiServer.Controllers;
using K8sServiceAccount.LocalApiServer.Faults;
using K8sServiceAccount.LocalApiServer.Pki;
using K8sServiceAccount.LocalApiServer.Store;
using K8sServiceAccount.LocalApiServer.Tokens;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace K8sServiceAccount.LocalApiServer;

/// <summary>
/// A running local API server: HTTPS on 127.0.0.1 (HTTP/1.1 and HTTP/2) with its own CA, the store,
/// the controllers and the request pipeline. Used in-process by tests and benchmarks, and by the
/// command-line program.
/// </summary>
/// <example><code>
/// await using var server = await LocalApiServerHost.StartAsync(new LocalApiServerOptions());
/// // kubectl --kubeconfig server.KubeconfigPath get sa
/// </code></example>
public sealed class LocalApiServerHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ControllerManager _controllers;
    private readonly string? _temporaryDirectory;
    private readonly X509Certificate2 _serverCertificate;
    private readonly ServiceAccountTokenSigner _signer;
    private int _disposed;

    private LocalApiServerHost(WebApplication app, ServerContext context, ControllerManager controllers,
        string kubeconfigPath, string? temporaryDirectory, X509Certificate2 serverCertificate, ServiceAccountTokenSigner signer)
    {
        _app = app;
        Context = context;
        _controllers = controllers;
        KubeconfigPath = kubeconfigPath;
        _temporaryDirectory = temporaryDirectory;
        _serverCertificate = serverCertificate;
        _signer = signer;
    }

    /// <summary>https://127.0.0.1:PORT</summary>
    public string Url => Context.Url;

    /// <summary>The admin kubeconfig (user admin in system:masters, client certificate).</summary>
    public string KubeconfigPath { get; }

    /// <summary>The server CA in PEM form.</summary>
    public string ServerCaPem => Context.Ca.CaPem;

    /// <summary>The CA certificate, for HttpClient validation.</summary>
    public X509Certificate2 ServerCaCertificate => Context.Ca.Certificate;

    /// <summary>Latency and fault injection, changeable while running.</summary>
    public FaultInjector Faults => Context.Faults;

    /// <summary>Which optional controllers run, changeable while running.</summary>
    public ControllerSwitches Controllers => Context.Controllers;

    /// <summary>The object store (tests read and seed it directly).</summary>
    public ObjectStore Store => Context.Store;

    /// <summary>Everything the server is made of.</summary>
    public ServerContext Context { get; }

    /// <summary>Starts a server and writes its admin kubeconfig.</summary>
    public static async Task<LocalApiServerHost> StartAsync(LocalApiServerOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var ca = CertificateAuthority.LoadOrCreate(options.StateDirectory);
        ServiceAccountTokenSigner signer = ServiceAccountTokenSigner.LoadOrCreate(options.StateDirectory);
        X509Certificate2 serverCertificate = ca.IssueServerCertificate();
        var context = new ServerContext(options, ca, signer);
        var controllers = new ControllerManager(context);
        var api = new ApiServer(context);

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = [],
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = Environments.Production,
        });
        builder.Logging.ClearProviders();
        // The program handles SIGINT/SIGTERM itself; an in-process host must not react to them.
        builder.Services.AddSingleton<IHostLifetime, NoSignalLifetime>();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Limits.Http2.MaxStreamsPerConnection = 1000;
            kestrel.Listen(IPAddress.Loopback, options.Port, listen =>
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                listen.UseHttps(new HttpsConnectionAdapterOptions
                {
                    ServerCertificate = serverCertificate,
                    ClientCertificateMode = ClientCertificateMode.AllowCertificate,
                    // Certificates are verified against the CA by the authenticator, which answers 401 as kube-apiserver does.
                    ClientCertificateValidation = (_, _, _) => true,
                });
            });
        });
        WebApplication app = builder.Build();
        app.Run(api.HandleAsync);

        controllers.Start();
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        context.Url = $"https://127.0.0.1:{new Uri(address).Port}";
        await controllers.WaitForIdleAsync(cancellationToken).ConfigureAwait(false);

        string? temporaryDirectory = null;
        string kubeconfigPath = options.KubeconfigPath ?? "";
        if (kubeconfigPath.Length == 0)
        {
            temporaryDirectory = Directory.CreateTempSubdirectory("local-apiserver-").FullName;
            kubeconfigPath = Path.Combine(temporaryDirectory, "kubeconfig");
        }
        var host = new LocalApiServerHost(app, context, controllers, Path.GetFullPath(kubeconfigPath), temporaryDirectory, serverCertificate, signer);
        host.WriteKubeconfig(host.KubeconfigPath, "admin", ["system:masters"]);
        return host;
    }

    /// <summary>A client certificate signed by the server CA for <paramref name="user"/> in <paramref name="groups"/>.</summary>
    public IssuedClientCertificate IssueClientCertificate(string user, params string[] groups)
    {
        IssuedClientCertificate certificate = Context.Ca.IssueClientCertificate(user, groups);
        Context.Secrets.Record("client-key", certificate.PrivateKeyPem);
        return certificate;
    }

    /// <summary>Writes a kubeconfig that authenticates as <paramref name="user"/> with a client certificate.</summary>
    public void WriteKubeconfig(string path, string user, IReadOnlyList<string> groups, string? defaultNamespace = "default")
    {
        IssuedClientCertificate certificate = IssueClientCertificate(user, [.. groups]);
        WriteKubeconfigFile(path,
            $"    client-certificate-data: {Base64(certificate.CertificatePem)}\n    client-key-data: {Base64(certificate.PrivateKeyPem)}\n",
            defaultNamespace);
    }

    /// <summary>Writes a kubeconfig that authenticates with a bearer token.</summary>
    public void WriteTokenKubeconfig(string path, string token, string? defaultNamespace = "default") =>
        WriteKubeconfigFile(path, $"    token: {token}\n", defaultNamespace);

    /// <summary>Writes a kubeconfig without credentials (for kubectl --token, or anonymous requests).</summary>
    public void WriteKubeconfigWithoutCredentials(string path, string? defaultNamespace = "default") =>
        WriteKubeconfigFile(path, "", defaultNamespace);

    private void WriteKubeconfigFile(string path, string userBlock, string? defaultNamespace)
    {
        string name = Context.Options.ContextName;
        var yaml = new StringBuilder()
            .Append("apiVersion: v1\nkind: Config\n")
            .Append("clusters:\n- name: ").Append(name).Append('\n')
            .Append("  cluster:\n    server: ").Append(Url).Append('\n')
            .Append("    certificate-authority-data: ").Append(Base64(ServerCaPem)).Append('\n')
            .Append("contexts:\n- name: ").Append(name).Append('\n')
            .Append("  context:\n    cluster: ").Append(name).Append("\n    user: ").Append(name).Append('\n');
        if (defaultNamespace is not null) yaml.Append("    namespace: ").Append(defaultNamespace).Append('\n');
        yaml.Append("current-context: ").Append(name).Append('\n')
            .Append("preferences: {}\n")
            .Append("users:\n- name: ").Append(name).Append(userBlock.Length == 0 ? "\n  user: {}\n" : "\n  user:\n").Append(userBlock);
        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        CertificateAuthority.WritePrivateFile(path, yaml.ToString());
    }

    private static string Base64(string value) => Convert.ToBase64String(Encoding.UTF8.GetBytes(value));

    /// <summary>An HttpClient that trusts the server CA and authenticates with a client certificate.</summary>
    public HttpClient CreateHttpClient(string user, params string[] groups) =>
        CreateHttpClient(IssueClientCertificate(user, groups).ToX509());

    /// <summary>An HttpClient that trusts the server CA and sends no client certificate (anonymous or bearer tokens).</summary>
    public HttpClient CreateAnonymousHttpClient() => CreateHttpClient(certificate: null);

    private HttpClient CreateHttpClient(X509Certificate2? certificate)
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions =
            {
                RemoteCertificateValidationCallback = (_, presented, _, _) =>
                    presented is not null && Context.Ca.Verifies(X509CertificateLoader.LoadCertificate(presented.GetRawCertData())),
            },
            MaxConnectionsPerServer = 1024,
        };
        if (certificate is not null) handler.SslOptions.ClientCertificates = new X509CertificateCollection { certificate };
        return new HttpClient(handler) { BaseAddress = new Uri(Url) };
    }

    /// <summary>Completes when the controllers have handled every change so far.</summary>
    public Task WaitForControllersAsync(CancellationToken cancellationToken = default) =>
        _controllers.WaitForIdleAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        await _controllers.DisposeAsync().ConfigureAwait(false);
        _serverCertificate.Dispose();
        _signer.Dispose();
        Context.Ca.Dispose();
        if (_temporaryDirectory is not null)
        {
            try
            {
                Directory.Delete(_temporaryDirectory, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a temporary directory left behind is harmless.
            }
        }
    }

    private sealed class NoSignalLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
