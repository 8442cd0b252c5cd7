using System.Management.Automation;

namespace K8sServiceAccount.Commands;

/// <summary>
/// Deletes role bindings in the namespace (-Namespace, or the context's). Permissions granted through them end at once. Asks for confirmation (ConfirmImpact High)
/// unless -Force (or -Confirm:$false); takes Name and Namespace from piped objects (Get-K8sRoleBinding | Remove-K8sRoleBinding).
/// </summary>
[Cmdlet(VerbsCommon.Remove, "K8sRoleBinding", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(void))]
public sealed class RemoveK8sRoleBindingCommand : RemoveRbacObjectCmdletBase
{
    /// <summary>Deletes each named object.</summary>
    protected override void ProcessRecord() =>
        DeleteEach("RoleBinding", Settings.Namespace, (operations, ns, name, token) => operations.DeleteRoleBindingAsync(ns!, name, token));
}
