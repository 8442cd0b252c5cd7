using System.Management.Automation;

namespace K8sServiceAccount.Commands;

/// <summary>
/// Deletes roles in the namespace (-Namespace, or the context's). Permissions granted through them end at once. Asks for confirmation (ConfirmImpact High)
/// unless -Force (or -Confirm:$false); takes Name and Namespace from piped objects (Get-K8sRole | Remove-K8sRole).
/// </summary>
[Cmdlet(VerbsCommon.Remove, "K8sRole", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(void))]
public sealed class RemoveK8sRoleCommand : RemoveRbacObjectCmdletBase
{
    /// <summary>Deletes each named object.</summary>
    protected override void ProcessRecord() =>
        DeleteEach("Role", Settings.Namespace, (operations, ns, name, token) => operations.DeleteRoleAsync(ns!, name, token));
}
