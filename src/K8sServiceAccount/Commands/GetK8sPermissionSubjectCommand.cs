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
public sealed class GetK8sPermissionSubjectCommand : RbacEvaluationCmdletBase
{

    private RbacSnapshot? rbac;

    /// <summary>The verb (get, list, update, ...).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Verb { get; set; } = string.Empty;

    /// <summary>The resource type in kubectl's syntax (pods, deployments.apps, deployments/scale, deploy).</summary>
    [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
    public string? Resource { get; set; }

    /// <summary>The API group (core for the core group); when empty, taken from -Resource or discovery.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? Group { get; set; }

    /// <summary>The subresource (scale, status...), unless given in -Resource.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? Subresource { get; set; }

    /// <summary>The object name; any object when omitted.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? Name { get; set; }

    /// <summary>A non-resource URL (/healthz, /logs/) instead of -Resource.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? NonResourceUrl { get; set; }

    /// <summary>Ask at cluster scope: only cluster-wide grants (ClusterRoleBindings) count.</summary>
    [Parameter]
    public SwitchParameter AllNamespaces { get; set; }

    /// <summary>Writes the subjects allowed for each action.</summary>
    protected override void ProcessRecord()
    {
        var target = PermissionMapping.Given(Resource) ?? PermissionMapping.Given(NonResourceUrl) ?? Verb;
        try
        {
            var ns = NamespaceOrDefault;
            var check = PermissionMapping.Check(Verb, Resource, Group, Subresource, Name, NonResourceUrl, AllNamespaces ? "" : ns, PermissionSubject.Self);
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
