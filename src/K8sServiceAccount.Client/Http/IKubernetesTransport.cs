using System.Text.Json.Serialization.Metadata;

namespace K8sServiceAccount.Client.Http;

/// <summary>
/// The seam between the typed API calls (Api/) and HTTP (Http/). The implementation owns authentication,
/// TLS, bounded retries (which failures, for which methods: see <see cref="KubernetesConnection"/>) and the mapping
/// of error answers to <see cref="KubernetesApiException"/>.
/// Paths are absolute API paths with their query string, e.g. "/api/v1/namespaces/ns/serviceaccounts?limit=500".
/// </summary>
public interface IKubernetesTransport
{
    /// <summary>Sends a request with an optional JSON body and reads a JSON answer of type TResponse.</summary>
    Task<TResponse> SendAsync<TRequest, TResponse>(
        HttpMethod method,
        string path,
        TRequest? body,
        JsonTypeInfo<TRequest>? requestType,
        JsonTypeInfo<TResponse> responseType,
        CancellationToken cancellationToken,
        string? contentType = null);

    /// <summary>GET without a body.</summary>
    Task<TResponse> GetAsync<TResponse>(string path, JsonTypeInfo<TResponse> responseType, CancellationToken cancellationToken);

    /// <summary>
    /// Opens a watch (the path must carry watch=true) and yields each event as it arrives until the server
    /// ends the stream or the token is cancelled. An ERROR event becomes a KubernetesApiException.
    /// </summary>
    IAsyncEnumerable<Models.WatchEvent<T>> WatchAsync<T>(
        string path,
        JsonTypeInfo<Models.WatchEvent<T>> eventType,
        CancellationToken cancellationToken);

    /// <summary>Warnings the server sent in Warning headers are reported here (e.g. a shortened token).</summary>
    event Action<string>? ServerWarning;
}

/// <summary>
/// A transport that can send requests as another identity (the Impersonate-User/Group headers of kubectl --as and
/// --as-group). Permission checks use it when the caller may not create SubjectAccessReviews but may impersonate.
/// </summary>
public interface IImpersonatingTransport : IKubernetesTransport
{
    /// <summary>
    /// A view of this transport that sends every request with <paramref name="impersonation"/> instead of the
    /// connection's own impersonation settings. It shares the connection's credentials and pooled connections;
    /// disposing it (if disposable) does not close them.
    /// </summary>
    IKubernetesTransport WithImpersonation(Config.Impersonation impersonation);
}
