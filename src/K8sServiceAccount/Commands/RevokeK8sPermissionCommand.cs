using System.Management.Automation;
using K8sServiceAccount.Client;
using K8sServiceAccount.Client.Permissions;
using K8sServiceAccount.Internal;
using K8sServiceAccount.Completion;

namespace K8sServiceAccount.Commands;

/// <summary>
/// Takes back what Grant-K8sPermission gave: with -Verb and -Resource (or -NonResourceUrl), removes exactly those
/// permissions from the role, splitting rules as needed (revoking list from get,list leaves get); a wildcard that would
/// have to be narrowed is an error (RevokeWildcardRule) that changes nothing. Without them, removes the subject from the
/// binding. When the role (made by Grant) is left with no rules, or the binding with no subjects, both are deleted.
/// -WhatIf and the prompt show the rules the role would keep. Revoking what is not there changes nothing. Asks for
/// confirmation (ConfirmImpact High) unless -Force (or -Confirm:$false). The output of Grant-K8sPermission piped in (-Grant)
/// is revoked as Revoke with the Grant's arguments would: Grant ... | Revoke-K8sPermission -Force undoes it.
/// </summary>
[Cmdlet(VerbsSecurity.Revoke, "K8sPermission", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = SubjectSet)]
[OutputType(typeof(K8sPermissionGrant))]
public sealed class RevokeK8sPermissionCommand : PermissionGrantCmdletBase
{
    private const string GrantSet = "Grant";

    /// <summary>The verbs (get, list, watch, create, update, patch, delete, deletecollection, *...).</summary>
    [Parameter(ParameterSetName = SubjectSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(VerbCompleter))]
    public string[]? Verb { get; set; }

    /// <summary>
    /// What Grant-K8sPermission wrote, usually piped: its subject, rules, scope and role name are revoked (the role's own
    /// namespace, whatever -Namespace says). A piped grant reaches it through -PipelineInput, which PowerShell binds first
    /// (the Subject set is the default); this declaration keeps -Grant on the command line and in the help.
    /// </summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = GrantSet)]
    [ValidateNotNull]
    public K8sPermissionGrant? Grant { get; set; }

    /// <inheritdoc cref="PermissionGrantCmdletBase.PipedExpected"/>
    private protected override string PipedExpected => ", a grant (Grant-K8sPermission)";

    /// <summary>Do not ask for confirmation (ConfirmImpact High). -WhatIf still only reports, and an explicit -Confirm still asks.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Revokes from each subject and writes what was done.</summary>
    protected override void ProcessRecord()
    {
        if (!TryRouteInput(typeof(K8sPermissionGrant)))
        {
            return;
        }

        if (PipelineValue.Unwrap(PipelineInput) is K8sPermissionGrant piped && Piped.GivenOutside(GrantSet) is { } subjectParameter)
        {
            // PowerShell refused this before (-Verb and the like are not in the Grant parameter set).
            WriteErrorFor(
                PermissionErrors.InvalidArgument(nameof(Grant), $"-Grant: a grant was piped in, which says what to revoke: do not give -{subjectParameter} as well."),
                piped);
            return;
        }

        if ((PipelineValue.Unwrap(PipelineInput) as K8sPermissionGrant ?? Grant) is { } grant)
        {
            ForEachRequest(() => PermissionMapping.FromGrant(grant) is var request ? [(request, Target(request))] : [], grant, Revoke);
        }
        else
        {
            ForEachRequest(Verb, rulesRequired: false, Revoke);
        }
    }

    private void Revoke(GrantRequest request, string target)
    {
        var what = request.Rules.Count == 0 ? "all granted permissions" : string.Join(" ", request.Rules.Select(r => Client.Rbac.EscalationCheck.CompactString(r)));
        // Read-only: the rules the role would keep, for -WhatIf and the prompt; a wildcard that cannot be narrowed is an
        // error here, before anything is asked or changed.
        var preview = Invoke((connection, token) => new PermissionGrantOperations(connection).PreviewRevokeAsync(request, token));
        if (!Confirmation.ShouldProcess(this, Force, target, $"Revoke {what} from {request.Subject}{PermissionMapping.Remaining(preview)}"))
        {
            return;
        }

        var result = Invoke((connection, token) => new PermissionGrantOperations(connection).RevokeAsync(request, token));
        this.WriteVerboseLine(PermissionMapping.Describe(result, grant: false, withRules: request.Rules.Count > 0));
        if (PermissionMapping.StillGrantedWarning(result) is { } warning)
        {
            WriteWarning(warning);
        }

        WriteObject(PermissionMapping.ToGrant(result, request));
    }
}
