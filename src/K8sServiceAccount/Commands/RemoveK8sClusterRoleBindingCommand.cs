using System.Management.Automation;

namespace K8sServiceAccount.Commands;

/// <summary>
/// Deletes cluster role bindings. Permissions granted through them end at once. Asks for confirmation (ConfirmImpact High)
/// unless -Force (or -Confirm:$false); takes Name from piped objects (Get-K8sClusterRoleBinding | Remove-K8sClusterRoleBinding).
/// </summary>
[Cmdlet(VerbsCommon.Remove, "K8sClusterRoleBinding", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(void))]
public sealed class RemoveK8sClusterRoleBindingCommand : RemoveRbacObjectCmdletBase
{
    /// <summary>Deletes each named object.</summary>
    protected override void ProcessRecord() =>
        DeleteEach("ClusterRoleBinding", null, (operations, _, name, token) => operations.DeleteClusterRoleBindingAsync(name, token));
}
