using System.Management.Automation;
using K8sServiceAccount.Client;
using K8sServiceAccount.Client.Permissions;
using K8sServiceAccount.Internal;

namespace K8sServiceAccount.Commands;

/// <summary>
/// Compares the effective permissions of two ServiceAccounts in the style of Compare-Object: SideIndicator &lt;= for
/// what only the reference has, =&gt; for what only the difference has (== for shared ones with -IncludeEqual).
/// Permissions are compared as atoms (scope, verb, group, resource, name, URL), literally. The rules come from the
/// cluster's RBAC objects (needs list on them), a snapshot (-Snapshot) or policy documents (-Policy).
/// </summary>
[Cmdlet(VerbsData.Compare, "K8sPermission", DefaultParameterSetName = ClusterSet)]
[OutputType(typeof(K8sPermissionDifference))]
public sealed class CompareK8sPermissionCommand : K8sClusterCmdlet
{
    private const string ClusterSet = "Cluster";
    private const string PolicySet = "Policy";
    private const string SnapshotSet = "Snapshot";

    /// <summary>The reference ServiceAccount: NAMESPACE/NAME, NAMESPACE:NAME, or NAME in -Namespace.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string ReferenceServiceAccount { get; set; } = string.Empty;

    /// <summary>The ServiceAccount compared with the reference: NAMESPACE/NAME, NAMESPACE:NAME, or NAME in -Namespace.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string DifferenceServiceAccount { get; set; } = string.Empty;

    /// <summary>Also write the permissions both have (SideIndicator ==).</summary>
    [Parameter]
    public SwitchParameter IncludeEqual { get; set; }

    /// <summary>Compare offline on these RBAC documents (paths, FileInfo, or objects of the Get- role and binding cmdlets).</summary>
    [Parameter(Mandatory = true, ParameterSetName = PolicySet)]
    [ValidateNotNullOrEmpty]
    public object[] Policy { get; set; } = Array.Empty<object>();

    /// <summary>Compare on a snapshot of Get-K8sRbacSnapshot.</summary>
    [Parameter(Mandatory = true, ParameterSetName = SnapshotSet)]
    [ValidateNotNull]
    public K8sRbacSnapshot? Snapshot { get; set; }

    /// <summary>Writes the differences.</summary>
    protected override void ProcessRecord()
    {
        var explicitNamespace = PermissionMapping.Given(Namespace);
        try
        {
            var defaultNamespace = explicitNamespace ?? (ParameterSetName == PolicySet ? "default" : Settings.Namespace);
            var reference = PermissionSubject.ParseServiceAccount(ReferenceServiceAccount, defaultNamespace);
            var difference = PermissionSubject.ParseServiceAccount(DifferenceServiceAccount, defaultNamespace);
            var rbac = ParameterSetName switch
            {
                PolicySet => PolicyDocuments.Load(this, Policy, defaultNamespace, WriteVerbose),
                SnapshotSet => Snapshot!.Evaluator,
                _ => Invoke((connection, token) => RbacSnapshot.LoadAsync(connection, new ResourceNameResolver(connection, Log), cancellationToken: token)),
            };
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
