using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using K8sServiceAccount.Client.Config;
using K8sServiceAccount.Client.Http;
using K8sServiceAccount.Client.Models;

namespace K8sServiceAccount.Client.Tests.Permissions;

/// <summary>One request as an operation sent it, with the identity it impersonated (null: none).</summary>
public sealed record SentRequest(string Method, string Path, string? Body, Impersonation? Impersonation)
{
    public JsonNode? Json => Body is null ? null : JsonNode.Parse(Body);
}

/// <summary>
/// An <see cref="IImpersonatingTransport"/> that answers each request with a handler (so concurrent requests work),
/// records every request, and serializes/deserializes with the caller's JsonTypeInfo so wire shapes are exercised.
/// A handler returns JSON text, or throws (e.g. <see cref="Error"/>).
/// </summary>
public sealed class FakeKubernetes : IImpersonatingTransport
{
    private readonly Func<SentRequest, Task<string>> _handler;
    private readonly ConcurrentQueue<SentRequest> _requests;
    private readonly Impersonation? _impersonation;
    private readonly bool _canImpersonate;

    public FakeKubernetes(Func<SentRequest, string> handler, bool canImpersonate = true)
        : this(r => Task.FromResult(handler(r)), canImpersonate)
    {
    }

    public FakeKubernetes(Func<SentRequest, Task<string>> handler, bool canImpersonate = true)
        : this(handler, new ConcurrentQueue<SentRequest>(), null, canImpersonate)
    {
    }

    private FakeKubernetes(Func<SentRequest, Task<string>> handler, ConcurrentQueue<SentRequest> requests, Impersonation? impersonation, bool canImpersonate)
    {
        _handler = handler;
        _requests = requests;
        _impersonation = impersonation;
        _canImpersonate = canImpersonate;
    }

    public event Action<string>? ServerWarning;

    public IReadOnlyList<SentRequest> Requests => _requests.ToArray();

    public static KubernetesApiException Error(int code, string reason, string message) =>
        new(code, new Status { Kind = "Status", ApiVersion = "v1", Outcome = "Failure", Message = message, Reason = reason, Code = code }, message);

    public IKubernetesTransport WithImpersonation(Impersonation impersonation)
    {
        if (!_canImpersonate)
        {
            throw new InvalidOperationException("impersonation was not expected");
        }
        return new FakeKubernetes(_handler, _requests, impersonation, _canImpersonate);
    }

    public async Task<TResponse> SendAsync<TRequest, TResponse>(HttpMethod method, string path, TRequest? body, JsonTypeInfo<TRequest>? requestType,
        JsonTypeInfo<TResponse> responseType, CancellationToken cancellationToken, string? contentType = null)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var json = body is null || requestType is null ? null : JsonSerializer.Serialize(body, requestType);
        var request = new SentRequest(method.Method, path, json, _impersonation);
        _requests.Enqueue(request);
        var answer = await _handler(request).ConfigureAwait(false);
        return JsonSerializer.Deserialize(answer, responseType)!;
    }

    public Task<TResponse> GetAsync<TResponse>(string path, JsonTypeInfo<TResponse> responseType, CancellationToken cancellationToken)
        => SendAsync<object, TResponse>(HttpMethod.Get, path, null, null, responseType, cancellationToken);

    public async IAsyncEnumerable<WatchEvent<T>> WatchAsync<T>(string path, JsonTypeInfo<WatchEvent<T>> eventType, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.Yield();
        throw new NotSupportedException("no watches here");
#pragma warning disable CS0162
        yield break;
#pragma warning restore CS0162
    }

    public void Warn(string text) => ServerWarning?.Invoke(text);
}

/// <summary>A plain transport (no impersonation capability) delegating to a FakeKubernetes.</summary>
public sealed class PlainTransport(FakeKubernetes inner) : IKubernetesTransport
{
    public event Action<string>? ServerWarning { add { } remove { } }

    public Task<TResponse> SendAsync<TRequest, TResponse>(HttpMethod method, string path, TRequest? body, JsonTypeInfo<TRequest>? requestType,
        JsonTypeInfo<TResponse> responseType, CancellationToken cancellationToken, string? contentType = null)
        => inner.SendAsync(method, path, body, requestType, responseType, cancellationToken, contentType);

    public Task<TResponse> GetAsync<TResponse>(string path, JsonTypeInfo<TResponse> responseType, CancellationToken cancellationToken)
        => inner.GetAsync(path, responseType, cancellationToken);

    public IAsyncEnumerable<WatchEvent<T>> WatchAsync<T>(string path, JsonTypeInfo<WatchEvent<T>> eventType, CancellationToken cancellationToken)
        => inner.WatchAsync(path, eventType, cancellationToken);
}

/// <summary>Collects warnings.</summary>
public sealed class WarningLog : IClientLog
{
    private readonly ConcurrentQueue<string> _warnings = new();

    public IReadOnlyList<string> Warnings => _warnings.ToArray();

    public void Verbose(string message) { }

    public void Debug(string message) { }

    public void Warning(string message) => _warnings.Enqueue(message);
}

/// <summary>
/// A tiny in-memory store for RBAC objects, with the API server's create/get/replace/delete/list answers (201/200, 404
/// NotFound, 409 AlreadyExists, resourceVersion bumps), for Grant/Revoke and CRUD tests.
/// </summary>
public sealed class FakeRbacStore
{
    private const string Prefix = "/apis/rbac.authorization.k8s.io/v1/";
    private readonly Dictionary<string, JsonObject> _objects = new(StringComparer.Ordinal);
    private int _version = 100;

    public List<string> Writes { get; } = new();

    public IReadOnlyDictionary<string, JsonObject> Objects => _objects;

    public JsonObject? Get(string key) => _objects.GetValueOrDefault(key);

    public string Handle(SentRequest request)
    {
        lock (_objects)
        {
            var path = request.Path.Split('?')[0];
            if (!path.StartsWith(Prefix, StringComparison.Ordinal))
            {
                throw FakeKubernetes.Error(404, "NotFound", "the server could not find the requested resource");
            }
            var parts = path[Prefix.Length..].Split('/').Select(Uri.UnescapeDataString).ToArray();
            string? ns = null;
            if (parts[0] == "namespaces")
            {
                ns = parts[1];
                parts = parts[2..];
            }
            var resource = parts[0];
            var name = parts.Length > 1 ? parts[1] : null;
            switch (request.Method)
            {
                case "GET" when name is not null:
                    return (_objects.GetValueOrDefault(Key(resource, ns, name)) ?? throw NotFound(resource, name)).ToJsonString();
                case "GET":
                    var items = new JsonArray(_objects.Where(p => p.Key.StartsWith(resource + "/" + (ns is null ? "" : ns + "/"), StringComparison.Ordinal))
                        .Select(p => (JsonNode)p.Value.DeepClone()).ToArray());
                    return new JsonObject { ["kind"] = "List", ["metadata"] = new JsonObject(), ["items"] = items }.ToJsonString();
                case "POST":
                {
                    var obj = request.Json!.AsObject();
                    var n = obj["metadata"]!["name"]!.GetValue<string>();
                    var key = Key(resource, ns, n);
                    if (_objects.ContainsKey(key))
                    {
                        throw FakeKubernetes.Error(409, "AlreadyExists", $"{resource}.rbac.authorization.k8s.io \"{n}\" already exists");
                    }
                    obj["metadata"]!["resourceVersion"] = (++_version).ToString(System.Globalization.CultureInfo.InvariantCulture);
                    _objects[key] = obj;
                    Writes.Add($"POST {key}");
                    return obj.ToJsonString();
                }
                case "PUT":
                {
                    var key = Key(resource, ns, name!);
                    if (!_objects.TryGetValue(key, out var current))
                    {
                        throw NotFound(resource, name!);
                    }
                    var obj = request.Json!.AsObject();
                    if (obj["metadata"]?["resourceVersion"]?.GetValue<string>() != current["metadata"]!["resourceVersion"]!.GetValue<string>())
                    {
                        throw FakeKubernetes.Error(409, "Conflict", $"Operation cannot be fulfilled on {resource}.rbac.authorization.k8s.io \"{name}\": the object has been modified; please apply your changes to the latest version and try again");
                    }
                    obj["metadata"]!["resourceVersion"] = (++_version).ToString(System.Globalization.CultureInfo.InvariantCulture);
                    _objects[key] = obj;
                    Writes.Add($"PUT {key}");
                    return obj.ToJsonString();
                }
                case "DELETE":
                {
                    var key = Key(resource, ns, name!);
                    if (!_objects.Remove(key))
                    {
                        throw NotFound(resource, name!);
                    }
                    Writes.Add($"DELETE {key}");
                    return """{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success"}""";
                }
                default:
                    throw new InvalidOperationException(request.Method);
            }
        }
    }

    public static string Key(string resource, string? ns, string name) => ns is null ? $"{resource}/{name}" : $"{resource}/{ns}/{name}";

    private static KubernetesApiException NotFound(string resource, string name)
        => FakeKubernetes.Error(404, "NotFound", $"{resource}.rbac.authorization.k8s.io \"{name}\" not found");
}
