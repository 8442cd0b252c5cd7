using System.Management.Automation;
using System.Management.Automation.Runspaces;
using K8sServiceAccount.Internal;

namespace K8sServiceAccount.Commands;

/// <summary>
/// Sets the connection later commands in this runspace use when they are not given -Kubeconfig, -Context or
/// -InCluster. The connection (HTTP client and cached credentials) is kept, so an exec credential plugin runs
/// once per credential lifetime rather than once per command. Changes nothing in the cluster.
/// </summary>
[Cmdlet(VerbsCommunications.Connect, "K8sCluster")]
[OutputType(typeof(K8sConnectionInfo))]
public sealed class ConnectK8sClusterCommand : K8sClusterCmdlet
{
    /// <summary>Writes the connection (a K8sConnectionInfo) to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    // Connecting replaces the session: it must resolve afresh, never reuse the session it replaces.
    private protected override bool UsesSessionConnection => false;

    protected override void ProcessRecord()
    {
        var runspace = Runspace.DefaultRunspace
            ?? throw new PSInvalidOperationException("Connect-K8sCluster needs a runspace to keep the connection in.");
        var settings = ConnectionSelection.AsSession(Settings, DateTimeOffset.UtcNow);
        ConnectionSelection.Sessions.Set(runspace, new SessionConnection(settings, Connection));
        WriteVerbose($"Connected this runspace to {settings.Server} (context {settings.ContextName ?? "in-cluster"}, namespace {settings.Namespace}).");
        if (PassThru)
        {
            WriteObject(OutputMapping.ToConnectionInfo(settings));
        }
    }
}
