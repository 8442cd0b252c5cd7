using System.Management.Automation;
using K8sServiceAccount.Client;
using K8sServiceAccount.Client.Permissions;
using K8sServiceAccount.Internal;

namespace K8sServiceAccount.Commands;

/// <summary>
/// Deletes cluster role bindings. Permissions granted through them end at once. Asks for confirmation (ConfirmImpact High)
/// unless -Confirm:$false; takes Name from piped objects (Get-K8sClusterRoleBinding | Remove-K8sClusterRoleBinding).
/// </summary>
[Cmdlet(VerbsCommon.Remove, "K8sClusterRoleBinding", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(void))]
public sealed class RemoveK8sClusterRoleBindingCommand : K8sClusterCmdlet
{
    /// <summary>Names of the ClusterRoleBindings to delete (no wildcards: pipe from Get-K8sClusterRoleBinding to delete by pattern).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string[] Name { get; set; } = Array.Empty<string>();

    /// <summary>Deletes each named object.</summary>
    protected override void ProcessRecord()
    {
        foreach (var name in Name)
        {
            var target = PermissionMapping.Target("ClusterRoleBinding", null, name);
            if (!ShouldProcess(target, "Delete"))
            {
                continue;
            }

            try
            {
                Invoke((connection, token) => new RbacObjectOperations(connection).DeleteClusterRoleBindingAsync(name, token));
            }
            catch (K8sClientException e)
            {
                WriteErrorFor(e, target);
            }
        }
    }
}
