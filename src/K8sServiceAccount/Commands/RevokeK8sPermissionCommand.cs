using System.Management.Automation;
using K8sServiceAccount.Client;
using K8sServiceAccount.Client.Permissions;
using K8sServiceAccount.Internal;
using K8sServiceAccount.Completion;

namespace K8sServiceAccount.Commands;

/// <summary>
/// Takes back what Grant-K8sPermission gave: with -Verb and -Resource (or -NonResourceUrl), removes exactly the rules a
/// Grant with the same arguments added; without them, removes the subject from the binding. When the role is left with
/// no rules, or the binding with no subjects, both are deleted. Revoking what is not there changes nothing. Asks for
/// confirmation (ConfirmImpact High) unless -Force (or -Confirm:$false).
/// </summary>
[Cmdlet(VerbsSecurity.Revoke, "K8sPermission", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(K8sPermissionGrant))]
public sealed class RevokeK8sPermissionCommand : PermissionGrantCmdletBase
{
    /// <summary>The verbs (get, list, watch, create, update, patch, delete, deletecollection, *...).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(VerbCompleter))]
    public string[]? Verb { get; set; }

    /// <summary>Do not ask for confirmation (ConfirmImpact High). -WhatIf still only reports, and an explicit -Confirm still asks.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Revokes from each subject and writes what was done.</summary>
    protected override void ProcessRecord() => ForEachRequest(Verb, rulesRequired: false, (request, target) =>
    {
        var what = request.Rules.Count == 0 ? "all granted permissions" : string.Join(" ", request.Rules.Select(r => Client.Rbac.EscalationCheck.CompactString(r)));
        if (!Confirmation.ShouldProcess(this, Force, target, $"Revoke {what} from {request.Subject}"))
        {
            return;
        }

        var result = Invoke((connection, token) => new PermissionGrantOperations(connection).RevokeAsync(request, token));
        WriteVerbose(PermissionMapping.Describe(result, grant: false, withRules: request.Rules.Count > 0));
        if (PermissionMapping.StillGrantedWarning(result) is { } warning)
        {
            WriteWarning(warning);
        }

        WriteObject(PermissionMapping.ToGrant(result));
    });
}
