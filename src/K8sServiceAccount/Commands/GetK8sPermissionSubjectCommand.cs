using System.Management.Automation;
using K8sServiceAccount.Client;
using K8sServiceAccount.Client.Permissions;
using K8sServiceAccount.Internal;

namespace K8sServiceAccount.Commands;

/// <summary>
/// Who can perform an action: every user, group and ServiceAccount bound to a role that allows it, with the binding,
/// role and rule, and what each subject covers (system:serviceaccounts:NS is all ServiceAccounts in NS). Computed from
/// the cluster's RBAC objects (needs list on them), a snapshot (-Snapshot) or policy documents (-Policy); members of
/// system:masters are always listed. RBAC only: the Node and webhook authorizers are not modelled.
/// </summary>
[Cmdlet(VerbsCommon.Get, "K8sPermissionSubject")]
[OutputType(typeof(K8sPermissionHolder))]
public sealed class GetK8sPermissionSubjectCommand : PermissionActionCmdletBase
{
    private RbacSnapshot? rbac;

    /// <summary>Writes the subjects allowed for each action.</summary>
    protected override void ProcessRecord()
    {
        string? target = null;
        try
        {
            RouteInput();
            target = ActionTarget;
            ValidateAction();
            var ns = CheckNamespace(null);
            var check = ActionCheck(ns, PermissionSubject.Self);
            rbac ??= LoadRbac(PermissionMapping.Given(Namespace) ?? "default");
            var evaluator = rbac;
            IReadOnlyList<PermissionHolder> holders;
            if (OnCluster)
            {
                holders = Invoke((_, token) => evaluator.SubjectsThatCanAsync(check, token));
            }
            else
            {
                // Locally too, kubectl's resolution warnings (a snapshot's discovery) reach this command's warning stream.
                var asking = evaluator.SubjectsThatCanAsync(check, CancellationToken);
                WaitAndDrain(asking, static () => { });
                holders = asking.Result;
            }
            WriteObject(holders.Select(PermissionMapping.ToHolder), enumerateCollection: true);
        }
        catch (K8sClientException e)
        {
            WriteErrorFor(e, target);
        }
    }
}
