using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;

namespace K8sServiceAccount.Client.Tests.Http.Support;

/// <summary>
/// A loopback HTTPS server (Kestrel) for end-to-end TLS tests. It asks for a client certificate without
/// requiring one, records what each request carried (headers, SNI, client certificate) and answers with a
/// ServiceAccount unless the test sets <see cref="Respond"/>.
/// </summary>
internal sealed class TestApiServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ServerRequest> _requests = new();

    private TestApiServer(WebApplication app) => _app = app;

    public Uri Url { get; private set; } = null!;

    public int Port => Url.Port;

    public IReadOnlyList<ServerRequest> Requests => _requests.ToArray();

    public Func<HttpContext, Task>? Respond { get; set; }

    /// <summary>The server names the clients sent in the TLS handshake (SNI), in order; "" when none was sent.</summary>
    public IReadOnlyList<string> SniHostNames => _sniHostNames.ToArray();

    private readonly ConcurrentQueue<string> _sniHostNames = new();

    public static async Task<TestApiServer> StartAsync(X509Certificate2 serverCertificate)
    {
        TestApiServer? server = null;
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(new HttpsConnectionAdapterOptions
            {
                ServerCertificateSelector = (_, name) =>
                {
                    server!._sniHostNames.Enqueue(name ?? string.Empty);
                    return serverCertificate;
                },
                ClientCertificateMode = ClientCertificateMode.AllowCertificate,
                // The test asserts which certificate arrived; trust is not what is under test here.
                ClientCertificateValidation = (_, _, _) => true,
            })));
        var app = builder.Build();
        server = new TestApiServer(app);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        server.Url = new Uri(address);
        return server;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToArray()!, StringComparer.OrdinalIgnoreCase);
        _requests.Enqueue(new ServerRequest(
            context.Request.Method,
            context.Request.Path + context.Request.QueryString,
            headers!,
            context.Connection.ClientCertificate?.Thumbprint,
            context.Request.Protocol));
        if (Respond is { } respond)
        {
            await respond(context);
            return;
        }

        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(StubHandler.ServiceAccountJson);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

internal sealed record ServerRequest(
    string Method,
    string PathAndQuery,
    IReadOnlyDictionary<string, string?[]> Headers,
    string? ClientCertificateThumbprint,
    string Protocol)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var values) ? string.Join(",", values) : null;
}
