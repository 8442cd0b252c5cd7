using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using K8sServiceAccount.LocalApiServer;

namespace K8sServiceAccount.Integration.Tests.LocalApiServer;

/// <summary>One in-process local API server per test class, with an admin HttpClient.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    private LocalApiServerHost? _host;
    private HttpClient? _admin;

    public LocalApiServerHost Host => _host ?? throw new InvalidOperationException("not started");
    public HttpClient Admin => _admin ?? throw new InvalidOperationException("not started");

    /// <summary>Options for the server; a test class may subclass the fixture to change them.</summary>
    public LocalApiServerOptions Options { get; } = new()
    {
        StaticTokens = { new StaticToken("static-alice-token", "alice", ["devs"]) },
        MaxTokenExpirationSeconds = 86400,
    };

    public async Task InitializeAsync()
    {
        _host = await LocalApiServerHost.StartAsync(Options);
        _admin = _host.CreateHttpClient("admin", "system:masters");
    }

    public async Task DisposeAsync()
    {
        _admin?.Dispose();
        if (_host is not null) await _host.DisposeAsync();
    }

    public static Task<Reply> SendAsync(HttpClient client, HttpMethod method, string path, string? json = null,
        string contentType = "application/json", string? bearer = null) =>
        SendAsync(client, method, path, json is null ? null : Encoding.UTF8.GetBytes(json), contentType, bearer);

    public static async Task<Reply> SendAsync(HttpClient client, HttpMethod method, string path, byte[]? body,
        string contentType = "application/json", string? bearer = null, IEnumerable<(string, string)>? headers = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }
        if (bearer is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        foreach ((string name, string value) in headers ?? []) request.Headers.TryAddWithoutValidation(name, value);
        using HttpResponseMessage response = await client.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        JsonNode? node = null;
        try
        {
            node = text.Length > 0 ? JsonNode.Parse(text) : null;
        }
        catch (System.Text.Json.JsonException)
        {
            // Plain-text answers (health checks, APF 429) stay text.
        }
        return new Reply(response.StatusCode, node, text, response.Headers);
    }

    public Task<Reply> AdminAsync(HttpMethod method, string path, string? json = null, string contentType = "application/json") =>
        SendAsync(Admin, method, path, json, contentType);
}

/// <summary>An HTTP answer: status, parsed JSON (when it is JSON), raw text and headers.</summary>
public sealed record Reply(HttpStatusCode Status, JsonNode? Json, string Text, HttpResponseHeaders Headers)
{
    public string Message => Json?["message"]?.GetValue<string>() ?? "";
    public string Reason => Json?["reason"]?.GetValue<string>() ?? "";
}
