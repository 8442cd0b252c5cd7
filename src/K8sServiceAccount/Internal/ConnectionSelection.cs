using K8sServiceAccount.Client.Config;
using K8sServiceAccount.Client.Http;

namespace K8sServiceAccount.Internal;

/// <summary>
/// The parameters that choose a connection (the path already resolved against $PWD). -Namespace is not one
/// of them: it only changes the namespace of whichever connection is chosen, and may change per pipeline
/// object while the connection stays the same.
/// </summary>
internal sealed record ConnectionParameters(string? KubeconfigPath, string? Context, bool InCluster)
{
    internal bool SelectsConnection => KubeconfigPath is not null || Context is not null || InCluster;

    internal ConnectionRequest ToRequest() => new()
    {
        KubeconfigPath = KubeconfigPath,
        Context = Context,
        InCluster = InCluster,
    };
}

/// <summary>Which source of DESIGN.md's connection order a command uses.</summary>
internal enum ConnectionChoice
{
    /// <summary>Per call: -Kubeconfig, -Context or -InCluster.</summary>
    Parameters,
    /// <summary>The runspace's connection from Connect-K8sCluster.</summary>
    Session,
    /// <summary>KUBECONFIG or ~/.kube/config, else in-cluster.</summary>
    Automatic,
}

/// <summary>A runspace's connection, set by Connect-K8sCluster.</summary>
internal sealed record SessionConnection(ResolvedConnection Settings, KubernetesConnection Connection);

/// <summary>The chosen settings, and the session's connection when the session was chosen.</summary>
internal sealed record Selection(ResolvedConnection Settings, KubernetesConnection? SessionConnection);

/// <summary>Connection order (DESIGN.md): per-call parameters, then the session, then automatic.</summary>
internal static class ConnectionSelection
{
    /// <summary>Connections shared by every runspace of the process (see <see cref="ConnectionCache{T}"/>).</summary>
    internal static readonly ConnectionCache<KubernetesConnection> SharedConnections = new(capacity: 16);

    /// <summary>The session connection of each runspace.</summary>
    internal static readonly RunspaceStore<SessionConnection> Sessions = new();

    internal static ConnectionChoice Choose(ConnectionParameters parameters, bool sessionExists, bool sessionAllowed) =>
        parameters.SelectsConnection ? ConnectionChoice.Parameters
        : sessionExists && sessionAllowed ? ConnectionChoice.Session
        : ConnectionChoice.Automatic;

    /// <summary>
    /// Chooses and resolves the connection in DESIGN.md's order. Throws the client's exceptions (no kubeconfig,
    /// unknown context, malformed file, -InCluster with -Kubeconfig or -Context) for the cmdlet to report.
    /// </summary>
    internal static Selection Select(ConnectionParameters parameters, SessionConnection? session, bool sessionAllowed, ISystemEnvironment environment) =>
        Choose(parameters, session is not null, sessionAllowed) == ConnectionChoice.Session
            ? new Selection(session!.Settings, session.Connection)
            : new Selection(ConnectionResolver.Resolve(parameters.ToRequest(), environment), null);

    /// <summary>The settings with -Namespace applied, when it was given (null or empty, as piped from an object without one, is not).</summary>
    internal static ResolvedConnection WithNamespace(ResolvedConnection settings, string? namespaceParameter) =>
        string.IsNullOrEmpty(namespaceParameter)
            ? settings
            : settings with { Namespace = namespaceParameter, NamespaceSource = "parameter" };

    /// <summary>Marks freshly resolved settings as the session's, keeping why they were chosen.</summary>
    internal static ResolvedConnection AsSession(ResolvedConnection settings, DateTimeOffset connectedAt) =>
        settings with
        {
            Source = ConnectionSource.Session,
            Reason = $"Connect-K8sCluster at {connectedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z ({settings.Source}: {settings.Reason})",
        };

    /// <summary>The shared connection for the settings, created on first use.</summary>
    internal static KubernetesConnection ConnectionFor(ResolvedConnection settings) =>
        SharedConnections.GetOrCreate(
            ConnectionCacheKey.For(settings, ConnectionCacheKey.StampOf),
            () => KubernetesConnection.Create(settings));
}
