using System.Management.Automation;
using System.Management.Automation.Runspaces;
using K8sServiceAccount.Internal;

namespace K8sServiceAccount.Commands;

/// <summary>
/// Forgets the connection Connect-K8sCluster set (by default both the process's and this runspace's), so later
/// commands choose their connection automatically again (KUBECONFIG or ~/.kube/config, else in-cluster).
/// A K8sConnectionInfo kept from Connect-K8sCluster -PassThru still works as -Connection. Changes nothing in the cluster.
/// </summary>
[Cmdlet(VerbsCommunications.Disconnect, "K8sCluster")]
[OutputType(typeof(void))]
public sealed class DisconnectK8sClusterCommand : PSCmdlet
{
    /// <summary>Forget only the process's connection, or only this runspace's. By default both.</summary>
    [Parameter]
    public K8sConnectionScope? Scope { get; set; }

    protected override void EndProcessing()
    {
        var removed = ConnectionSelection.Disconnect(Scope, Runspace.DefaultRunspace);
        if (removed.Count == 0)
        {
            this.WriteVerboseLine("There was no connection from Connect-K8sCluster to forget.");
        }

        foreach (var (scope, session) in removed)
        {
            this.WriteVerboseLine($"Disconnected ({scope} scope) from {session.Settings.Server} (context {session.Settings.ContextName ?? "in-cluster"}).");
        }
    }
}
