using System.Text;

namespace K8sServiceAccount.LocalApiServer.Tokens;

/// <summary>
/// Test support (--secrets-log FILE, off by default): appends every credential the server hands out (bound and legacy
/// ServiceAccount tokens, client private keys, the static tokens it accepts) to a file, one "KIND&lt;TAB&gt;BASE64(value)"
/// line each, so that a secrets scan (scripts/Invoke-SecretsScan.ps1) knows every value that must never appear in
/// what the module prints, logs or writes. The value is base64-encoded so that a multi-line PEM stays on one line.
/// </summary>
public sealed class SecretsLog
{
    private readonly string? _path;
    private readonly object _gate = new();

    public SecretsLog(string? path) => _path = string.IsNullOrEmpty(path) ? null : Path.GetFullPath(path);

    /// <summary>Appends <paramref name="value"/> (of kind token, legacy-token, client-key or static-token); no-op when off.</summary>
    public void Record(string kind, string value)
    {
        if (_path is null || value.Length == 0) return;
        string line = kind + "\t" + Convert.ToBase64String(Encoding.UTF8.GetBytes(value)) + "\n";
        lock (_gate) File.AppendAllText(_path, line);
    }
}
