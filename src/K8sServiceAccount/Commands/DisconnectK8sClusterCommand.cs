using System.Management.Automation;
using System.Management.Automation.Runspaces;
using K8sServiceAccount.Internal;

namespace K8sServiceAccount.Commands;

/// <summary>
/// Forgets this runspace's connection from Connect-K8sCluster, so later commands choose their connection
/// automatically again (KUBECONFIG or ~/.kube/config, else in-cluster). Changes nothing in the cluster.
/// </summary>
[Cmdlet(VerbsCommunications.Disconnect, "K8sCluster")]
[OutputType(typeof(void))]
public sealed class DisconnectK8sClusterCommand : PSCmdlet
{
    protected override void EndProcessing()
    {
        var removed = Runspace.DefaultRunspace is { } runspace ? ConnectionSelection.Sessions.Remove(runspace) : null;
        WriteVerbose(removed is null
            ? "This runspace had no connection from Connect-K8sCluster."
            : $"Disconnected this runspace from {removed.Settings.Server} (context {removed.Settings.ContextName ?? "in-cluster"}).");
    }
}
