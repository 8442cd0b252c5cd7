using System.Management.Automation;
using K8sServiceAccount.Client;
using K8sServiceAccount.Client.Permissions;
using K8sServiceAccount.Internal;
using K8sServiceAccount.Completion;

namespace K8sServiceAccount;

/// <summary>
/// Shared parameter and behaviour of Remove-K8sRole, Remove-K8sRoleBinding, Remove-K8sClusterRole and
/// Remove-K8sClusterRoleBinding: each named object is deleted after confirmation (skipped with -Force), and a failure
/// is written as an error for that object while the others are still deleted.
/// </summary>
public abstract class RemoveRbacObjectCmdletBase : NamespacedObjectCmdletBase
{
    /// <summary>Names of the objects to delete (no wildcards: pipe from the matching Get- cmdlet to delete by pattern).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ObjectNameCompleter))]
    public string[] Name { get; set; } = Array.Empty<string>();

    /// <summary>Do not ask for confirmation (ConfirmImpact High). -WhatIf still only reports, and an explicit -Confirm still asks.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    // Only this module's cmdlets derive from it: the hook they use names client types and stays off the public surface.
    private protected RemoveRbacObjectCmdletBase()
    {
    }

    /// <summary>Deletes each object in <see cref="Name"/> of <paramref name="kind"/> in <paramref name="ns"/> (null for a cluster-scoped kind).</summary>
    private protected void DeleteEach(string kind, string? ns, Func<RbacObjectOperations, string?, string, CancellationToken, Task> delete)
    {
        foreach (var name in Name)
        {
            var target = PermissionMapping.Target(kind, ns, name);
            if (!Confirmation.ShouldProcess(this, Force, target, "Delete"))
            {
                continue;
            }

            try
            {
                Invoke((connection, token) => delete(new RbacObjectOperations(connection), ns, name, token));
            }
            catch (K8sClientException e)
            {
                WriteErrorFor(e, target);
            }
        }
    }
}
