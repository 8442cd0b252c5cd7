using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using K8sServiceAccount.Client.Config;
using K8sServiceAccount.Client.Http;

namespace K8sServiceAccount.Client.Auth;

/// <summary>
/// Puts the connection's credentials on each request and reacts to a 401. One instance per connection;
/// implementations are thread-safe because a cached connection serves concurrent requests.
/// </summary>
internal abstract class RequestAuthenticator
{
    /// <summary>
    /// Adds credentials to the request. Returns a handle for the credential used, which is given back to
    /// <see cref="RefreshAfterUnauthorizedAsync"/> so that concurrent 401s refresh only once.
    /// </summary>
    public abstract ValueTask<object?> ApplyAsync(HttpRequestMessage request, IClientLog log, CancellationToken cancellationToken);

    /// <summary>
    /// Called once per request after a 401 answer. Returns true when fresher credentials than
    /// <paramref name="usedCredential"/> are now available, so resending the request is worthwhile.
    /// </summary>
    public virtual ValueTask<bool> RefreshAfterUnauthorizedAsync(object? usedCredential, IClientLog log, CancellationToken cancellationToken) =>
        ValueTask.FromResult(false);

    /// <summary>The TLS client certificate to present, or null. Read during each TLS handshake.</summary>
    public virtual X509Certificate2? ClientCertificate => null;

    /// <summary>Raised when <see cref="ClientCertificate"/> changed, so connections opened with the old one are replaced.</summary>
    public event Action? ClientCertificateRotated;

    protected void OnClientCertificateRotated() => ClientCertificateRotated?.Invoke();

    /// <summary>
    /// Builds the authenticator for the connection's request credential: token, token file, basic auth or
    /// exec plugin. As in client-go, an exec plugin is not run when the user also has a token, basic auth or a
    /// client certificate (those are used instead); a client certificate is presented by the TLS layer
    /// alongside any request credential (<see cref="LoadClientCertificate"/>).
    /// </summary>
    public static RequestAuthenticator Create(ResolvedConnection connection, KubernetesConnectionOptions options)
    {
        var auth = connection.Auth;
        if (!string.IsNullOrEmpty(auth.Token))
        {
            return new StaticTokenAuthenticator(auth.Token);
        }

        if (!string.IsNullOrEmpty(auth.TokenFile))
        {
            return new TokenFileAuthenticator(auth.TokenFile, options.Environment);
        }

        if (!string.IsNullOrEmpty(auth.Username) || !string.IsNullOrEmpty(auth.Password))
        {
            return new BasicAuthenticator(auth.Username ?? string.Empty, auth.Password ?? string.Empty);
        }

        if (auth.Exec is not null && !HasClientCertificate(auth))
        {
            return new ExecAuthenticator(auth.Exec, connection, options);
        }

        return AnonymousAuthenticator.Instance;
    }

    /// <summary>The kubeconfig client certificate with its key, or null when the user has none.</summary>
    public static X509Certificate2? LoadClientCertificate(AuthSettings auth) =>
        HasClientCertificate(auth)
            ? ClientCertificateLoader.Load(
                auth.ClientCertificatePem,
                auth.ClientKeyPem,
                auth.ClientCertificateOrigin ?? "client-certificate-data",
                auth.ClientKeyOrigin ?? "client-key-data")
            : null;

    private static bool HasClientCertificate(AuthSettings auth) => auth.ClientCertificatePem is not null || auth.ClientKeyPem is not null;

    /// <summary>Sets "Authorization: Bearer token".</summary>
    /// <exception cref="K8sClientException">ErrorId KubernetesTokenInvalid: the token holds characters no HTTP header can carry.</exception>
    protected static void SetBearer(HttpRequestMessage request, string token)
    {
        if (HeaderValues.HasControlCharacter(token))
        {
            // Never echo the token; only say why it cannot be sent (it would otherwise fail as an untyped FormatException).
            throw new K8sClientException("KubernetesTokenInvalid", K8sErrorCategory.InvalidData,
                "The bearer token holds control characters (such as CR, LF or NUL), which cannot be sent in an HTTP header.");
        }
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }
}

/// <summary>No credentials: the server sees system:anonymous (or rejects the request).</summary>
internal sealed class AnonymousAuthenticator : RequestAuthenticator
{
    public static readonly AnonymousAuthenticator Instance = new();

    public override ValueTask<object?> ApplyAsync(HttpRequestMessage request, IClientLog log, CancellationToken cancellationToken) =>
        ValueTask.FromResult<object?>(null);
}

/// <summary>kubeconfig "token": a fixed bearer token.</summary>
internal sealed class StaticTokenAuthenticator(string token) : RequestAuthenticator
{
    public override ValueTask<object?> ApplyAsync(HttpRequestMessage request, IClientLog log, CancellationToken cancellationToken)
    {
        SetBearer(request, token);
        return ValueTask.FromResult<object?>(null);
    }
}

/// <summary>kubeconfig "username"/"password": HTTP basic authentication.</summary>
internal sealed class BasicAuthenticator : RequestAuthenticator
{
    private readonly string _encoded;

    public BasicAuthenticator(string username, string password) =>
        _encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes(username + ":" + password));

    public override ValueTask<object?> ApplyAsync(HttpRequestMessage request, IClientLog log, CancellationToken cancellationToken)
    {
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", _encoded);
        return ValueTask.FromResult<object?>(null);
    }
}

/// <summary>What an HTTP header value can hold.</summary>
internal static class HeaderValues
{
    /// <summary>True when <paramref name="value"/> holds a control character (CR, LF, NUL, DEL...), which no header value may.</summary>
    public static bool HasControlCharacter(string value) => value.Any(char.IsControl);
}
