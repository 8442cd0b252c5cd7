using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using K8sServiceAccount.Client;
using K8sServiceAccount.Client.Api;
using K8sServiceAccount.Client.Config;
using K8sServiceAccount.Internal;

namespace K8sServiceAccount.Completion;

/// <summary>
/// The server a command line being completed would talk to: its -Kubeconfig, -Context, -InCluster or -Connection when
/// typed, else the session of Connect-K8sCluster, else automatic, chosen by the cmdlets' own <see cref="ConnectionSelection"/>;
/// and the namespace it would use (its -Namespace, else the connection's).
/// </summary>
internal sealed record CommandLineConnection(CompletionCatalog Catalog, string Namespace)
{
    /// <summary>How long a Tab waits for the server when the answer is not cached (then it answers offline or with nothing).</summary>
    internal static TimeSpan Wait { get; set; } = TimeSpan.FromSeconds(1.5);

    /// <summary>
    /// The connection of the command line, or null when none can be chosen (no kubeconfig, unknown context, conflicting
    /// parameters) or when asking the server would run an exec credential plugin that no command has run yet: a Tab never
    /// starts a login.
    /// </summary>
    internal static CommandLineConnection? Of(string? commandName, IDictionary? fakeBoundParameters)
    {
        try
        {
            var given = Bound(fakeBoundParameters, "Connection") as K8sConnectionInfo;
            if (given is { Handle: null })
            {
                return null;
            }

            var parameters = new ConnectionParameters(
                KubeconfigPath(fakeBoundParameters), Bound(fakeBoundParameters, "Context") as string, IsSwitchSet(fakeBoundParameters, "InCluster"), given?.Handle);
            var selection = ConnectionSelection.Select(
                parameters, ConnectionSelection.SessionOf(Runspace.DefaultRunspace), UsesSession(commandName), SystemEnvironment.Instance);
            var connection = selection.Settings.AuthKind == AuthKind.Exec
                ? selection.Handle?.MadeConnection ?? ConnectionSelection.SharedConnections.TryGet(ConnectionCacheKey.For(selection.Settings, ConnectionCacheKey.StampOf))
                : selection.Handle?.Connection ?? ConnectionSelection.ConnectionFor(selection.Settings);
            if (connection is null)
            {
                return null;
            }

            var ns = Bound(fakeBoundParameters, "Namespace") as string;
            return new CommandLineConnection(
                CompletionCatalog.For(connection),
                string.IsNullOrEmpty(ns) || KubernetesNames.NamespaceError(ns) is not null ? selection.Settings.Namespace : ns);
        }
        catch (Exception e) when (e is K8sClientException or IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
        {
            // The command itself reports the problem; completion offers what it knows offline.
            return null;
        }
    }

    /// <summary>
    /// The -Kubeconfig of the command line as a file system path, resolved as the cmdlet resolves it (against the current
    /// PowerShell location, ~ and drives included); null when not typed.
    /// </summary>
    internal static string? KubeconfigPath(IDictionary? fakeBoundParameters)
    {
        if (Bound(fakeBoundParameters, "Kubeconfig") is not string path || path.Length == 0)
        {
            return null;
        }

        try
        {
            // Completers are called on the runspace's thread with no session state of their own: a script block reads the
            // caller's (the runspace's SessionStateProxy.Path is not available there).
            if (ScriptBlock.Create("param($p) $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($p)").Invoke(path) is [{ BaseObject: string resolved }])
            {
                return resolved;
            }
        }
        catch (Exception e) when (e is RuntimeException or InvalidOperationException or NotSupportedException)
        {
            // A path PowerShell cannot resolve (an unknown drive): the file system's reading of it.
        }

        return Path.GetFullPath(path);
    }

    /// <summary>A parameter's value as the completion engine bound it from the command line so far, unwrapped; null when absent.</summary>
    internal static object? Bound(IDictionary? fakeBoundParameters, string name)
    {
        var value = fakeBoundParameters is not null && fakeBoundParameters.Contains(name) ? fakeBoundParameters[name] : null;
        return value is PSObject wrapped ? wrapped.BaseObject : value;
    }

    /// <summary>The values of a parameter that takes one or more (-ApiGroup apps,batch), as strings.</summary>
    internal static IReadOnlyList<string> BoundStrings(IDictionary? fakeBoundParameters, string name) => Bound(fakeBoundParameters, name) switch
    {
        null => [],
        string one => [one],
        IEnumerable many => many.Cast<object?>().Select(v => (v is PSObject p ? p.BaseObject : v)?.ToString()).OfType<string>().ToArray(),
        var other => [other.ToString() ?? ""],
    };

    private static bool IsSwitchSet(IDictionary? fakeBoundParameters, string name) => Bound(fakeBoundParameters, name) switch
    {
        SwitchParameter s => s.IsPresent,
        bool b => b,
        null => false,
        _ => true,
    };

    // Connect-K8sCluster makes a new connection and never uses the session's (as K8sClusterCmdlet.UsesSessionConnection).
    private static bool UsesSession(string? commandName) =>
        commandName is null || !commandName.EndsWith("Connect-K8sCluster", StringComparison.OrdinalIgnoreCase);
}
