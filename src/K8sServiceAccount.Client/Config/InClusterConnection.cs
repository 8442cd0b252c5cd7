using System.Globalization;
using System.Text;

namespace K8sServiceAccount.Client.Config;

/// <summary>
/// The Pod's mounted ServiceAccount, as client-go's InClusterConfig reads it: KUBERNETES_SERVICE_HOST and
/// KUBERNETES_SERVICE_PORT, the token file, ca.crt and the namespace file, all through <see cref="ISystemEnvironment"/>.
/// </summary>
public static class InClusterConnection
{
    /// <summary>Where the kubelet mounts the ServiceAccount volume.</summary>
    public const string ServiceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount";

    /// <summary>The bearer token (rotated by the kubelet, so it is re-read rather than cached forever).</summary>
    public const string TokenPath = ServiceAccountDirectory + "/token";

    /// <summary>The cluster CA bundle.</summary>
    public const string CaPath = ServiceAccountDirectory + "/ca.crt";

    /// <summary>The Pod's namespace.</summary>
    public const string NamespacePath = ServiceAccountDirectory + "/namespace";

    /// <summary>The service host variable set in every Pod.</summary>
    public const string HostVariable = "KUBERNETES_SERVICE_HOST";

    /// <summary>The service port variable set in every Pod.</summary>
    public const string PortVariable = "KUBERNETES_SERVICE_PORT";

    /// <summary>The namespace variable commonly set from the downward API.</summary>
    public const string PodNamespaceVariable = "POD_NAMESPACE";

    /// <summary>
    /// True when the process looks like it runs in a Pod (both variables set, the token file present), as
    /// client-go's in-cluster "possible" check; otherwise <paramref name="whyNot"/> says what is missing.
    /// </summary>
    public static bool IsAvailable(ISystemEnvironment environment, out string whyNot)
    {
        var missing = new List<string>(3);
        if (string.IsNullOrEmpty(environment.GetEnvironmentVariable(HostVariable)))
        {
            missing.Add($"{HostVariable} is not set");
        }

        if (string.IsNullOrEmpty(environment.GetEnvironmentVariable(PortVariable)))
        {
            missing.Add($"{PortVariable} is not set");
        }

        if (!environment.FileExists(TokenPath))
        {
            missing.Add($"{TokenPath} does not exist");
        }

        whyNot = string.Join(", ", missing);
        return missing.Count == 0;
    }

    /// <summary>Resolves the in-cluster connection.</summary>
    /// <param name="environment">The seam to the machine.</param>
    /// <param name="namespaceParameter">-Namespace, which wins over the Pod's namespace.</param>
    /// <param name="source">Parameter (-InCluster) or InCluster (automatic).</param>
    /// <param name="reason">Why in-cluster was chosen.</param>
    /// <exception cref="KubeconfigException">Variables missing or invalid, token missing or unreadable.</exception>
    public static ResolvedConnection Resolve(ISystemEnvironment environment, string? namespaceParameter, ConnectionSource source, string reason)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var host = environment.GetEnvironmentVariable(HostVariable);
        var port = environment.GetEnvironmentVariable(PortVariable);
        if (string.IsNullOrEmpty(host) || string.IsNullOrEmpty(port))
        {
            var unset = string.Join(" and ", new[] { (HostVariable, host), (PortVariable, port) }
                .Where(v => string.IsNullOrEmpty(v.Item2)).Select(v => v.Item1));
            throw new KubeconfigException(
                ConnectionErrorIds.InClusterConfigNotFound,
                K8sErrorCategory.ObjectNotFound,
                $"unable to load in-cluster configuration, {HostVariable} and {PortVariable} must be defined ({unset} not set: this process does not run in a Kubernetes Pod).");
        }

        if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var portNumber) || portNumber is < 1 or > 65535)
        {
            throw new KubeconfigException(
                ConnectionErrorIds.InClusterConfigNotFound,
                K8sErrorCategory.InvalidData,
                $"unable to load in-cluster configuration: {PortVariable} '{port}' is not a port number.");
        }

        // An IPv6 literal needs brackets in a URL (net.JoinHostPort in client-go).
        var hostPart = host.Contains(':') && !host.StartsWith('[') ? $"[{host}]" : host;
        if (!Uri.TryCreate($"https://{hostPart}:{portNumber}", UriKind.Absolute, out var server))
        {
            throw new KubeconfigException(
                ConnectionErrorIds.InClusterConfigNotFound,
                K8sErrorCategory.InvalidData,
                $"unable to load in-cluster configuration: {HostVariable} '{host}' is not a valid host.");
        }

        if (!environment.FileExists(TokenPath))
        {
            throw new KubeconfigException(
                ConnectionErrorIds.InClusterConfigNotFound,
                K8sErrorCategory.ObjectNotFound,
                $"unable to load in-cluster configuration: the ServiceAccount token {TokenPath} does not exist (is automountServiceAccountToken false for this Pod?).",
                TokenPath);
        }

        try
        {
            // Read once so an unreadable token fails here, with its path, rather than on the first request.
            _ = environment.ReadFile(TokenPath, RegularFile.CredentialMaxBytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KubeconfigException(
                ConnectionErrorIds.InClusterTokenUnreadable,
                K8sErrorCategory.ReadError,
                $"unable to load in-cluster configuration: cannot read the ServiceAccount token {TokenPath}: {e.Message}",
                TokenPath,
                inner: e);
        }

        var warnings = new List<string>();
        byte[]? caData = null;
        string? caSource = null;
        if (environment.FileExists(CaPath))
        {
            try
            {
                caData = environment.ReadFile(CaPath, RegularFile.CredentialMaxBytes);
                caSource = $"file {CaPath}";
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                warnings.Add($"Expected to load root CA config from {CaPath}, but got err: {e.Message}; the system trust store is used.");
            }
        }
        else
        {
            warnings.Add($"Expected to load root CA config from {CaPath}, but it does not exist; the system trust store is used.");
        }

        var (ns, nsSource) = ResolveNamespace(environment, namespaceParameter);
        return new ResolvedConnection
        {
            Source = source,
            Reason = reason,
            Server = server,
            Namespace = ns,
            NamespaceSource = nsSource,
            AuthKind = AuthKind.TokenFile,
            CaSource = caSource,
            CertificateAuthorityData = caData,
            Warnings = warnings,
            Auth = new AuthSettings { TokenFile = TokenPath },
        };
    }

    private static (string Namespace, string Source) ResolveNamespace(ISystemEnvironment environment, string? namespaceParameter)
    {
        if (!string.IsNullOrEmpty(namespaceParameter))
        {
            return (namespaceParameter, "parameter");
        }

        if (environment.GetEnvironmentVariable(PodNamespaceVariable) is { Length: > 0 } podNamespace)
        {
            return (podNamespace, PodNamespaceVariable);
        }

        if (environment.FileExists(NamespacePath))
        {
            try
            {
                var fromFile = Encoding.UTF8.GetString(environment.ReadFile(NamespacePath, RegularFile.CredentialMaxBytes)).Trim();
                if (fromFile.Length > 0)
                {
                    return (fromFile, "namespace file");
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // client-go ignores an unreadable namespace file and falls back to "default"; so do we.
            }
        }

        return ("default", "default");
    }
}
