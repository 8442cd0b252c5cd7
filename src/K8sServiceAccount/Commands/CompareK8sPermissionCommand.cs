using System.Management.Automation;
using K8sServiceAccount.Client;
using K8sServiceAccount.Client.Permissions;
using K8sServiceAccount.Internal;
using K8sServiceAccount.Completion;

namespace K8sServiceAccount.Commands;

/// <summary>
/// Compares the effective permissions of two ServiceAccounts in the style of Compare-Object: SideIndicator &lt;= for
/// what only the reference has, =&gt; for what only the difference has (== for shared ones with -IncludeEqual).
/// Permissions are compared as atoms (scope, verb, group, resource, name, URL), literally. The rules come from the
/// cluster's RBAC objects (needs list on them), a snapshot (-Snapshot) or policy documents (-Policy).
/// </summary>
[Cmdlet(VerbsData.Compare, "K8sPermission")]
[OutputType(typeof(K8sPermissionDifference))]
public sealed class CompareK8sPermissionCommand : RbacEvaluationCmdletBase
{

    /// <summary>The reference ServiceAccount: NAMESPACE/NAME, NAMESPACE:NAME, or NAME in -Namespace; on the cluster it must exist.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ServiceAccountCompleter))]
    public string ReferenceServiceAccount { get; set; } = string.Empty;

    /// <summary>The ServiceAccount compared with the reference: NAMESPACE/NAME, NAMESPACE:NAME, or NAME in -Namespace; on the cluster it must exist.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ServiceAccountCompleter))]
    public string DifferenceServiceAccount { get; set; } = string.Empty;

    /// <summary>Also write the permissions both have (SideIndicator ==).</summary>
    [Parameter]
    public SwitchParameter IncludeEqual { get; set; }

    /// <summary>Writes the differences.</summary>
    protected override void ProcessRecord()
    {
        var explicitNamespace = PermissionMapping.Given(Namespace);
        try
        {
            var defaultNamespace = NamespaceOrDefault;
            var reference = PermissionSubject.ParseServiceAccount(ReferenceServiceAccount, defaultNamespace, nameof(ReferenceServiceAccount));
            var difference = PermissionSubject.ParseServiceAccount(DifferenceServiceAccount, defaultNamespace, nameof(DifferenceServiceAccount));
            if (OnCluster)
            {
                // Comparing with a ServiceAccount that does not exist (a typo) would only list the other's permissions.
                var missing = new[] { (reference, nameof(ReferenceServiceAccount)), (difference, nameof(DifferenceServiceAccount)) }
                    .Select(s => MissingServiceAccount(s.Item1, s.Item2)).Where(e => e is not null).ToList();
                if (missing.Count > 0)
                {
                    missing.ForEach(e => WriteErrorFor(e!, e!.Target));
                    return;
                }
            }

            var rbac = LoadRbac(defaultNamespace);
            var differences = PermissionDifference.Compare(
                rbac.EffectiveRulesFor(reference, explicitNamespace), rbac.EffectiveRulesFor(difference, explicitNamespace), IncludeEqual);
            WriteObject(differences.Select(PermissionMapping.ToDifference), enumerateCollection: true);
        }
        catch (K8sClientException e)
        {
            WriteErrorFor(e, ReferenceServiceAccount + " <> " + DifferenceServiceAccount);
        }
    }
}
