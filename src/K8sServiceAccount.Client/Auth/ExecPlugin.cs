using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using K8sServiceAccount.Client.Config;

namespace K8sServiceAccount.Client.Auth;

/// <summary>
/// Runs one client-go credential plugin (client.authentication.k8s.io v1 or v1beta1) and validates its
/// ExecCredential reply. The command and each argument are passed as an argument list, never joined into a
/// command line, so arguments with spaces or quotes arrive unchanged. Error messages follow client-go's
/// (prefixed "getting credentials: "), because those are what users search for.
/// </summary>
internal sealed class ExecPlugin
{
    /// <summary>The API versions of the ExecCredential exchange this client speaks.</summary>
    public static readonly IReadOnlyList<string> SupportedApiVersions =
        ["client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1"];

    private const string ExecInfoVariable = "KUBERNETES_EXEC_INFO";
    private const int MaxStderrLines = 200;

    private readonly ExecConfig _config;
    private readonly ResolvedConnection _connection;
    private readonly Func<bool> _isTerminalAttached;
    private readonly string _command;

    public ExecPlugin(ExecConfig config, ResolvedConnection connection, Func<bool> isTerminalAttached)
    {
        if (!SupportedApiVersions.Contains(config.ApiVersion))
        {
            throw new K8sClientException(
                "ExecPluginApiVersionUnsupported",
                K8sErrorCategory.InvalidArgument,
                $"exec plugin: invalid apiVersion \"{config.ApiVersion}\" (supported: {string.Join(", ", SupportedApiVersions)})")
            {
                Target = config.Command,
            };
        }

        _config = config;
        _connection = connection;
        _isTerminalAttached = isTerminalAttached;
        _command = ResolveCommand(config);
    }

    /// <summary>Runs the plugin and returns its validated credentials.</summary>
    public async Task<ExecCredentials> RunAsync(IClientLog log, CancellationToken cancellationToken)
    {
        var interactive = DecideInteractive();
        var startInfo = new ProcessStartInfo(_command)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            // Interactive: the plugin talks to the user's terminal directly (prompts on stderr, answers on stdin).
            // Otherwise stdin is an empty pipe, so a plugin that tries to prompt gets end-of-file instead of hanging.
            RedirectStandardInput = !interactive,
            RedirectStandardError = !interactive,
        };
        foreach (var argument in _config.Args)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in _config.Env)
        {
            startInfo.Environment[name] = value;
        }

        startInfo.Environment[ExecInfoVariable] = BuildExecInfo(interactive);

        log.Verbose($"Running exec credential plugin {_command} ({_config.ApiVersion}, interactive: {interactive.ToString().ToLowerInvariant()}).");
        using var process = new Process { StartInfo = startInfo };
        try
        {
            process.Start();
        }
        catch (Win32Exception ex) when (ex.NativeErrorCode == 2)
        {
            throw NotFound();
        }
        catch (Win32Exception ex)
        {
            throw Failure("ExecPluginFailed", K8sErrorCategory.AuthenticationError, $"exec: {ex.Message}", ex);
        }

        if (!interactive)
        {
            process.StandardInput.Close();
        }

        var stdout = new MemoryStream();
        var stderrLines = new List<string>();
        try
        {
            var stdoutCopy = process.StandardOutput.BaseStream.CopyToAsync(stdout, cancellationToken);
            var stderrRead = interactive ? Task.CompletedTask : ReadLinesAsync(process.StandardError, stderrLines, cancellationToken);
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            await Task.WhenAll(stdoutCopy, stderrRead).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            TryKill(process);
            throw;
        }

        var failed = process.ExitCode != 0;
        foreach (var line in stderrLines)
        {
            var text = $"exec plugin {MessageText.Untrusted(_config.Command)}: {MessageText.Untrusted(line)}";
            if (failed)
            {
                log.Warning(text);
            }
            else
            {
                log.Verbose(text);
            }
        }

        if (failed)
        {
            throw Failure("ExecPluginFailed", K8sErrorCategory.AuthenticationError,
                $"exec: executable {_config.Command} failed with exit code {process.ExitCode}");
        }

        return ParseCredential(stdout.ToArray());
    }

    /// <summary>client-go's interactiveMode rules; "a terminal" means <see cref="Http.KubernetesConnectionOptions.IsTerminalAttached"/>.</summary>
    private bool DecideInteractive()
    {
        switch (_config.InteractiveMode)
        {
            case "Never":
                return false;
            case "IfAvailable" or "":
                return _isTerminalAttached();
            case "Always":
                if (!_isTerminalAttached())
                {
                    throw Failure("ExecPluginInteractiveModeUnavailable", K8sErrorCategory.InvalidOperation,
                        "exec plugin cannot support interactive mode: standard input is not a terminal");
                }

                return true;
            default:
                throw Failure("ExecPluginInteractiveModeUnavailable", K8sErrorCategory.InvalidArgument,
                    $"exec plugin cannot support interactive mode: unknown interactiveMode: \"{_config.InteractiveMode}\"");
        }
    }

    /// <summary>The ExecCredential request put in KUBERNETES_EXEC_INFO (spec.cluster only with provideClusterInfo).</summary>
    internal string BuildExecInfo(bool interactive)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("kind", "ExecCredential");
            json.WriteString("apiVersion", _config.ApiVersion);
            json.WriteStartObject("spec");
            if (_config.ProvideClusterInfo)
            {
                WriteCluster(json);
            }

            json.WriteBoolean("interactive", interactive);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private void WriteCluster(Utf8JsonWriter json)
    {
        json.WriteStartObject("cluster");
        json.WriteString("server", _connection.Server.OriginalString);
        if (!string.IsNullOrEmpty(_connection.TlsServerName))
        {
            json.WriteString("tls-server-name", _connection.TlsServerName);
        }

        if (_connection.InsecureSkipTlsVerify)
        {
            json.WriteBoolean("insecure-skip-tls-verify", true);
        }

        if (_connection.CertificateAuthorityData is { Length: > 0 } ca)
        {
            json.WriteBase64String("certificate-authority-data", ca);
        }

        if (_connection.ProxyUrl is not null)
        {
            json.WriteString("proxy-url", _connection.ProxyUrl.OriginalString);
        }

        if (_connection.DisableCompression)
        {
            json.WriteBoolean("disable-compression", true);
        }

        if (!string.IsNullOrWhiteSpace(_config.ClusterConfigJson))
        {
            json.WritePropertyName("config");
            json.WriteRawValue(_config.ClusterConfigJson);
        }

        json.WriteEndObject();
    }

    /// <summary>Validates the plugin's stdout as client-go does. Never puts the output itself in a message.</summary>
    internal ExecCredentials ParseCredential(byte[] stdout)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(stdout, DocumentLimits.StrictJsonOptions);
        }
        catch (JsonException ex)
        {
            // The parser's message quotes the offending text, which may be a credential: give the position only.
            throw Invalid($"decoding stdout: the plugin's output is not JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1})");
        }

        using (document)
        {
            var root = document.RootElement;
            if (DocumentLimits.FindJsonProblem(root) is { } problem)
            {
                throw Invalid($"decoding stdout: the plugin's output is not valid JSON ({problem})");
            }

            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Invalid("decoding stdout: the plugin's output is not a JSON object");
            }

            var apiVersion = StringProperty(root, "apiVersion");
            if (string.IsNullOrEmpty(apiVersion))
            {
                throw Invalid("decoding stdout: Object 'apiVersion' is missing in the plugin's output");
            }

            if (apiVersion != _config.ApiVersion)
            {
                throw Invalid($"exec plugin is configured to use API version {_config.ApiVersion}, plugin returned version {apiVersion}");
            }

            var kind = StringProperty(root, "kind");
            if (string.IsNullOrEmpty(kind))
            {
                throw Invalid("decoding stdout: Object 'Kind' is missing in the plugin's output");
            }

            if (kind != "ExecCredential")
            {
                throw Invalid($"decoding stdout: no kind \"{kind}\" is registered for version \"{apiVersion}\"");
            }

            if (!root.TryGetProperty("status", out var status) || status.ValueKind != JsonValueKind.Object)
            {
                throw Invalid("exec plugin didn't return a status field");
            }

            var token = StringProperty(status, "token");
            var certificate = StringProperty(status, "clientCertificateData");
            var key = StringProperty(status, "clientKeyData");
            if (string.IsNullOrEmpty(token) && string.IsNullOrEmpty(certificate) && string.IsNullOrEmpty(key))
            {
                throw Invalid("exec plugin didn't return a token or cert/key pair");
            }

            if (string.IsNullOrEmpty(certificate) != string.IsNullOrEmpty(key))
            {
                throw Invalid("exec plugin returned only certificate or key, not both");
            }

            DateTimeOffset? expiry = null;
            var expiryText = StringProperty(status, "expirationTimestamp");
            if (!string.IsNullOrEmpty(expiryText))
            {
                if (!DateTimeOffset.TryParse(expiryText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
                {
                    throw Invalid($"decoding stdout: status.expirationTimestamp \"{expiryText}\" is not an RFC 3339 time");
                }

                expiry = parsed.ToUniversalTime();
            }

            System.Security.Cryptography.X509Certificates.X509Certificate2? clientCertificate = null;
            if (!string.IsNullOrEmpty(certificate))
            {
                try
                {
                    clientCertificate = ClientCertificateLoader.Load(
                        Encoding.UTF8.GetBytes(certificate),
                        Encoding.UTF8.GetBytes(key!),
                        $"status.clientCertificateData from exec plugin {_config.Command}",
                        $"status.clientKeyData from exec plugin {_config.Command}");
                }
                catch (K8sClientException ex)
                {
                    throw Invalid("failed parsing client key/certificate: " + ex.Message, ex);
                }
            }

            return new ExecCredentials(string.IsNullOrEmpty(token) ? null : token, clientCertificate, expiry);
        }
    }

    private static string? StringProperty(System.Text.Json.JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>
    /// A command with a directory part ("./bin/plugin") is relative to the kubeconfig that names it, as
    /// client-go resolves it; a bare name ("aws") is looked up on PATH when the process starts.
    /// </summary>
    private static string ResolveCommand(ExecConfig config)
    {
        var command = config.Command;
        var hasDirectory = command.Contains('/') || (OperatingSystem.IsWindows() && command.Contains('\\'));
        if (!hasDirectory || Path.IsPathRooted(command) || config.SourceFile is null)
        {
            return command;
        }

        var directory = Path.GetDirectoryName(Path.GetFullPath(config.SourceFile)) ?? string.Empty;
        return Path.GetFullPath(Path.Combine(directory, command));
    }

    private static async Task ReadLinesAsync(StreamReader reader, List<string> lines, CancellationToken cancellationToken)
    {
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (lines.Count < MaxStderrLines && line.Length > 0)
            {
                lines.Add(line);
            }
        }
    }

    private static void TryKill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (Exception ex) when (ex is InvalidOperationException or Win32Exception or NotSupportedException)
        {
            // Already gone.
        }
    }

    private K8sClientException NotFound()
    {
        var message = new StringBuilder()
            .Append("exec: executable ").Append(_config.Command).Append(" not found")
            .Append("\n\nIt looks like you are trying to use a client-go credential plugin that is not installed.")
            .Append("\n\nTo learn more about this feature, consult the documentation available at:")
            .Append("\n      https://kubernetes.io/docs/reference/access-authn-authz/authentication/#client-go-credential-plugins");
        if (!string.IsNullOrWhiteSpace(_config.InstallHint))
        {
            message.Append("\n\n").Append(_config.InstallHint.TrimEnd());
        }

        return Failure("ExecPluginNotFound", K8sErrorCategory.ObjectNotFound, message.ToString());
    }

    private K8sClientException Invalid(string message, Exception? inner = null) =>
        Failure("ExecPluginInvalidCredential", K8sErrorCategory.InvalidData, message, inner);

    private K8sClientException Failure(string errorId, K8sErrorCategory category, string message, Exception? inner = null) =>
        new(errorId, category, "getting credentials: " + message, inner) { Target = _config.Command };
}
