using System.Management.Automation;
using K8sServiceAccount.Client;
using K8sServiceAccount.Client.Permissions;
using K8sServiceAccount.Internal;

namespace K8sServiceAccount.Commands;

/// <summary>
/// Deletes role bindings in the namespace (-Namespace, or the context's). Permissions granted through them end at once. Asks for confirmation (ConfirmImpact High)
/// unless -Confirm:$false; takes Name and Namespace from piped objects (Get-K8sRoleBinding | Remove-K8sRoleBinding).
/// </summary>
[Cmdlet(VerbsCommon.Remove, "K8sRoleBinding", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(void))]
public sealed class RemoveK8sRoleBindingCommand : K8sClusterCmdlet
{
    /// <summary>Names of the RoleBindings to delete (no wildcards: pipe from Get-K8sRoleBinding to delete by pattern).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string[] Name { get; set; } = Array.Empty<string>();

    /// <summary>Deletes each named object.</summary>
    protected override void ProcessRecord()
    {
        var ns = Settings.Namespace;
        foreach (var name in Name)
        {
            var target = PermissionMapping.Target("RoleBinding", ns, name);
            if (!ShouldProcess(target, "Delete"))
            {
                continue;
            }

            try
            {
                Invoke((connection, token) => new RbacObjectOperations(connection).DeleteRoleBindingAsync(ns, name, token));
            }
            catch (K8sClientException e)
            {
                WriteErrorFor(e, target);
            }
        }
    }
}
