using System.Net;
using System.Net.Sockets;

namespace K8sServiceAccount.Client.Http;

/// <summary>
/// Which failed attempts are sent again and how long to wait first. See <see cref="KubernetesConnection"/> for
/// the rules in prose; they are conservative so that a change is never applied twice.
/// </summary>
internal static class RetryPolicy
{
    /// <summary>First backoff step; doubles per attempt up to <see cref="MaxBackoff"/>.</summary>
    public static readonly TimeSpan InitialBackoff = TimeSpan.FromMilliseconds(250);

    public static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(8);

    /// <summary>A Retry-After longer than this is not waited for; the error goes back to the caller.</summary>
    public static readonly TimeSpan MaxRetryAfter = TimeSpan.FromSeconds(60);

    /// <summary>GET and HEAD change nothing, so they may be repeated after any transient failure.</summary>
    public static bool IsSafe(HttpMethod method) => method == HttpMethod.Get || method == HttpMethod.Head;

    /// <summary>
    /// A request that changes nothing on the server, so it may be repeated like a GET: GET and HEAD, and the POSTs that
    /// store nothing: a TokenRequest (serviceaccounts/NAME/token: a token the lost answer carried reached no one and
    /// expires by itself; asking again only issues another) and the reviews of authentication.k8s.io and
    /// authorization.k8s.io (TokenReview, SelfSubjectReview, the access and rules reviews), which are answered, never stored.
    /// </summary>
    public static bool IsSafe(HttpMethod method, string? path)
    {
        if (IsSafe(method))
        {
            return true;
        }

        if (method != HttpMethod.Post || string.IsNullOrEmpty(path))
        {
            return false;
        }

        var query = path.IndexOf('?', StringComparison.Ordinal);
        var segments = (query < 0 ? path : path[..query]).Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments is ["apis", "authentication.k8s.io" or "authorization.k8s.io", ..])
        {
            return true;
        }

        // /api/v1/namespaces/NS/serviceaccounts/NAME/token
        return segments is ["api", "v1", "namespaces", _, "serviceaccounts", _, "token"];
    }

    /// <summary>
    /// Whether a failed request that is not sent again may have been applied: a change (see <see cref="IsSafe(HttpMethod, string?)"/>)
    /// whose connection broke after it was sent (reset, EOF, HTTP/2 stream reset or GOAWAY). A refused or unresolved
    /// server, a TLS failure and a connection that could not be opened never carried it.
    /// </summary>
    public static bool MayHaveBeenApplied(HttpMethod method, string? path, HttpRequestException failure) =>
        !IsSafe(method, path)
        && failure.HttpRequestError is not (HttpRequestError.SecureConnectionError or HttpRequestError.ConnectionError
            or HttpRequestError.NameResolutionError or HttpRequestError.ConfigurationLimitExceeded or HttpRequestError.ProxyTunnelError)
        && Unreachable(failure) is null;

    /// <summary>
    /// 429 means the server refused the request before handling it (max-in-flight, priority and fairness),
    /// so every method may be retried. 500, 502, 503 and 504 may come after a change was applied, so only
    /// safe requests are retried on them.
    /// </summary>
    public static bool ShouldRetry(HttpMethod method, HttpStatusCode status) => ShouldRetry(method, null, status);

    /// <inheritdoc cref="ShouldRetry(HttpMethod, HttpStatusCode)"/>
    public static bool ShouldRetry(HttpMethod method, string? path, HttpStatusCode status) =>
        status == HttpStatusCode.TooManyRequests
        || (IsSafe(method, path) && status is HttpStatusCode.InternalServerError or HttpStatusCode.BadGateway
            or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout);

    /// <summary>
    /// A server that refuses the connection or whose name does not resolve is not there: retrying only delays the
    /// error (kubectl fails at once too), so that fails on the first attempt, for every method. Another failure
    /// to open a connection (reset or timed out while connecting) never carried the request, so every method may
    /// be retried. A connection lost mid-request (reset, EOF, HTTP/2 GOAWAY) may have delivered it: only safe
    /// methods (and the POSTs that store nothing, see <see cref="IsSafe(HttpMethod, string?)"/>). TLS failures are not
    /// transient and are never retried.
    /// </summary>
    public static bool ShouldRetry(HttpMethod method, HttpRequestException failure) => ShouldRetry(method, null, failure);

    /// <inheritdoc cref="ShouldRetry(HttpMethod, HttpRequestException)"/>
    public static bool ShouldRetry(HttpMethod method, string? path, HttpRequestException failure)
    {
        if (failure.HttpRequestError == HttpRequestError.SecureConnectionError || Unreachable(failure) is not null)
        {
            return false;
        }

        if (failure.HttpRequestError == HttpRequestError.ConnectionError)
        {
            return true;
        }

        return IsSafe(method, path) && failure.HttpRequestError is HttpRequestError.ResponseEnded or HttpRequestError.HttpProtocolError
            or HttpRequestError.Unknown;
    }

    /// <summary>Why the server cannot be reached at all (refused, or its name does not resolve), or null for any other failure.</summary>
    public static ServerUnreachable? Unreachable(HttpRequestException failure)
    {
        if (failure.HttpRequestError == HttpRequestError.NameResolutionError)
        {
            return ServerUnreachable.NameNotResolved;
        }

        return FindSocketError(failure) switch
        {
            SocketError.ConnectionRefused => ServerUnreachable.ConnectionRefused,
            SocketError.HostNotFound or SocketError.NoData => ServerUnreachable.NameNotResolved,
            _ => null,
        };
    }

    /// <summary>
    /// The wait before attempt <paramref name="retry"/> (1 for the first retry): exponential backoff with full
    /// jitter between half and all of the step, and never less than the server's Retry-After.
    /// </summary>
    public static TimeSpan Delay(int retry, TimeSpan? retryAfter, double jitter)
    {
        var step = InitialBackoff * Math.Pow(2, Math.Min(retry - 1, 16));
        if (step > MaxBackoff)
        {
            step = MaxBackoff;
        }

        var backoff = step * (0.5 + (jitter / 2));
        return retryAfter is { } wait && wait > backoff ? wait : backoff;
    }

    /// <summary>Retry-After in seconds (the form the API server sends); HTTP dates are ignored, as client-go does.</summary>
    public static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        if (response.Headers.TryGetValues("Retry-After", out var values)
            && int.TryParse(values.FirstOrDefault(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds))
        {
            return TimeSpan.FromSeconds(seconds);
        }

        return null;
    }

    private static SocketError? FindSocketError(Exception failure)
    {
        for (var inner = failure.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException socket)
            {
                return socket.SocketErrorCode;
            }
        }

        return null;
    }
}

/// <summary>A failure to reach the server that retrying cannot mend.</summary>
internal enum ServerUnreachable
{
    /// <summary>Nothing listens at the server's address and port.</summary>
    ConnectionRefused,

    /// <summary>The server's host name does not resolve.</summary>
    NameNotResolved,
}
