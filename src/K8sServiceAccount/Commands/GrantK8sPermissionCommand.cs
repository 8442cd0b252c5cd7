using System.Management.Automation;
using K8sServiceAccount.Client;
using K8sServiceAccount.Client.Permissions;
using K8sServiceAccount.Internal;
using K8sServiceAccount.Completion;

namespace K8sServiceAccount.Commands;

/// <summary>
/// Gives a ServiceAccount (or a user, or groups) permissions in one step: creates or reconciles a predictably named Role
/// and RoleBinding in the namespace (ClusterRole and ClusterRoleBinding with -ClusterWide), adding the rules and the
/// subject that are missing and never removing anything, so running it again changes nothing. Objects are labelled
/// app.kubernetes.io/managed-by=K8sServiceAccount. Granting what you do not hold yourself is refused by RBAC
/// escalation prevention (RbacEscalationForbidden: what is missing, escalate or bind, and the server's text).
/// Its output piped to Revoke-K8sPermission takes the grant back.
/// </summary>
[Cmdlet(VerbsSecurity.Grant, "K8sPermission", SupportsShouldProcess = true)]
[OutputType(typeof(K8sPermissionGrant))]
public sealed class GrantK8sPermissionCommand : PermissionGrantCmdletBase
{
    /// <summary>The verbs (get, list, watch, create, update, patch, delete, deletecollection, *...).</summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(VerbCompleter))]
    public string[]? Verb { get; set; }

    /// <summary>Grants to each subject and writes what was done.</summary>
    protected override void ProcessRecord()
    {
        if (TryRouteInput())
        {
            ForEachRequest(Verb, rulesRequired: true, Grant);
        }
    }

    private void Grant(GrantRequest request, string target)
    {
        if (!ShouldProcess(target, $"Grant {string.Join(" ", request.Rules.Select(r => Client.Rbac.EscalationCheck.CompactString(r)))} to {request.Subject}"))
        {
            return;
        }

        var result = Invoke((connection, token) => new PermissionGrantOperations(connection).GrantAsync(request, token));
        if (result.ChangedUnmanagedRole)
        {
            WriteWarning($"{PermissionMapping.Target(result.RoleKind, result.Namespace, result.Name)} was not made by Grant-K8sPermission " +
                $"(no label {PermissionGrantOperations.ManagedByLabel}={PermissionGrantOperations.ManagedByValue}): the rules added to it apply to every subject " +
                $"its bindings bind, not only to {result.Subject}.");
        }
        this.WriteVerboseLine(PermissionMapping.Describe(result, grant: true));
        WriteObject(PermissionMapping.ToGrant(result, request));
    }
}
