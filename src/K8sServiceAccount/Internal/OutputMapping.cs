using K8sServiceAccount.Client.Config;

namespace K8sServiceAccount.Internal;

/// <summary>Turns client objects into the module's public output types, which PowerShell can bind and format without the client.</summary>
internal static class OutputMapping
{
    internal static K8sContextInfo ToContextInfo(KubeconfigContext context, string? currentContext, string? kubeconfigPath) => new()
    {
        Kubeconfig = kubeconfigPath,
        Name = context.Name,
        IsCurrent = string.Equals(context.Name, currentContext, StringComparison.Ordinal),
        Cluster = context.Cluster,
        User = context.User,
        Namespace = context.Namespace,
        SourceFile = context.SourceFile,
    };

    /// <summary>The connection as a user sees it, carrying the handle that -Connection uses.</summary>
    internal static K8sConnectionInfo ToConnectionInfo(ConnectionHandle handle) => ToConnectionInfo(handle.Settings, handle);

    internal static K8sConnectionInfo ToConnectionInfo(ResolvedConnection settings, ConnectionHandle? handle = null) => new()
    {
        Handle = handle,
        // The module's enums mirror the client's member for member (a contract test checks the names).
        Source = Enum.Parse<K8sConnectionSource>(settings.Source.ToString()),
        Reason = settings.Reason,
        Server = settings.Server,
        Context = settings.ContextName,
        Cluster = settings.ClusterName,
        User = settings.UserName,
        Namespace = settings.Namespace,
        NamespaceSource = settings.NamespaceSource,
        AuthKind = Enum.Parse<K8sAuthKind>(settings.AuthKind.ToString()),
        CaSource = settings.CaSource,
        KubeconfigFiles = settings.KubeconfigFiles.ToArray(),
        TlsServerName = settings.TlsServerName,
        InsecureSkipTlsVerify = settings.InsecureSkipTlsVerify,
        ProxyUrl = settings.ProxyUrl,
        DisableCompression = settings.DisableCompression,
        ImpersonateUser = settings.Impersonation?.UserName,
        ImpersonateGroups = settings.Impersonation?.Groups.ToArray() ?? Array.Empty<string>(),
        ImpersonateUid = settings.Impersonation?.Uid,
        ImpersonateExtra = settings.Impersonation?.Extra.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal)
            ?? new Dictionary<string, string[]>(),
        Warnings = settings.Warnings.ToArray(),
        RequestTimeout = handle?.RequestTimeout,
    };
}
