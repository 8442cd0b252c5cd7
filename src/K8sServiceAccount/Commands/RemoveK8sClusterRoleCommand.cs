using System.Management.Automation;

namespace K8sServiceAccount.Commands;

/// <summary>
/// Deletes cluster roles. Permissions granted through them end at once. Asks for confirmation (ConfirmImpact High)
/// unless -Force (or -Confirm:$false); takes Name from piped objects (Get-K8sClusterRole | Remove-K8sClusterRole).
/// </summary>
[Cmdlet(VerbsCommon.Remove, "K8sClusterRole", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(void))]
public sealed class RemoveK8sClusterRoleCommand : RemoveRbacObjectCmdletBase
{
    /// <summary>Deletes each named object.</summary>
    protected override void ProcessRecord() =>
        DeleteEach("ClusterRole", null, (operations, _, name, token) => operations.DeleteClusterRoleAsync(name, token));
}
