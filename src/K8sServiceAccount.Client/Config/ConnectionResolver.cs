using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using K8sServiceAccount.Client.Auth;

namespace K8sServiceAccount.Client.Config;

/// <summary>
/// Turns a <see cref="ConnectionRequest"/> into a <see cref="ResolvedConnection"/> in the order of DESIGN.md
/// "Connection order": the request's own source when it names one (-Kubeconfig, -Context, -InCluster);
/// otherwise kubeconfig when KUBECONFIG names an existing file or ~/.kube/config exists, then the Pod's
/// ServiceAccount, otherwise one error that says what was looked for and where. Never falls back to localhost.
/// </summary>
public static class ConnectionResolver
{
    private const string ExecApiV1 = "client.authentication.k8s.io/v1";
    private const string ExecApiV1Beta1 = "client.authentication.k8s.io/v1beta1";

    /// <summary>Resolves the connection a command will use, and records why.</summary>
    /// <exception cref="KubeconfigException">The chosen source is missing, unreadable or invalid.</exception>
    /// <exception cref="K8sClientException">Automatic resolution found nothing (<see cref="ConnectionErrorIds.NoClusterConnection"/>).</exception>
    public static ResolvedConnection Resolve(ConnectionRequest request, ISystemEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(environment);

        if (request.InCluster)
        {
            if (!string.IsNullOrEmpty(request.KubeconfigPath) || !string.IsNullOrEmpty(request.Context))
            {
                throw new K8sClientException(
                    ConnectionErrorIds.ConnectionRequestInvalid,
                    K8sErrorCategory.InvalidArgument,
                    "-InCluster cannot be combined with -Kubeconfig or -Context: the in-cluster connection does not use a kubeconfig.");
            }

            return InClusterConnection.Resolve(environment, request.Namespace, ConnectionSource.Parameter, "-InCluster was given: the Pod's mounted ServiceAccount is used.");
        }

        if (request.NamesSource)
        {
            var config = KubeconfigLoader.Load(request.KubeconfigPath, environment);
            var reason = !string.IsNullOrEmpty(request.KubeconfigPath)
                ? $"-Kubeconfig '{config.Files[0]}' was given" + (string.IsNullOrEmpty(request.Context) ? "." : $" with -Context '{request.Context}'.")
                : $"-Context '{request.Context}' was given; kubeconfig read from {string.Join(", ", config.Files)}.";
            return FromKubeconfig(config, request, ConnectionSource.Parameter, reason, environment);
        }

        return ResolveAutomatically(request, environment);
    }

    /// <summary>Resolves a context of an already loaded kubeconfig (used by Resolve and by Connect-K8sCluster).</summary>
    public static ResolvedConnection FromKubeconfig(Kubeconfig config, ConnectionRequest request, ConnectionSource source, string reason, ISystemEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(environment);

        var selection = Select(config, request.Context);
        if (selection.Cluster is null)
        {
            throw new KubeconfigException(
                ConnectionErrorIds.KubeconfigInvalid,
                K8sErrorCategory.InvalidData,
                $"cluster was not specified for context \"{selection.Context.Name}\" in {selection.Context.SourceFile}.",
                selection.Context.SourceFile,
                $"contexts[name={selection.Context.Name}].context.cluster");
        }

        var clusterEntry = selection.Cluster;
        var warnings = new List<string>();
        var (auth, authKind, impersonation, hasClientCertificate) = ResolveUser(selection, environment, warnings);
        var cluster = ResolveCluster(clusterEntry, hasClientCertificate, environment, warnings, out var proxyCredential);
        if (proxyCredential is not null)
        {
            auth = auth with { ProxyCredential = proxyCredential };
        }

        if (auth.Exec is not null && clusterEntry.ExecExtensionJson is not null)
        {
            auth = auth with { Exec = auth.Exec with { ClusterConfigJson = clusterEntry.ExecExtensionJson } };
        }

        // kubectl sends these silently over http (a server without a scheme and no TLS settings is http):
        // say so, once per connection, without the credential.
        if (cluster.Server.Scheme == Uri.UriSchemeHttp && authKind is AuthKind.Token or AuthKind.TokenFile or AuthKind.Basic or AuthKind.Exec)
        {
            warnings.Add(PlainHttpCredentialWarning(cluster.Server, authKind));
        }

        var (ns, nsSource) = !string.IsNullOrEmpty(request.Namespace)
            ? (request.Namespace, "parameter")
            : !string.IsNullOrEmpty(selection.Context.Namespace)
                ? (selection.Context.Namespace, "context")
                : ("default", "default");

        return new ResolvedConnection
        {
            Source = source,
            Reason = reason,
            Server = cluster.Server,
            ContextName = selection.Context.Name,
            ClusterName = clusterEntry.Name,
            UserName = selection.User?.Name,
            Namespace = ns,
            NamespaceSource = nsSource,
            AuthKind = authKind,
            CaSource = cluster.CaSource,
            // A copy: parsed files are cached and shared, and this array is handed to callers.
            CertificateAuthorityData = (byte[]?)cluster.CaData?.Clone(),
            KubeconfigFiles = config.Files,
            TlsServerName = clusterEntry.TlsServerName,
            InsecureSkipTlsVerify = clusterEntry.InsecureSkipTlsVerify,
            ProxyUrl = cluster.ProxyUrl,
            DisableCompression = clusterEntry.DisableCompression,
            Impersonation = impersonation,
            Warnings = warnings,
            Auth = auth,
        };
    }

    /// <summary>The context, cluster and user entries a context name points to (no validation of their contents).</summary>
    internal static KubeconfigSelection Select(Kubeconfig config, string? requestedContext)
    {
        var files = string.Join(", ", config.Files);
        var contextName = string.IsNullOrEmpty(requestedContext) ? config.CurrentContext : requestedContext;
        if (string.IsNullOrEmpty(contextName))
        {
            throw new KubeconfigException(
                ConnectionErrorIds.KubeconfigNoCurrentContext,
                K8sErrorCategory.InvalidArgument,
                $"no context chosen: the kubeconfig ({files}) has no current-context; pass -Context{ContextChoices(config)}.",
                config.Files.Count > 0 ? config.Files[0] : null,
                "current-context");
        }

        var context = config.FindContext(contextName);
        if (context is null)
        {
            throw new KubeconfigException(
                ConnectionErrorIds.KubeconfigContextNotFound,
                K8sErrorCategory.ObjectNotFound,
                $"context was not found for specified context: {contextName} (kubeconfig: {files}; names are case-sensitive){ContextChoices(config)}.",
                config.Files.Count > 0 ? config.Files[0] : null,
                string.IsNullOrEmpty(requestedContext) ? "current-context" : null);
        }

        var contextField = $"contexts[name={context.Name}].context";
        ClusterEntry? cluster = null;
        if (!string.IsNullOrEmpty(context.Cluster))
        {
            cluster = config.FindCluster(context.Cluster) ?? throw new KubeconfigException(
                ConnectionErrorIds.KubeconfigClusterNotFound,
                K8sErrorCategory.ObjectNotFound,
                $"cluster \"{context.Cluster}\" was not found for context \"{context.Name}\" (context defined in {context.SourceFile}; kubeconfig: {files}).",
                context.SourceFile,
                contextField + ".cluster");
        }

        UserEntry? user = null;
        if (!string.IsNullOrEmpty(context.User))
        {
            user = config.FindUser(context.User) ?? throw new KubeconfigException(
                ConnectionErrorIds.KubeconfigUserNotFound,
                K8sErrorCategory.ObjectNotFound,
                $"user \"{context.User}\" was not found for context \"{context.Name}\" (context defined in {context.SourceFile}; kubeconfig: {files}).",
                context.SourceFile,
                contextField + ".user");
        }

        return new KubeconfigSelection(context, cluster, user);
    }

    private static ResolvedConnection ResolveAutomatically(ConnectionRequest request, ISystemEnvironment environment)
    {
        string lookedAt;
        var listed = KubeconfigLoader.SplitKubeconfigVariable(environment.GetEnvironmentVariable(KubeconfigLoader.KubeconfigVariable), environment);
        if (listed.Count > 0)
        {
            var existing = listed.Where(environment.PathExists).ToArray();
            if (existing.Length > 0)
            {
                var config = KubeconfigLoader.Load(null, environment);
                var reason = existing.Length == listed.Count
                    ? $"KUBECONFIG names {string.Join(", ", listed)}."
                    : $"KUBECONFIG names {string.Join(", ", listed)}; of these {string.Join(", ", existing)} exist.";
                return FromKubeconfig(config, request, ConnectionSource.Kubeconfig, reason, environment);
            }

            lookedAt = $"KUBECONFIG names {string.Join(", ", listed)}, none of which exists";
        }
        else
        {
            var defaultPath = KubeconfigLoader.DefaultPath(environment);
            if (defaultPath is not null && environment.PathExists(defaultPath))
            {
                var config = KubeconfigLoader.Load(null, environment);
                return FromKubeconfig(config, request, ConnectionSource.Kubeconfig, $"KUBECONFIG is not set and {defaultPath} exists.", environment);
            }

            lookedAt = defaultPath is null
                ? "KUBECONFIG is not set and the home directory is unknown, so there is no ~/.kube/config"
                : $"KUBECONFIG is not set and {defaultPath} does not exist";
        }

        if (InClusterConnection.IsAvailable(environment, out var whyNotInCluster))
        {
            return InClusterConnection.Resolve(
                environment,
                request.Namespace,
                ConnectionSource.InCluster,
                $"No kubeconfig ({lookedAt}); {InClusterConnection.HostVariable} and {InClusterConnection.PortVariable} are set and {InClusterConnection.TokenPath} exists, so the Pod's ServiceAccount is used.");
        }

        throw new K8sClientException(
            ConnectionErrorIds.NoClusterConnection,
            K8sErrorCategory.ObjectNotFound,
            $"No Kubernetes connection is configured. Kubeconfig: {lookedAt}. In-cluster: {whyNotInCluster}. " +
            "Pass -Kubeconfig or -Context, set KUBECONFIG, create ~/.kube/config, or run Connect-K8sCluster.");
    }

    private static string ContextChoices(Kubeconfig config)
    {
        if (config.Contexts.Count == 0)
        {
            return " (the kubeconfig defines no contexts)";
        }

        const int shown = 10;
        var names = string.Join(", ", config.Contexts.Take(shown).Select(c => c.Name));
        return config.Contexts.Count > shown
            ? $"; available contexts include {names} and {config.Contexts.Count - shown} more"
            : $"; available contexts: {names}";
    }

    private sealed record ClusterSettings(Uri Server, byte[]? CaData, string? CaSource, Uri? ProxyUrl);

    private static ClusterSettings ResolveCluster(
        ClusterEntry cluster,
        bool hasClientCertificate,
        ISystemEnvironment environment,
        List<string> warnings,
        out NetworkCredential? proxyCredential)
    {
        var file = cluster.SourceFile;
        if (cluster.Server is null)
        {
            throw Invalid(file, cluster.FieldPath("server"), $"no server found for cluster \"{cluster.Name}\" in {file}.");
        }

        if (cluster.TlsServerName is { Length: > 0 } serverName && Uri.CheckHostName(serverName) == UriHostNameType.Unknown)
        {
            // It becomes the TLS server name and the Host header; a space or a control character would fail there, untyped.
            throw Invalid(file, cluster.FieldPath("tls-server-name"), $"\"{MessageText.Untrusted(serverName)}\" for cluster \"{cluster.Name}\" is not a valid host name");
        }

        byte[]? caData = null;
        string? caSource = null;
        if (cluster.CertificateAuthorityData is not null)
        {
            caData = cluster.CertificateAuthorityData;
            caSource = $"certificate-authority-data in {file}";
            if (cluster.CertificateAuthority is not null)
            {
                warnings.Add($"certificate-authority-data and certificate-authority are both specified for {cluster.Name}. certificate-authority-data will override.");
            }
        }
        else if (cluster.CertificateAuthority is { } caFile)
        {
            caData = ReadReferencedFile(caFile, "certificate-authority", cluster.Name, file, cluster.FieldPath("certificate-authority"), environment);
            caSource = $"file {caFile.Resolved}";
        }

        if (caData is not null)
        {
            if (cluster.InsecureSkipTlsVerify)
            {
                throw Invalid(
                    file,
                    cluster.FieldPath("insecure-skip-tls-verify"),
                    $"specifying a root certificates file with the insecure flag is not allowed (cluster \"{cluster.Name}\" in {file} sets insecure-skip-tls-verify and a certificate authority).");
            }

            EnsureCertificates(caData, caSource!, file, cluster);
        }

        if (cluster.InsecureSkipTlsVerify)
        {
            warnings.Add($"insecure-skip-tls-verify is set for cluster \"{MessageText.Untrusted(cluster.Name)}\" in {file}: the server's certificate is not verified, so " +
                "anyone on the network path could pose as the API server and receive the credentials sent to it.");
        }

        var tlsConfigured = caData is not null || hasClientCertificate || cluster.InsecureSkipTlsVerify;
        var server = ParseServer(cluster, tlsConfigured);
        var proxyUrl = ParseProxy(cluster, out proxyCredential);
        return new ClusterSettings(server, caData, caSource, proxyUrl);
    }

    /// <summary>The one wording of the warning for a credential sent without TLS.</summary>
    public static string PlainHttpCredentialWarning(Uri server, AuthKind kind) =>
        $"The server {MessageText.Untrusted(server.GetLeftPart(UriPartial.Authority))} is plain HTTP: the {Describe(kind)} is sent unencrypted, " +
        "so anyone on the network path can read and reuse it. Give the server as https:// (kubectl sends it the same way, without a warning).";

    private static string Describe(AuthKind kind) => kind switch
    {
        AuthKind.Basic => "username and password",
        AuthKind.Exec => "token from the exec plugin",
        AuthKind.TokenFile => "token from the tokenFile",
        _ => "bearer token",
    };

    private static Uri ParseServer(ClusterEntry cluster, bool tlsConfigured)
    {
        var text = cluster.Server!;

        // client-go's DefaultServerURL: a bare host[:port] gets https when TLS is configured, else http.
        if (!text.Contains("://", StringComparison.Ordinal))
        {
            text = (tlsConfigured ? "https://" : "http://") + text;
        }

        if (Uri.TryCreate(text, UriKind.Absolute, out var server) &&
            (server.Scheme == Uri.UriSchemeHttps || server.Scheme == Uri.UriSchemeHttp) &&
            server.Host.Length > 0 &&
            string.IsNullOrEmpty(server.UserInfo))
        {
            return server;
        }

        throw Invalid(
            cluster.SourceFile,
            cluster.FieldPath("server"),
            $"server \"{RedactUserInfo(cluster.Server!)}\" of cluster \"{cluster.Name}\" is not a valid http or https URL without credentials (for example https://host:6443).");
    }

    private static Uri? ParseProxy(ClusterEntry cluster, out NetworkCredential? credential)
    {
        credential = null;
        if (cluster.ProxyUrl is null)
        {
            return null;
        }

        var field = cluster.FieldPath("proxy-url");
        if (!Uri.TryCreate(cluster.ProxyUrl, UriKind.Absolute, out var proxy) || proxy.Host.Length == 0 && proxy.Scheme is "http" or "https" or "socks5")
        {
            throw Invalid(cluster.SourceFile, field, $"invalid 'proxy-url' for cluster \"{cluster.Name}\": could not parse: {RedactUserInfo(cluster.ProxyUrl)}");
        }

        if (proxy.Scheme is not ("http" or "https" or "socks5"))
        {
            throw Invalid(
                cluster.SourceFile,
                field,
                $"invalid 'proxy-url' \"{RedactUserInfo(cluster.ProxyUrl)}\" for cluster \"{cluster.Name}\": unsupported scheme \"{proxy.Scheme}\", must be http, https, or socks5");
        }

        if (string.IsNullOrEmpty(proxy.UserInfo))
        {
            return proxy;
        }

        // The proxy's credentials are secrets: keep them out of the printable URL.
        var parts = proxy.UserInfo.Split(':', 2);
        credential = new NetworkCredential(Uri.UnescapeDataString(parts[0]), parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : string.Empty);
        return new UriBuilder(proxy) { UserName = string.Empty, Password = string.Empty }.Uri;
    }

    private static string RedactUserInfo(string url)
    {
        var at = url.LastIndexOf('@');
        if (at < 0)
        {
            return url;
        }

        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        var start = schemeEnd >= 0 && schemeEnd < at ? schemeEnd + 3 : 0;
        return url[..start] + "REDACTED" + url[at..];
    }

    // CA bundles already parsed successfully, by SHA-256 of their bytes: parsing PEM into certificates took 0.25 ms of
    // every 0.27 ms a resolution costs, and a command that resolves its connection on every call meets the same CA.
    private static readonly ConcurrentDictionary<string, bool> ParsedCertificateAuthorities = new(StringComparer.Ordinal);
    private const int ParsedCertificateAuthoritiesLimit = 64;

    private static void EnsureCertificates(byte[] caData, string caSource, string file, ClusterEntry cluster)
    {
        var field = cluster.CertificateAuthorityData is not null ? cluster.FieldPath("certificate-authority-data") : cluster.FieldPath("certificate-authority");
        var digest = Convert.ToHexString(SHA256.HashData(caData));
        if (ParsedCertificateAuthorities.ContainsKey(digest))
        {
            return;
        }

        try
        {
            var certificates = new X509Certificate2Collection();
            certificates.ImportFromPem(Encoding.ASCII.GetString(caData));
            if (certificates.Count > 0)
            {
                foreach (var certificate in certificates)
                {
                    certificate.Dispose();
                }

                if (ParsedCertificateAuthorities.Count >= ParsedCertificateAuthoritiesLimit)
                {
                    ParsedCertificateAuthorities.Clear();
                }

                ParsedCertificateAuthorities[digest] = true;
                return;
            }
        }
        catch (CryptographicException)
        {
            // Reported below with the file and field.
        }

        throw Invalid(file, field, $"unable to load root certificates for cluster \"{cluster.Name}\" from {caSource}: unable to parse bytes as PEM block (expected -----BEGIN CERTIFICATE-----).");
    }

    private static (AuthSettings Auth, AuthKind Kind, Impersonation? Impersonation, bool HasClientCertificate) ResolveUser(
        KubeconfigSelection selection,
        ISystemEnvironment environment,
        List<string> warnings)
    {
        var user = selection.User;
        if (user is null)
        {
            return (AuthSettings.None, AuthKind.None, null, false);
        }

        var file = user.SourceFile;
        var name = user.Name;
        if (user.AuthProviderName is { } provider)
        {
            if (user.Exec is not null)
            {
                throw Invalid(file, user.FieldPath("auth-provider"), $"authProvider cannot be provided in combination with an exec plugin for {name}");
            }

            throw new KubeconfigException(
                ConnectionErrorIds.KubeconfigAuthProviderUnsupported,
                K8sErrorCategory.InvalidData,
                $"user \"{name}\" in {file} uses auth-provider \"{provider}\", which client-go no longer supports (removed in Kubernetes 1.26). {AuthProviderReplacement(provider)}",
                file,
                user.FieldPath("auth-provider"));
        }

        var methods = new List<string>(2);
        if (user.Token is not null)
        {
            methods.Add("token");
        }

        if (user.Username is not null || user.Password is not null)
        {
            methods.Add("basicAuth");
        }

        if (methods.Count > 1)
        {
            throw new KubeconfigException(
                ConnectionErrorIds.KubeconfigMultipleAuthMethods,
                K8sErrorCategory.InvalidData,
                $"more than one authentication method found for {name}; found [{string.Join(" ", methods)}], only one is allowed (user in {file}).",
                file,
                user.FieldPath(user.Token is not null ? "token" : "username"));
        }

        if (user.Token is not null && HeaderValues.HasControlCharacter(user.Token))
        {
            throw Invalid(file, user.FieldPath("token"), $"the token of user \"{name}\" holds control characters (such as CR, LF or NUL), which cannot be sent in an HTTP header");
        }

        var impersonation = ResolveImpersonation(user);
        var (certificate, key, certificateOrigin, keyOrigin) = ResolveClientCertificate(user, environment, warnings);
        var exec = ResolveExec(user);

        var auth = new AuthSettings
        {
            ClientCertificatePem = certificate,
            ClientKeyPem = key,
            ClientCertificateOrigin = certificateOrigin,
            ClientKeyOrigin = keyOrigin,
        };
        var hasCertificate = certificate is not null;
        AuthKind kind;
        if (user.Token is not null)
        {
            auth = auth with { Token = user.Token };
            kind = AuthKind.Token;
            if (user.TokenFile is { } ignored)
            {
                warnings.Add($"token and tokenFile are both set for user \"{name}\"; the token is used and {ignored.Resolved} is not read.");
            }
        }
        else if (user.TokenFile is { } tokenFile)
        {
            // Read once so a missing file fails now with its path; the Auth layer re-reads it as it rotates.
            _ = ReadReferencedFile(tokenFile, "tokenFile", name, file, user.FieldPath("tokenFile"), environment);
            auth = auth with { TokenFile = tokenFile.Resolved };
            kind = AuthKind.TokenFile;
        }
        else if (user.Username is not null || user.Password is not null)
        {
            auth = auth with { Username = user.Username, Password = user.Password };
            kind = AuthKind.Basic;
        }
        else if (hasCertificate)
        {
            kind = AuthKind.ClientCertificate;
        }
        else if (exec is not null)
        {
            auth = auth with { Exec = exec };
            kind = AuthKind.Exec;
        }
        else
        {
            kind = AuthKind.None;
        }

        if (exec is not null && kind != AuthKind.Exec)
        {
            warnings.Add($"user \"{name}\" sets an exec plugin and {kind}; as in client-go, {kind} is used and the plugin {exec.Command} is not run.");
        }

        return (auth, kind, impersonation, hasCertificate);
    }

    private static Impersonation? ResolveImpersonation(UserEntry user)
    {
        if ((user.ImpersonateUid is not null || user.ImpersonateGroups.Count > 0 || user.ImpersonateUserExtra.Count > 0) && user.Impersonate is null)
        {
            throw Invalid(user.SourceFile, user.FieldPath("as"), $"requesting uid, groups or user-extra for {user.Name} without impersonating a user");
        }

        return user.Impersonate is null
            ? null
            : new Impersonation
            {
                UserName = user.Impersonate,
                Uid = user.ImpersonateUid,
                Groups = user.ImpersonateGroups,
                Extra = user.ImpersonateUserExtra,
            };
    }

    private static (byte[]? Certificate, byte[]? Key, string? CertificateOrigin, string? KeyOrigin) ResolveClientCertificate(
        UserEntry user,
        ISystemEnvironment environment,
        List<string> warnings)
    {
        var file = user.SourceFile;
        var name = user.Name;
        var hasCertificate = user.ClientCertificate is not null || user.ClientCertificateData is not null;
        var hasKey = user.ClientKey is not null || user.ClientKeyData is not null;
        if (!hasCertificate)
        {
            if (hasKey)
            {
                warnings.Add($"user \"{name}\" sets client-key without client-certificate; as in client-go, the key is ignored.");
            }

            return (null, null, null, null);
        }

        if (user.ClientCertificate is not null && user.ClientCertificateData is not null)
        {
            throw Invalid(file, user.FieldPath("client-certificate-data"), $"client-cert-data and client-cert are both specified for {name}. client-cert-data will override.");
        }

        if (user.ClientKey is not null && user.ClientKeyData is not null)
        {
            throw Invalid(file, user.FieldPath("client-key-data"), $"client-key-data and client-key are both specified for {name}; client-key-data will override");
        }

        if (!hasKey)
        {
            throw Invalid(file, user.FieldPath("client-key"), $"client-key-data or client-key must be specified for {name} to use the clientCert authentication method.");
        }

        byte[] certificate;
        string certificateOrigin;
        if (user.ClientCertificateData is not null)
        {
            certificate = (byte[])user.ClientCertificateData.Clone();
            certificateOrigin = $"client-certificate-data of user \"{name}\" in {file}";
        }
        else
        {
            certificate = ReadReferencedFile(user.ClientCertificate!.Value, "client-cert", name, file, user.FieldPath("client-certificate"), environment);
            certificateOrigin = user.ClientCertificate.Value.Resolved;
        }

        byte[] key;
        string keyOrigin;
        if (user.ClientKeyData is not null)
        {
            key = (byte[])user.ClientKeyData.Clone();
            keyOrigin = $"client-key-data of user \"{name}\" in {file}";
        }
        else
        {
            key = ReadReferencedFile(user.ClientKey!.Value, "client-key", name, file, user.FieldPath("client-key"), environment);
            keyOrigin = user.ClientKey.Value.Resolved;
        }

        return (certificate, key, certificateOrigin, keyOrigin);
    }

    private static ExecConfig? ResolveExec(UserEntry user)
    {
        if (user.Exec is not { } exec)
        {
            return null;
        }

        var file = user.SourceFile;
        var name = user.Name;
        if (exec.Command is null)
        {
            throw Invalid(file, user.FieldPath("exec.command"), $"command must be specified for {name} to use exec authentication plugin");
        }

        if (exec.ApiVersion is null)
        {
            throw Invalid(file, user.FieldPath("exec.apiVersion"), $"apiVersion must be specified for {name} to use exec authentication plugin");
        }

        if (exec.ApiVersion is not (ExecApiV1 or ExecApiV1Beta1))
        {
            throw new KubeconfigException(
                ConnectionErrorIds.KubeconfigExecApiVersionUnsupported,
                K8sErrorCategory.InvalidData,
                $"exec plugin: invalid apiVersion \"{exec.ApiVersion}\" for user \"{name}\" in {file} (supported: {ExecApiV1}, {ExecApiV1Beta1}).",
                file,
                user.FieldPath("exec.apiVersion"));
        }

        var env = new List<KeyValuePair<string, string>>(exec.Env.Count);
        foreach (var variable in exec.Env)
        {
            if (string.IsNullOrEmpty(variable.Key))
            {
                throw Invalid(file, user.FieldPath("exec.env"), $"env variable name must be specified for {name} to use exec authentication plugin");
            }

            env.Add(new KeyValuePair<string, string>(variable.Key, variable.Value));
        }

        // client-go defaults interactiveMode to IfAvailable for v1beta1; v1 requires it to be written.
        var interactiveMode = exec.InteractiveMode ?? (exec.ApiVersion == ExecApiV1Beta1 ? "IfAvailable" : null);
        switch (interactiveMode)
        {
            case null:
                throw Invalid(file, user.FieldPath("exec.interactiveMode"), $"interactiveMode must be specified for {name} to use exec authentication plugin");
            case "Never" or "IfAvailable" or "Always":
                break;
            default:
                throw Invalid(file, user.FieldPath("exec.interactiveMode"), $"invalid interactiveMode for {name}: \"{interactiveMode}\"");
        }

        return new ExecConfig
        {
            Command = exec.Command,
            Args = exec.Args,
            Env = env,
            ApiVersion = exec.ApiVersion,
            InstallHint = exec.InstallHint,
            ProvideClusterInfo = exec.ProvideClusterInfo,
            InteractiveMode = interactiveMode,
            SourceFile = file,
        };
    }

    private static string AuthProviderReplacement(string provider) => provider switch
    {
        "gcp" => "Use the exec plugin gke-gcloud-auth-plugin instead (gcloud components install gke-gcloud-auth-plugin, then gcloud container clusters get-credentials).",
        "azure" => "Use the exec plugin kubelogin instead (https://github.com/Azure/kubelogin: kubelogin convert-kubeconfig).",
        "oidc" => "Use an OIDC exec plugin instead, such as kubelogin (https://github.com/int128/kubelogin, kubectl oidc-login).",
        _ => "Use the exec credential plugin that replaces it (client.authentication.k8s.io/v1 exec entry).",
    };

    private static byte[] ReadReferencedFile(FileReference reference, string what, string entryName, string file, string field, ISystemEnvironment environment)
    {
        try
        {
            if (!environment.PathExists(reference.Resolved))
            {
                throw new FileNotFoundException($"open {reference.Resolved}: no such file or directory");
            }

            return environment.ReadFile(reference.Resolved, RegularFile.CredentialMaxBytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var written = reference.Written == reference.Resolved ? string.Empty : $" (written as '{reference.Written}' in {file})";
            throw new KubeconfigException(
                ConnectionErrorIds.KubeconfigReferencedFileUnreadable,
                K8sErrorCategory.ReadError,
                $"unable to read {what} {reference.Resolved} for {entryName} due to {e.Message}{written}",
                file,
                field,
                e);
        }
    }


    private static KubeconfigException Invalid(string file, string field, string message) =>
        new(ConnectionErrorIds.KubeconfigInvalid, K8sErrorCategory.InvalidData, $"invalid configuration in {file}, {field}: {message}", file, field);
}

/// <summary>What a context points to in a merged kubeconfig.</summary>
/// <remarks>Cluster and user are null when the context names none (kubectl config view accepts that; using it does not).</remarks>
internal sealed record KubeconfigSelection(KubeconfigContext Context, ClusterEntry? Cluster, UserEntry? User);
