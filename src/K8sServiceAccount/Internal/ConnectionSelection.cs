using K8sServiceAccount.Client;
using K8sServiceAccount.Client.Config;
using K8sServiceAccount.Client.Http;

namespace K8sServiceAccount.Internal;

/// <summary>
/// The parameters that choose a connection (the path already resolved against $PWD; <paramref name="Given"/> is
/// -Connection). -Namespace is not one of them: it only changes the namespace of whichever connection is chosen,
/// and may change per pipeline object while the connection stays the same.
/// </summary>
internal sealed record ConnectionParameters(string? KubeconfigPath, string? Context, bool InCluster, ConnectionHandle? Given = null)
{
    internal bool SelectsConnection => NamesConnection || Given is not null;

    /// <summary>-Kubeconfig, -Context or -InCluster: the parameters -Connection cannot be combined with.</summary>
    private bool NamesConnection => KubeconfigPath is not null || Context is not null || InCluster;

    internal ConnectionRequest ToRequest() => new()
    {
        KubeconfigPath = KubeconfigPath,
        Context = Context,
        InCluster = InCluster,
    };

    /// <summary>The names of the given parameters that -Connection conflicts with, as a user typed them.</summary>
    internal IEnumerable<string> ConflictingWithConnection()
    {
        if (KubeconfigPath is not null) yield return "-Kubeconfig";
        if (Context is not null) yield return "-Context";
        if (InCluster) yield return "-InCluster";
    }
}

/// <summary>Which source of DESIGN.md's connection order a command uses.</summary>
internal enum ConnectionChoice
{
    /// <summary>Per call: -Kubeconfig, -Context, -InCluster or -Connection.</summary>
    Parameters,
    /// <summary>The connection from Connect-K8sCluster (this runspace's, else the process's).</summary>
    Session,
    /// <summary>KUBECONFIG or ~/.kube/config, else in-cluster.</summary>
    Automatic,
}

/// <summary>
/// Resolved settings and the connection made for them: a session of Connect-K8sCluster, or what a
/// K8sConnectionInfo carries for -Connection. The connection is made on first use through the shared cache, so
/// every runspace that uses the same handle uses one HttpClient and one credential cache.
/// </summary>
internal sealed class ConnectionHandle
{
    private KubernetesConnection? connection;

    internal ConnectionHandle(ResolvedConnection settings, KubernetesConnection? connection = null)
    {
        Settings = settings;
        this.connection = connection;
    }

    internal ResolvedConnection Settings { get; }

    /// <summary>
    /// The request timeout commands using this handle get when they are not given -RequestTimeout (Connect-K8sCluster's or
    /// Get-K8sConnection's -RequestTimeout); null: the default.
    /// </summary>
    internal TimeSpan? RequestTimeout { get; init; }

    /// <summary>The connection if it was made already, else null (nothing is made).</summary>
    internal KubernetesConnection? MadeConnection => Volatile.Read(ref connection);

    /// <summary>The connection; throws the client's exception when it cannot be made (an unreadable certificate).</summary>
    internal KubernetesConnection Connection =>
        LazyInitializer.EnsureInitialized(ref connection, () => ConnectionSelection.ConnectionFor(Settings));
}

/// <summary>The chosen settings, and the handle whose connection to use when a session or -Connection was chosen.</summary>
internal sealed record Selection(ResolvedConnection Settings, ConnectionHandle? Handle);

/// <summary>Connection order (DESIGN.md): per-call parameters, then the session, then automatic.</summary>
internal static class ConnectionSelection
{
    /// <summary>Connections shared by every runspace of the process (see <see cref="ConnectionCache{T}"/>).</summary>
    internal static readonly ConnectionCache<KubernetesConnection> SharedConnections = new(capacity: 16);

    /// <summary>Sessions of Connect-K8sCluster -Scope Runspace, one per runspace.</summary>
    internal static readonly RunspaceStore<ConnectionHandle> RunspaceSessions = new();

    // The session of Connect-K8sCluster -Scope Process: seen by every runspace of the process.
    private static ConnectionHandle? processSession;

    /// <summary>The session a command in <paramref name="runspace"/> sees: its own (-Scope Runspace), else the process's.</summary>
    internal static ConnectionHandle? SessionOf(object? runspace) =>
        (runspace is null ? null : RunspaceSessions.Get(runspace)) ?? Volatile.Read(ref processSession);

    /// <summary>
    /// Keeps <paramref name="session"/> in <paramref name="scope"/>. Connecting for the process also forgets the
    /// connecting runspace's own session, so that in that runspace the last Connect-K8sCluster wins.
    /// </summary>
    internal static void Connect(K8sConnectionScope scope, object? runspace, ConnectionHandle session)
    {
        if (scope == K8sConnectionScope.Runspace)
        {
            RunspaceSessions.Set(runspace ?? throw new InvalidOperationException("-Scope Runspace needs a runspace to keep the connection in."), session);
            return;
        }

        Volatile.Write(ref processSession, session);
        if (runspace is not null)
        {
            RunspaceSessions.Remove(runspace);
        }
    }

    /// <summary>Forgets the sessions of the scope (both when null); returns those that were set.</summary>
    internal static IReadOnlyList<(K8sConnectionScope Scope, ConnectionHandle Session)> Disconnect(K8sConnectionScope? scope, object? runspace)
    {
        var removed = new List<(K8sConnectionScope, ConnectionHandle)>();
        if (scope is null or K8sConnectionScope.Runspace && runspace is not null && RunspaceSessions.Remove(runspace) is { } own)
        {
            removed.Add((K8sConnectionScope.Runspace, own));
        }

        if (scope is null or K8sConnectionScope.Process && Interlocked.Exchange(ref processSession, null) is { } shared)
        {
            removed.Add((K8sConnectionScope.Process, shared));
        }

        return removed;
    }

    internal static ConnectionChoice Choose(ConnectionParameters parameters, bool sessionExists, bool sessionAllowed) =>
        parameters.SelectsConnection ? ConnectionChoice.Parameters
        : sessionExists && sessionAllowed ? ConnectionChoice.Session
        : ConnectionChoice.Automatic;

    /// <summary>
    /// Chooses and resolves the connection in DESIGN.md's order. Throws the client's exceptions (no kubeconfig,
    /// unknown context, malformed file, -InCluster with -Kubeconfig or -Context, -Connection with any of those) for
    /// the cmdlet to report.
    /// </summary>
    internal static Selection Select(ConnectionParameters parameters, ConnectionHandle? session, bool sessionAllowed, ISystemEnvironment environment)
    {
        if (parameters.Given is { } given)
        {
            var conflicting = parameters.ConflictingWithConnection().ToArray();
            if (conflicting.Length > 0)
            {
                throw new K8sClientException("ConnectionParameterConflict", K8sErrorCategory.InvalidArgument,
                    $"-Connection cannot be used with {string.Join(" or ", conflicting)}: -Connection already names the server, context and user. Give one or the other.")
                {
                    Target = "-Connection",
                };
            }

            var settings = given.Settings with
            {
                Source = ConnectionSource.Parameter,
                Reason = $"-Connection was given ({given.Settings.Source}: {given.Settings.Reason})",
            };
            return new Selection(settings, given);
        }

        return Choose(parameters, session is not null, sessionAllowed) == ConnectionChoice.Session
            ? new Selection(session!.Settings, session)
            : new Selection(ConnectionResolver.Resolve(parameters.ToRequest(), environment), null);
    }

    /// <summary>The settings with -Namespace applied, when it was given (null or empty, as piped from an object without one, is not).</summary>
    internal static ResolvedConnection WithNamespace(ResolvedConnection settings, string? namespaceParameter) =>
        string.IsNullOrEmpty(namespaceParameter)
            ? settings
            : settings with { Namespace = namespaceParameter, NamespaceSource = "parameter" };

    /// <summary>Marks freshly resolved settings as the session's, keeping why they were chosen.</summary>
    internal static ResolvedConnection AsSession(ResolvedConnection settings, K8sConnectionScope scope, DateTimeOffset connectedAt) =>
        settings with
        {
            Source = ConnectionSource.Session,
            Reason = $"Connect-K8sCluster -Scope {scope} at {connectedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z ({settings.Source}: {settings.Reason})",
        };

    /// <summary>The shared connection for the settings, created on first use.</summary>
    internal static KubernetesConnection ConnectionFor(ResolvedConnection settings) =>
        SharedConnections.GetOrCreate(
            ConnectionCacheKey.For(settings, ConnectionCacheKey.StampOf),
            () => KubernetesConnection.Create(settings));
}
