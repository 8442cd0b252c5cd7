using System.Collections.Concurrent;
using System.Net;
using System.Text;
using K8sServiceAccount.Client.Config;
using K8sServiceAccount.Client.Http;

namespace K8sServiceAccount.Client.Tests.Http.Support;

/// <summary>
/// Stands in for the network behind a KubernetesConnection (through the WrapHandler seam): records each request
/// as sent and answers with what the test's responder returns.
/// </summary>
internal sealed class StubHandler : HttpMessageHandler
{
    private readonly Func<RecordedRequest, int, CancellationToken, Task<HttpResponseMessage>> _respond;
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();

    public StubHandler(Func<RecordedRequest, int, CancellationToken, Task<HttpResponseMessage>> respond) => _respond = respond;

    public StubHandler(Func<RecordedRequest, int, HttpResponseMessage> respond)
        : this((request, attempt, _) => Task.FromResult(respond(request, attempt)))
    {
    }

    public IReadOnlyList<RecordedRequest> Requests => _requests.ToArray();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var headers = request.Headers.ToDictionary(h => h.Key, h => h.Value.ToArray(), StringComparer.OrdinalIgnoreCase);
        var body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
        var recorded = new RecordedRequest(request.Method, request.RequestUri!, headers, body, request.Content?.Headers.ContentType?.ToString());
        _requests.Enqueue(recorded);
        var response = await _respond(recorded, _requests.Count, cancellationToken);
        response.RequestMessage = request;
        return response;
    }

    public static HttpResponseMessage Json(HttpStatusCode status, string json, params (string Name, string Value)[] headers)
    {
        var response = new HttpResponseMessage(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        foreach (var (name, value) in headers)
        {
            response.Headers.TryAddWithoutValidation(name, value);
        }

        return response;
    }

    public static HttpResponseMessage Text(HttpStatusCode status, string text, params (string Name, string Value)[] headers)
    {
        var response = new HttpResponseMessage(status) { Content = new StringContent(text, Encoding.UTF8, "text/plain") };
        foreach (var (name, value) in headers)
        {
            response.Headers.TryAddWithoutValidation(name, value);
        }

        return response;
    }

    public const string ServiceAccountJson =
        """{"kind":"ServiceAccount","apiVersion":"v1","metadata":{"name":"build-robot","namespace":"default"}}""";

    public static string StatusJson(int code, string reason, string message) =>
        $$"""{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"{{message}}","reason":"{{reason}}","code":{{code}}}""";
}

internal sealed record RecordedRequest(HttpMethod Method, Uri Uri, IReadOnlyDictionary<string, string[]> Headers, string? Body, string? ContentType)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var values) ? string.Join(",", values) : null;

    public string? Authorization => Header("Authorization");
}

/// <summary>Builds connections for tests.</summary>
internal static class TestConnections
{
    public static readonly Uri Server = new("https://127.0.0.1:6443");

    internal static ResolvedConnection Settings(AuthSettings? auth = null, Uri? server = null, Impersonation? impersonation = null) => new()
    {
        Source = ConnectionSource.Parameter,
        Reason = "test",
        Server = server ?? Server,
        Namespace = "default",
        NamespaceSource = "default",
        Impersonation = impersonation,
        Auth = auth ?? AuthSettings.None,
        AuthKind = auth switch
        {
            null => AuthKind.None,
            { Exec: not null } => AuthKind.Exec,
            { Token: not null } => AuthKind.Token,
            { TokenFile: not null } => AuthKind.TokenFile,
            { ClientCertificatePem: not null } => AuthKind.ClientCertificate,
            { Username: not null } => AuthKind.Basic,
            _ => AuthKind.None,
        },
    };

    /// <summary>A connection whose traffic goes to the stub instead of the network.</summary>
    internal static KubernetesConnection OverStub(
        StubHandler stub,
        AuthSettings? auth = null,
        Impersonation? impersonation = null,
        TestEnvironment? environment = null,
        List<TimeSpan>? delays = null,
        int maxRetries = 5,
        TimeSpan? timeout = null,
        bool terminal = false) =>
        KubernetesConnection.Create(Settings(auth, impersonation: impersonation), Options(stub, environment, delays, maxRetries, timeout, terminal));

    internal static KubernetesConnectionOptions Options(
        StubHandler? stub = null,
        TestEnvironment? environment = null,
        List<TimeSpan>? delays = null,
        int maxRetries = 5,
        TimeSpan? timeout = null,
        bool terminal = false) => new()
    {
        WrapHandler = stub is null ? null : inner =>
        {
            inner.Dispose();
            return stub;
        },
        Environment = environment ?? new TestEnvironment(),
        MaxRetries = maxRetries,
        Timeout = timeout ?? TimeSpan.FromSeconds(30),
        IsTerminalAttached = () => terminal,
        Delay = (wait, token) =>
        {
            if (delays is not null)
            {
                lock (delays)
                {
                    delays.Add(wait);
                }
            }

            return Task.CompletedTask;
        },
    };
}
