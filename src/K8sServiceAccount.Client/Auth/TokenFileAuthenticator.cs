using System.Text;
using K8sServiceAccount.Client.Config;

namespace K8sServiceAccount.Client.Auth;

/// <summary>
/// kubeconfig "tokenFile" and the in-cluster ServiceAccount token: a bearer token read from a file that the
/// kubelet rotates. As client-go does, the file is read at most once a minute; when a read fails after a good
/// one, the last good token is kept (and a warning logged) because an expiring projected token stays valid for
/// a while and a transient read error must not break a running command. A 401 forces an early re-read.
/// </summary>
internal sealed class TokenFileAuthenticator : RequestAuthenticator
{
    /// <summary>How long a read token is used before the file is read again (client-go: one minute).</summary>
    public static readonly TimeSpan ReloadInterval = TimeSpan.FromMinutes(1);

    private readonly string _path;
    private readonly ISystemEnvironment _environment;
    private readonly object _gate = new();
    private string? _token;
    private DateTimeOffset _lastAttempt;

    public TokenFileAuthenticator(string path, ISystemEnvironment environment)
    {
        _path = path;
        _environment = environment;
    }

    public override ValueTask<object?> ApplyAsync(HttpRequestMessage request, IClientLog log, CancellationToken cancellationToken)
    {
        var token = CurrentToken(log, force: false);
        SetBearer(request, token);
        return ValueTask.FromResult<object?>(token);
    }

    public override ValueTask<bool> RefreshAfterUnauthorizedAsync(object? usedCredential, IClientLog log, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!string.Equals(usedCredential as string, _token, StringComparison.Ordinal))
            {
                // Another request already picked up a newer token.
                return ValueTask.FromResult(true);
            }
        }

        var token = CurrentToken(log, force: true);
        return ValueTask.FromResult(!string.Equals(token, usedCredential as string, StringComparison.Ordinal));
    }

    private string CurrentToken(IClientLog log, bool force)
    {
        lock (_gate)
        {
            var now = _environment.UtcNow;
            if (_token is not null && !force && now - _lastAttempt < ReloadInterval)
            {
                return _token;
            }

            _lastAttempt = now;
            string? failure;
            Exception? cause = null;
            try
            {
                var text = Encoding.UTF8.GetString(_environment.ReadFile(_path, RegularFile.CredentialMaxBytes)).Trim();
                if (text.Length > 0)
                {
                    if (text != _token)
                    {
                        _token = text;
                    }

                    return _token;
                }

                failure = $"read empty token from file \"{_path}\"";
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                failure = $"failed to read token file \"{_path}\": {ex.Message}";
                cause = ex;
            }

            if (_token is null)
            {
                throw new K8sClientException("TokenFileUnreadable", K8sErrorCategory.ReadError, failure, cause) { Target = _path };
            }

            log.Warning($"Unable to rotate token: {failure}. Using the token read earlier; the file is read again in {ReloadInterval.TotalSeconds:0} seconds.");
            return _token;
        }
    }
}
