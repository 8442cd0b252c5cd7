using System.Security.Cryptography.X509Certificates;
using K8sServiceAccount.Client.Config;
using K8sServiceAccount.Client.Http;

namespace K8sServiceAccount.Client.Auth;

/// <summary>
/// kubeconfig "exec": credentials from a client-go credential plugin. The plugin runs when a request needs
/// credentials and none are cached, or the cached ones are past their expirationTimestamp (credentials
/// without one are kept for the life of the connection), and once more after a 401. Only one plugin
/// process runs at a time per connection, so an interactive login prompts once.
/// </summary>
internal sealed class ExecAuthenticator : RequestAuthenticator
{
    private readonly ExecPlugin _plugin;
    private readonly ISystemEnvironment _environment;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile ExecCredentials? _cached;

    public ExecAuthenticator(ExecConfig config, ResolvedConnection connection, KubernetesConnectionOptions options)
    {
        _plugin = new ExecPlugin(config, connection, options.IsTerminalAttached);
        _environment = options.Environment;
    }

    public override X509Certificate2? ClientCertificate => _cached?.Certificate;

    public override async ValueTask<object?> ApplyAsync(HttpRequestMessage request, IClientLog log, CancellationToken cancellationToken)
    {
        var credentials = _cached;
        if (credentials is null || IsExpired(credentials))
        {
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                credentials = _cached;
                if (credentials is null || IsExpired(credentials))
                {
                    if (credentials is not null)
                    {
                        log.Verbose($"Exec plugin credentials expired at {credentials.Expiry:u}; running the plugin again.");
                    }

                    credentials = await RunPluginAsync(log, cancellationToken).ConfigureAwait(false);
                }
            }
            finally
            {
                _gate.Release();
            }
        }

        if (credentials.Token is not null)
        {
            SetBearer(request, credentials.Token);
        }

        return credentials;
    }

    public override async ValueTask<bool> RefreshAfterUnauthorizedAsync(object? usedCredential, IClientLog log, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!ReferenceEquals(usedCredential, _cached))
            {
                return _cached is not null;
            }

            log.Verbose("The server answered 401 Unauthorized; running the exec plugin again for fresh credentials.");
            try
            {
                await RunPluginAsync(log, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (K8sClientException ex)
            {
                log.Warning("refreshing credentials: " + ex.Message);
                return false;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<ExecCredentials> RunPluginAsync(IClientLog log, CancellationToken cancellationToken)
    {
        var credentials = await _plugin.RunAsync(log, cancellationToken).ConfigureAwait(false);
        var previous = _cached;
        _cached = credentials;
        if (previous?.Certificate is { } oldCertificate && oldCertificate.Thumbprint != credentials.Certificate?.Thumbprint)
        {
            log.Verbose("The exec plugin returned a new client certificate; new connections present it.");
            OnClientCertificateRotated();
        }

        log.Verbose(credentials.Expiry is { } expiry
            ? $"Exec plugin credentials cached until {expiry:u}."
            : "Exec plugin credentials have no expirationTimestamp; cached until the server rejects them.");
        return credentials;
    }

    // client-go: expired once the clock is strictly after the expirationTimestamp.
    private bool IsExpired(ExecCredentials credentials) =>
        credentials.Expiry is { } expiry && _environment.UtcNow > expiry;
}

/// <summary>What an exec plugin returned: a token, a client certificate, or both.</summary>
internal sealed record ExecCredentials(string? Token, X509Certificate2? Certificate, DateTimeOffset? Expiry)
{
    public override string ToString() => $"ExecCredentials (redacted, expiry {Expiry?.ToString("u") ?? "none"})";
}
