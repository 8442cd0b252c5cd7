using System.Management.Automation;
using K8sServiceAccount.Client;
using K8sServiceAccount.Client.Permissions;
using K8sServiceAccount.Internal;

namespace K8sServiceAccount.Commands;

/// <summary>
/// Deletes cluster roles. Permissions granted through them end at once. Asks for confirmation (ConfirmImpact High)
/// unless -Confirm:$false; takes Name from piped objects (Get-K8sClusterRole | Remove-K8sClusterRole).
/// </summary>
[Cmdlet(VerbsCommon.Remove, "K8sClusterRole", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(void))]
public sealed class RemoveK8sClusterRoleCommand : K8sClusterCmdlet
{
    /// <summary>Names of the ClusterRoles to delete (no wildcards: pipe from Get-K8sClusterRole to delete by pattern).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string[] Name { get; set; } = Array.Empty<string>();

    /// <summary>Deletes each named object.</summary>
    protected override void ProcessRecord()
    {
        foreach (var name in Name)
        {
            var target = PermissionMapping.Target("ClusterRole", null, name);
            if (!ShouldProcess(target, "Delete"))
            {
                continue;
            }

            try
            {
                Invoke((connection, token) => new RbacObjectOperations(connection).DeleteClusterRoleAsync(name, token));
            }
            catch (K8sClientException e)
            {
                WriteErrorFor(e, target);
            }
        }
    }
}
