using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Runtime.CompilerServices;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using K8sServiceAccount.Client.Auth;
using K8sServiceAccount.Client.Config;
using K8sServiceAccount.Client.Models;

namespace K8sServiceAccount.Client.Http;

/// <summary>
/// The HTTP transport to one API server: one pooled <see cref="HttpClient"/> (HTTP/2 when the server offers it)
/// with the connection's TLS trust, credentials and impersonation. Create one per resolved connection and
/// keep it; it is safe for concurrent use.
/// </summary>
/// <remarks>
/// <para>TLS: with certificate-authority(-data) the server certificate must chain to that CA only; without
/// it, to the system trust store. The certificate must name tls-server-name when set (which is also sent as
/// SNI, through the Host header), else the server host. insecure-skip-tls-verify turns all checks off and
/// logs a warning.</para>
/// <para>Retries (at most <see cref="KubernetesConnectionOptions.MaxRetries"/>, exponential backoff with
/// jitter, never shorter than the server's Retry-After in seconds; a Retry-After above a minute is not
/// waited for): every method is retried on 429 Too Many Requests, which the server sends before handling a
/// request, and when a connection cannot be opened, except when it is refused or the server's name does not
/// resolve (errors KubernetesConnectionRefused and KubernetesServerNameNotResolved, at once, as kubectl).
/// GET and HEAD (and the POSTs that store nothing: TokenRequest and the reviews, see <see cref="RetryPolicy.IsSafe(HttpMethod, string?)"/>)
/// are also retried on 500, 502, 503 and 504 and when a connection breaks mid-request. POST, PUT, PATCH and DELETE are not retried on those, because
/// the change may already have been applied; a broken connection then fails with ErrorId KubernetesWriteOutcomeUnknown
/// (<see cref="WriteOutcomeUnknownException"/>), which <see cref="WriteOutcome"/> reconciles for creates, replaces and deletes. Independently, a 401 with exec plugin or token file credentials
/// fetches fresh credentials once and resends the request once.</para>
/// <para>Timeouts: <see cref="KubernetesConnectionOptions.Timeout"/> bounds each attempt and fails with
/// ErrorId KubernetesRequestTimeout; a request timeout set with <see cref="UseRequestTimeout"/> (kubectl's
/// --request-timeout) bounds each whole call instead. Cancelling the caller's token throws OperationCanceledException.
/// Without proxy-url, the HTTPS_PROXY, HTTP_PROXY and NO_PROXY environment variables apply, as in client-go.</para>
/// <para>Logging: each call writes one verbose line (method, URL, status, duration, retries) to the log set
/// with <see cref="UseLog"/>; retries and request headers go to debug, with the Authorization value
/// redacted. Server Warning headers are raised on <see cref="ServerWarning"/> and logged as warnings.</para>
/// </remarks>
public sealed class KubernetesConnection : IImpersonatingTransport, IDisposable
{
    private const string JsonMediaType = "application/json";

    // Set on a connection made by Create; a view made by WithImpersonation uses its root's instead.
    private readonly Func<HttpClient>? _newHttpClient;
    private readonly List<HttpClient> _retiredHttpClients = [];
    private readonly object _httpClientGate = new();
    private HttpClient? _http;
    private readonly KubernetesConnection? _root;
    private readonly RequestAuthenticator _authenticator;
    private readonly ServerCertificateValidator? _certificateValidator;
    private readonly X509Certificate2? _clientCertificate;
    private readonly KubernetesConnectionOptions _options;
    private readonly string _baseUrl;
    private readonly string? _hostHeader;
    private readonly AsyncLocal<IClientLog?> _log = new();
    private readonly AsyncLocal<TimeSpan?> _requestTimeout = new();

    private KubernetesConnection(
        ResolvedConnection settings,
        KubernetesConnectionOptions options,
        RequestAuthenticator authenticator,
        ServerCertificateValidator? certificateValidator,
        X509Certificate2? clientCertificate,
        Func<HttpClient>? newHttpClient,
        KubernetesConnection? root)
    {
        _clientCertificate = clientCertificate;
        Settings = settings;
        _options = options;
        _authenticator = authenticator;
        _certificateValidator = certificateValidator;
        _root = root;
        if (root is null)
        {
            _newHttpClient = newHttpClient ?? throw new ArgumentNullException(nameof(newHttpClient));
            _http = newHttpClient();
            authenticator.ClientCertificateRotated += ReplaceConnectionPool;
        }

        _baseUrl = BaseUrl(settings.Server);
        if (!string.IsNullOrEmpty(settings.TlsServerName) && settings.Server.Scheme == Uri.UriSchemeHttps)
        {
            // SocketsHttpHandler takes the TLS server name (SNI, and the name it checks) from the Host header.
            _hostHeader = settings.Server.IsDefaultPort ? settings.TlsServerName : $"{settings.TlsServerName}:{settings.Server.Port}";
        }
    }

    /// <summary>The settings this connection was made from (safe to print; no secrets).</summary>
    public ResolvedConnection Settings { get; }

    /// <inheritdoc />
    public event Action<string>? ServerWarning;

    /// <summary>The trust-store load this connection's client certificate started or joined (<see cref="TrustStoreWarmUp"/>), or null.</summary>
    internal Task? ClientChainWarmUp { get; private init; }

    private IClientLog Log => _log.Value ?? _root?.Log ?? NullClientLog.Instance;

    /// <summary>The request timeout of the scope this call runs in (see <see cref="UseRequestTimeout"/>), or null.</summary>
    private TimeSpan? RequestTimeout => _requestTimeout.Value ?? _root?.RequestTimeout;

    /// <summary>The pooled client requests go through now (replaced when an exec client certificate rotates).</summary>
    private HttpClient Http => _root is { } root ? root.Http : Volatile.Read(ref _http)!;

    /// <summary>
    /// Builds the connection: TLS trust, client certificate, proxy and credentials. Fails here, not on the
    /// first request, when the CA or the client certificate/key PEM is unusable (the error names the field
    /// or file) or an exec plugin's apiVersion is unsupported.
    /// </summary>
    public static KubernetesConnection Create(ResolvedConnection settings, KubernetesConnectionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        options ??= new KubernetesConnectionOptions();
        var server = settings.Server;
        if (!server.IsAbsoluteUri || (server.Scheme != Uri.UriSchemeHttps && server.Scheme != Uri.UriSchemeHttp))
        {
            throw new K8sClientException("KubernetesServerUrlInvalid", K8sErrorCategory.InvalidArgument,
                $"server \"{server}\" must be an absolute http or https URL") { Target = settings.ClusterName };
        }

        var clientCertificate = RequestAuthenticator.LoadClientCertificate(settings.Auth);
        var authenticator = RequestAuthenticator.Create(settings, options);
        ServerCertificateValidator? validator = null;
        RemoteCertificateValidationCallback? validate = null;
        if (server.Scheme == Uri.UriSchemeHttps)
        {
            if (settings.InsecureSkipTlsVerify)
            {
                validate = static (_, _, _, _) => true;
            }
            else
            {
                var clusterCa = settings.CertificateAuthorityData is { Length: > 0 } caData
                    ? ServerCertificateValidator.LoadCertificateAuthority(caData, settings.CaSource)
                    : null;
                validator = new ServerCertificateValidator(clusterCa, settings.CaSource,
                    ServerCertificateValidator.ExpectedHost(server, settings.TlsServerName));
                validate = validator.Validate;
            }
        }

        // Asked at each handshake, so a certificate from an exec plugin is the current one. Null: none to present.
        LocalCertificateSelectionCallback selectClientCertificate = (_, _, _, _, _) => (clientCertificate ?? authenticator.ClientCertificate)!;
        return new KubernetesConnection(settings, options, authenticator, validator, clientCertificate,
            () => NewHttpClient(settings, options, validate, selectClientCertificate), root: null)
        {
            ClientChainWarmUp = clientCertificate is null ? null : TrustStoreWarmUp.Start(clientCertificate),
        };
    }

    /// <summary>One pooled client over a SocketsHttpHandler with the connection's TLS, proxy and compression settings.</summary>
    private static HttpClient NewHttpClient(
        ResolvedConnection settings,
        KubernetesConnectionOptions options,
        RemoteCertificateValidationCallback? validate,
        LocalCertificateSelectionCallback selectClientCertificate)
    {
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(90),
            PooledConnectionLifetime = TimeSpan.FromMinutes(10),
            ConnectTimeout = options.ConnectTimeout,
            // Detect dead HTTP/2 connections under long watches, as client-go's 30 s read-idle health check does.
            KeepAlivePingDelay = TimeSpan.FromSeconds(30),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(15),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            AutomaticDecompression = settings.DisableCompression ? DecompressionMethods.None : DecompressionMethods.GZip,
            AllowAutoRedirect = false,
            UseCookies = false,
            RequestHeaderEncodingSelector = ImpersonationHeaders.EncodingFor,
        };

        // Without proxy-url the handler uses HTTPS_PROXY/HTTP_PROXY/NO_PROXY from the environment, as client-go does.
        if (settings.ProxyUrl is { } proxyUrl)
        {
            handler.Proxy = CreateProxy(proxyUrl, settings.Auth.ProxyCredential);
            handler.UseProxy = true;
        }

        if (validate is not null)
        {
            handler.SslOptions = new SslClientAuthenticationOptions
            {
                // As Go's crypto/tls client (client-go, kubectl): TLS 1.2 and 1.3 only, whatever the platform's OpenSSL allows.
                EnabledSslProtocols = ServerCertificateValidator.AllowedProtocols,
                RemoteCertificateValidationCallback = validate,
                LocalCertificateSelectionCallback = selectClientCertificate,
            };
        }

        HttpMessageHandler pipeline = options.WrapHandler?.Invoke(handler) ?? handler;
        var http = new HttpClient(pipeline, disposeHandler: true)
        {
            Timeout = System.Threading.Timeout.InfiniteTimeSpan,
            MaxResponseContentBufferSize = options.MaxResponseBytes,
        };
        http.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", options.UserAgent);
        return http;
    }

    /// <summary>
    /// Sends the lines of requests made inside the scope (on this async flow) to <paramref name="log"/>, so a
    /// connection cached for a whole session logs to whichever command is running. Dispose to restore the
    /// previous log.
    /// </summary>
    public IDisposable UseLog(IClientLog log)
    {
        ArgumentNullException.ThrowIfNull(log);
        var previous = _log.Value;
        _log.Value = log;
        return new LogScope(this, previous);
    }

    /// <summary>
    /// Bounds each call made inside the scope (on this async flow) as kubectl's --request-timeout bounds a request: the
    /// whole call, from the first attempt to the answer (for a watch, to its headers), counting connecting, the TLS
    /// handshake, getting credentials, every retry and the waits between them, fails with ErrorId KubernetesRequestTimeout
    /// once <paramref name="timeout"/> has passed. <see cref="TimeSpan.Zero"/>: no timeout at all (kubectl's "0"; opening a
    /// connection is still bounded by the connect timeout, as Go's dialer bounds kubectl's). Null: the default,
    /// <see cref="KubernetesConnectionOptions.Timeout"/> per attempt. Dispose to restore the previous value.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative.</exception>
    public IDisposable UseRequestTimeout(TimeSpan? timeout)
    {
        if (timeout < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "A request timeout cannot be negative; zero means none.");
        }

        var previous = _requestTimeout.Value;
        _requestTimeout.Value = timeout;
        return new RequestTimeoutScope(this, previous);
    }

    /// <inheritdoc />
    public async Task<TResponse> SendAsync<TRequest, TResponse>(
        HttpMethod method,
        string path,
        TRequest? body,
        JsonTypeInfo<TRequest>? requestType,
        JsonTypeInfo<TResponse> responseType,
        CancellationToken cancellationToken,
        string? contentType = null)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(responseType);
        byte[]? payload = null;
        if (body is not null)
        {
            payload = JsonSerializer.SerializeToUtf8Bytes(body, requestType ?? throw new ArgumentNullException(nameof(requestType)));
        }

        using var response = await SendWithinTimeoutAsync(method, path, payload, contentType, streamResponse: false, cancellationToken)
            .ConfigureAwait(false);
        return await ReadJsonAsync(response, method, path, responseType, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task<TResponse> GetAsync<TResponse>(string path, JsonTypeInfo<TResponse> responseType, CancellationToken cancellationToken) =>
        SendAsync<object, TResponse>(HttpMethod.Get, path, null, null, responseType, cancellationToken);

    /// <inheritdoc />
    public async IAsyncEnumerable<WatchEvent<T>> WatchAsync<T>(
        string path,
        JsonTypeInfo<WatchEvent<T>> eventType,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(eventType);
        var response = await SendWithinTimeoutAsync(HttpMethod.Get, path, null, null, streamResponse: true, cancellationToken)
            .ConfigureAwait(false);
        using (response)
        {
            var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            // One event per line, each at most MaxResponseBytes (the limit of one answer): an endless line fails.
            var reader = new WatchLineReader(stream, _options.MaxResponseBytes);
            while (await ReadWatchLineAsync(reader, path, _options.MaxResponseBytes, cancellationToken).ConfigureAwait(false) is { } line)
            {
                if (string.IsNullOrWhiteSpace(line))
                {
                    continue;
                }

                yield return ParseWatchEvent(line, path, eventType);
            }
        }
    }

    /// <summary>
    /// A view of this connection that impersonates <paramref name="impersonation"/> (replacing any impersonation from
    /// the kubeconfig) on every request. It shares this connection's pooled connections, credentials and log, and
    /// raises its server warnings on this connection too; disposing the view leaves this connection open.
    /// </summary>
    public KubernetesConnection WithImpersonation(Impersonation impersonation)
    {
        ArgumentNullException.ThrowIfNull(impersonation);
        var root = _root ?? this;
        var view = new KubernetesConnection(
            Settings with { Impersonation = impersonation }, _options, _authenticator, _certificateValidator,
            clientCertificate: null, newHttpClient: null, root);
        view.ServerWarning += text => ServerWarning?.Invoke(text);
        return view;
    }

    IKubernetesTransport IImpersonatingTransport.WithImpersonation(Impersonation impersonation) => WithImpersonation(impersonation);

    /// <summary>
    /// Closes the pooled connections. Calls made afterwards throw ObjectDisposedException. Disposing a view made
    /// by <see cref="WithImpersonation"/> does nothing.
    /// </summary>
    public void Dispose()
    {
        if (_root is not null)
        {
            return;
        }

        lock (_httpClientGate)
        {
            _http!.Dispose();
            foreach (var retired in _retiredHttpClients)
            {
                retired.Dispose();
            }

            _retiredHttpClients.Clear();
        }

        _clientCertificate?.Dispose();
    }

    /// <summary>
    /// TLS presents a client certificate only when a connection opens, so when an exec plugin hands out a new
    /// one, client-go closes all connections. Pooled connections cannot be closed one by one here: the pool is
    /// replaced instead. New requests open connections with the new certificate; requests in flight finish on
    /// the old pool, whose idle connections close by themselves and which is disposed with this connection.
    /// </summary>
    private void ReplaceConnectionPool()
    {
        lock (_httpClientGate)
        {
            _retiredHttpClients.Add(_http!);
            Volatile.Write(ref _http, _newHttpClient!());
        }
    }

    /// <summary>
    /// <see cref="SendWithRetriesAsync"/> under the scope's request timeout (<see cref="UseRequestTimeout"/>), which
    /// bounds the whole call: when it passes first, whatever the call was doing (connecting, waiting for an answer or
    /// between retries) ends with KubernetesRequestTimeout.
    /// </summary>
    private async Task<HttpResponseMessage> SendWithinTimeoutAsync(
        HttpMethod method, string path, byte[]? payload, string? contentType, bool streamResponse, CancellationToken cancellationToken)
    {
        if (RequestTimeout is not { } limit || limit == TimeSpan.Zero)
        {
            return await SendWithRetriesAsync(method, path, payload, contentType, streamResponse, cancellationToken).ConfigureAwait(false);
        }

        var started = Stopwatch.GetTimestamp();
        using var call = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        call.CancelAfter(limit);
        try
        {
            return await SendWithRetriesAsync(method, path, payload, contentType, streamResponse, call.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not K8sClientException && call.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            var url = Url(path);
            var error = new K8sClientException("KubernetesRequestTimeout", K8sErrorCategory.OperationTimeout,
                $"{method} {url} did not complete within {limit.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} seconds (the request timeout, which counts every attempt and the waits between them).", ex)
            {
                Target = url,
            };
            Log.Verbose($"{method} {url} failed in {Elapsed(started)}: {error.Message}");
            throw error;
        }
    }

    /// <summary>
    /// Sends until a success answer (returned, body unread) or a final failure (thrown), applying the retry
    /// rules in the class remarks.
    /// </summary>
    private async Task<HttpResponseMessage> SendWithRetriesAsync(
        HttpMethod method, string path, byte[]? payload, string? contentType, bool streamResponse, CancellationToken cancellationToken)
    {
        var log = Log;
        var url = Url(path);
        var retries = 0;
        var reauthenticated = false;
        var callStarted = Stopwatch.GetTimestamp();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var request = new HttpRequestMessage(method, url)
            {
                Version = HttpVersion.Version20,
                VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
            };
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(JsonMediaType));
            if (payload is not null)
            {
                request.Content = new ByteArrayContent(payload);
                request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType ?? JsonMediaType);
            }

            if (_hostHeader is not null)
            {
                request.Headers.Host = _hostHeader;
            }

            var credential = await _authenticator.ApplyAsync(request, log, cancellationToken).ConfigureAwait(false);
            if (ImpersonationHeaders.Apply(request, Settings.Impersonation))
            {
                // Several values of one impersonation header go as lines of their own, which only HTTP/1.1 lets us write.
                request.Version = HttpVersion.Version11;
                request.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
            }
            if (retries == 0 && !reauthenticated && log.IsDebugEnabled)
            {
                log.Debug($"{method} {url} request headers: {DescribeHeaders(request)}");
            }

            var attemptStarted = Stopwatch.GetTimestamp();
            HttpResponseMessage response;
            using (var attemptTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                // Under a request timeout of the scope, that bounds the whole call instead (SendWithinTimeoutAsync).
                attemptTimeout.CancelAfter(RequestTimeout is null ? _options.Timeout : System.Threading.Timeout.InfiniteTimeSpan);
                try
                {
                    // A whole answer is read under the attempt's timeout; a watch only until its headers.
                    var completion = streamResponse ? HttpCompletionOption.ResponseHeadersRead : HttpCompletionOption.ResponseContentRead;
                    response = await Http.SendAsync(request, completion, attemptTimeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
                {
                    // The attempt's timeout, or the handler's connect timeout (a server that accepts and never answers the TLS handshake).
                    var error = TimedOut(method, url, ex, connecting: !attemptTimeout.IsCancellationRequested);
                    log.Verbose($"{method} {url} failed in {Elapsed(callStarted)}{RetryNote(retries)}: {error.Message}");
                    throw error;
                }
                catch (NotSupportedException ex) when (Settings.ProxyUrl is { } proxy)
                {
                    // Older runtimes accept only http and socks proxies.
                    throw new K8sClientException("KubernetesProxyUnsupported", K8sErrorCategory.InvalidArgument,
                        $"proxy-url with scheme \"{proxy.Scheme}\" cannot be used by this .NET runtime: {ex.Message}", ex) { Target = "proxy-url" };
                }
                catch (HttpRequestException ex) when (ex.HttpRequestError == HttpRequestError.ConfigurationLimitExceeded)
                {
                    // Over MaxResponseBytes (or headers over the handler's limit): the server answered, so no retry.
                    throw InvalidResponse(method, path,
                        $"the answer is larger than {_options.MaxResponseBytes / (1024 * 1024)} MiB or its headers are too long", ex);
                }
                catch (Exception ex) when (ex is InvalidDataException || ex.InnerException is InvalidDataException)
                {
                    // A body that says gzip and is not: the server answered, with something unreadable.
                    throw InvalidResponse(method, path, $"the answer's compressed body is corrupt ({ex.Message})", ex);
                }
                catch (HttpRequestException ex) when (!cancellationToken.IsCancellationRequested)
                {
                    var error = ConnectionFailure(ex);
                    if (retries >= _options.MaxRetries || !RetryPolicy.ShouldRetry(method, path, ex))
                    {
                        if (RetryPolicy.MayHaveBeenApplied(method, path, ex))
                        {
                            error = OutcomeUnknown(method, url, payload, ex);
                        }

                        log.Verbose($"{method} {url} failed in {Elapsed(callStarted)}{RetryNote(retries)}: {error.Message}");
                        throw error;
                    }

                    retries++;
                    var wait = RetryPolicy.Delay(retries, null, _options.Jitter());
                    log.Debug($"{method} {url} failed after {Elapsed(attemptStarted)}: {error.Message}; retry {retries} of {_options.MaxRetries} in {Seconds(wait)}");
                    await _options.Delay(wait, cancellationToken).ConfigureAwait(false);
                    continue;
                }
            }

            var status = response.StatusCode;
            ReportWarnings(response, log);
            if ((int)status is >= 200 and < 300)
            {
                if (log.IsVerboseEnabled)
                {
                    log.Verbose($"{method} {url} {(int)status} {status} in {Elapsed(callStarted)}{RetryNote(retries)}");
                }

                return response;
            }

            if (status == HttpStatusCode.Unauthorized && !reauthenticated
                && await _authenticator.RefreshAfterUnauthorizedAsync(credential, log, cancellationToken).ConfigureAwait(false))
            {
                reauthenticated = true;
                log.Debug($"{method} {url} 401 Unauthorized in {Elapsed(attemptStarted)}; sending again with fresh credentials");
                response.Dispose();
                continue;
            }

            var retryAfter = RetryPolicy.RetryAfter(response);
            if (retries < _options.MaxRetries && RetryPolicy.ShouldRetry(method, path, status)
                && (retryAfter is null || retryAfter <= RetryPolicy.MaxRetryAfter))
            {
                retries++;
                var wait = RetryPolicy.Delay(retries, retryAfter, _options.Jitter());
                log.Debug($"{method} {url} {(int)status} {status} in {Elapsed(attemptStarted)}" +
                    (retryAfter is null ? string.Empty : $" (Retry-After: {retryAfter.Value.TotalSeconds:0})") +
                    $"; retry {retries} of {_options.MaxRetries} in {Seconds(wait)}");
                response.Dispose();
                await _options.Delay(wait, cancellationToken).ConfigureAwait(false);
                continue;
            }

            using (response)
            {
                var error = await ResponseErrors.ReadAsync(response, method, cancellationToken).ConfigureAwait(false);
                log.Verbose($"{method} {url} {(int)status} {status} in {Elapsed(callStarted)}{RetryNote(retries)}: {error.Message}");
                throw error;
            }
        }
    }

    private static async Task<TResponse> ReadJsonAsync<TResponse>(
        HttpResponseMessage response, HttpMethod method, string path, JsonTypeInfo<TResponse> responseType, CancellationToken cancellationToken)
    {
        TResponse? result;
        try
        {
            var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                result = await JsonSerializer.DeserializeAsync(stream, responseType, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (JsonException ex)
        {
            throw InvalidResponse(method, path, $"the answer is not the expected JSON ({JsonPosition(ex)})", null);
        }
        catch (HttpRequestException ex)
        {
            throw InvalidResponse(method, path, $"the answer ended early ({ex.Message})", ex);
        }
        catch (InvalidDataException ex)
        {
            throw InvalidResponse(method, path, $"the answer's compressed body is corrupt ({ex.Message})", ex);
        }

        return result ?? throw InvalidResponse(method, path, "the answer has no body", null);
    }

    private static async Task<string?> ReadWatchLineAsync(WatchLineReader reader, string path, long maxEventBytes, CancellationToken cancellationToken)
    {
        try
        {
            return await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (WatchLineTooLongException ex)
        {
            throw InvalidResponse(HttpMethod.Get, path, $"a watch event is larger than {maxEventBytes / (1024 * 1024)} MiB", ex);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException && !cancellationToken.IsCancellationRequested)
        {
            throw new K8sClientException("KubernetesWatchInterrupted", K8sErrorCategory.ConnectionError,
                $"The watch on {path} was interrupted: {ex.Message}", ex) { Target = path };
        }
    }

    private static WatchEvent<T> ParseWatchEvent<T>(string line, string path, JsonTypeInfo<WatchEvent<T>> eventType)
    {
        WatchEvent<T>? watchEvent;
        try
        {
            watchEvent = JsonSerializer.Deserialize(line, eventType);
        }
        catch (JsonException ex)
        {
            throw InvalidResponse(HttpMethod.Get, path, $"a watch event is not valid JSON ({JsonPosition(ex)})", null);
        }

        if (watchEvent is null || string.IsNullOrEmpty(watchEvent.Type))
        {
            throw InvalidResponse(HttpMethod.Get, path, "a watch event has no type", null);
        }

        if (watchEvent.Type == "ERROR")
        {
            // The object of an ERROR event is a Status (e.g. 410 Expired when the resourceVersion is too old).
            var status = JsonSerializer.Deserialize(line, KubeJsonContext.Default.WatchEventStatus)?.Object;
            var code = status?.Code ?? 500;
            throw new KubernetesApiException(code, status, status?.Message is { } watchMessage ? MessageText.Untrusted(watchMessage, MessageText.ServerMessageMaxLength) : $"the watch on {path} ended with an error (code {code})");
        }

        return watchEvent;
    }

    private void ReportWarnings(HttpResponseMessage response, IClientLog log)
    {
        if (!response.Headers.TryGetValues("Warning", out var values))
        {
            return;
        }

        foreach (var value in values)
        {
            foreach (var text in WarningHeader.ParseTexts(value))
            {
                log.Warning(MessageText.Untrusted(text, MessageText.ServerMessageMaxLength));
                ServerWarning?.Invoke(text);
            }
        }
    }

    private K8sClientException ConnectionFailure(HttpRequestException failure)
    {
        if (failure.HttpRequestError == HttpRequestError.SecureConnectionError || failure.InnerException is AuthenticationException)
        {
            var reason = _certificateValidator?.LastFailure is { } refused
                ? "failed to verify certificate: " + refused
                : ServerCertificateValidator.DescribeHandshakeFailure(failure) ?? InnermostMessage(failure);
            return new K8sClientException("KubernetesTlsFailure", K8sErrorCategory.SecurityError,
                $"Unable to connect to the server {_baseUrl}: tls: {reason}", failure) { Target = _baseUrl };
        }

        return RetryPolicy.Unreachable(failure) switch
        {
            ServerUnreachable.ConnectionRefused => new K8sClientException("KubernetesConnectionRefused", K8sErrorCategory.ConnectionError,
                $"The connection to the server {_baseUrl} was refused - did you specify the right host or port? ({InnermostMessage(failure)})", failure) { Target = _baseUrl },
            ServerUnreachable.NameNotResolved => new K8sClientException("KubernetesServerNameNotResolved", K8sErrorCategory.ConnectionError,
                $"Unable to connect to the server {_baseUrl}: the name {Settings.Server.Host} does not resolve ({InnermostMessage(failure)})", failure) { Target = _baseUrl },
            _ => new K8sClientException("KubernetesConnectionFailed", K8sErrorCategory.ConnectionError,
                $"Unable to connect to the server {_baseUrl}: {InnermostMessage(failure)}", failure) { Target = _baseUrl },
        };
    }

    /// <summary>
    /// A change whose connection broke after it was sent: "METHOD URL (KIND NAME from the body, for a create): the
    /// server may or may not have applied it". <see cref="WriteOutcome"/> reconciles creates, replaces and deletes with a read.
    /// </summary>
    private static WriteOutcomeUnknownException OutcomeUnknown(HttpMethod method, string url, byte[]? payload, HttpRequestException failure)
    {
        var what = string.Empty;
        if (method == HttpMethod.Post && payload is not null)
        {
            try
            {
                using var body = JsonDocument.Parse(payload);
                var kind = body.RootElement.TryGetProperty("kind", out var k) && k.ValueKind == JsonValueKind.String ? k.GetString() : null;
                var name = body.RootElement.TryGetProperty("metadata", out var m) && m.ValueKind == JsonValueKind.Object
                    && m.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
                what = name is null ? string.Empty : $" ({kind ?? "object"} \"{MessageText.Untrusted(name)}\")";
            }
            catch (JsonException)
            {
                // Not JSON (never for this module's writes): the URL alone names the target.
            }
        }

        return new WriteOutcomeUnknownException(
            $"{method} {url}{what}: the connection to the server was lost after the request was sent ({InnermostMessage(failure)}), so the change may or may not have been applied. Read the object before trying again.",
            failure)
        {
            Target = url,
        };
    }

    private K8sClientException TimedOut(HttpMethod method, string url, Exception inner, bool connecting = false) =>
        new("KubernetesRequestTimeout", K8sErrorCategory.OperationTimeout, connecting
            ? $"{method} {url} could not connect within {_options.ConnectTimeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} seconds (the server accepted the connection but never completed the handshake)."
            : $"{method} {url} did not complete within {_options.Timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} seconds.", inner)
        {
            Target = url,
        };

    private static K8sClientException InvalidResponse(HttpMethod method, string path, string problem, Exception? inner) =>
        new("KubernetesInvalidResponse", K8sErrorCategory.ProtocolError, $"{method} {path}: {problem}", inner) { Target = path };

    private string Url(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (path[0] != '/')
        {
            throw new ArgumentException($"API path \"{path}\" must start with '/'.", nameof(path));
        }

        return _baseUrl + path;
    }

    /// <summary>
    /// A proxy from proxy-url. Its user and password (kept by the resolver in AuthSettings, or still in the URL)
    /// become the proxy credentials, as Go's http.ProxyURL uses them.
    /// </summary>
    private static WebProxy CreateProxy(Uri proxyUrl, NetworkCredential? credential)
    {
        var proxy = new WebProxy(new Uri(proxyUrl.GetComponents(UriComponents.SchemeAndServer, UriFormat.UriEscaped)));
        if (credential is not null)
        {
            proxy.Credentials = credential;
        }
        else if (!string.IsNullOrEmpty(proxyUrl.UserInfo))
        {
            var separator = proxyUrl.UserInfo.IndexOf(':');
            var user = separator < 0 ? proxyUrl.UserInfo : proxyUrl.UserInfo[..separator];
            var password = separator < 0 ? string.Empty : proxyUrl.UserInfo[(separator + 1)..];
            proxy.Credentials = new NetworkCredential(Uri.UnescapeDataString(user), Uri.UnescapeDataString(password));
        }

        return proxy;
    }

    /// <summary>Scheme, host, port and any path prefix (a proxying gateway's), never user info.</summary>
    private static string BaseUrl(Uri server) =>
        (server.GetComponents(UriComponents.SchemeAndServer, UriFormat.UriEscaped) + server.GetComponents(UriComponents.Path | UriComponents.KeepDelimiter, UriFormat.UriEscaped))
            .TrimEnd('/');

    /// <summary>Request headers for the debug log; the Authorization value never appears, only its scheme.</summary>
    private static string DescribeHeaders(HttpRequestMessage request)
    {
        var parts = new List<string>();
        foreach (var (name, values) in request.Headers)
        {
            parts.Add(name.Equals("Authorization", StringComparison.OrdinalIgnoreCase)
                ? $"{name}: {request.Headers.Authorization?.Scheme ?? "?"} <redacted>"
                : $"{name}: {string.Join(", ", values).Replace(ImpersonationHeaders.ValueSeparator.ToString(), ", ", StringComparison.Ordinal)}");
        }

        if (request.Content?.Headers.ContentType is { } type)
        {
            parts.Add($"Content-Type: {type}");
        }

        return string.Join("; ", parts);
    }

    /// <summary>
    /// Where JSON parsing failed. The parser's own message quotes the offending text, which may be part of a
    /// token (TokenRequest answers carry one), so neither it nor the exception is passed on.
    /// </summary>
    private static string JsonPosition(JsonException failure) =>
        $"at {failure.Path ?? "$"}, line {failure.LineNumber + 1}, byte {failure.BytePositionInLine + 1}";

    private static string InnermostMessage(Exception failure)
    {
        var message = failure.Message;
        for (var inner = failure.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (!string.IsNullOrWhiteSpace(inner.Message) && !message.Contains(inner.Message, StringComparison.Ordinal))
            {
                message = $"{message} {inner.Message}";
            }
        }

        return message;
    }

    private static string Elapsed(long started) =>
        $"{Stopwatch.GetElapsedTime(started).TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)} ms";

    private static string Seconds(TimeSpan wait) => $"{wait.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture)} s";

    private static string RetryNote(int retries) => retries switch
    {
        0 => string.Empty,
        1 => " after 1 retry",
        _ => $" after {retries} retries",
    };

    private sealed class RequestTimeoutScope(KubernetesConnection connection, TimeSpan? previous) : IDisposable
    {
        private bool _disposed;

        public void Dispose()
        {
            if (!_disposed)
            {
                _disposed = true;
                connection._requestTimeout.Value = previous;
            }
        }
    }

    private sealed class LogScope(KubernetesConnection connection, IClientLog? previous) : IDisposable
    {
        private bool _disposed;

        public void Dispose()
        {
            if (!_disposed)
            {
                _disposed = true;
                connection._log.Value = previous;
            }
        }
    }
}
