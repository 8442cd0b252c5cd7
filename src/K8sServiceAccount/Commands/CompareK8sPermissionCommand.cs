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
[Cmdlet(VerbsData.Compare, "K8sPermission")]
[OutputType(typeof(K8sPermissionDifference))]
public sealed class CompareK8sPermissionCommand : K8sClusterCmdlet
{

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
    [Parameter]
    [ValidateNotNullOrEmpty]
    public object[]? Policy { get; set; }

    /// <summary>Compare on a snapshot of Get-K8sRbacSnapshot.</summary>
    [Parameter]
    [ValidateNotNull]
    public K8sRbacSnapshot? Snapshot { get; set; }

    /// <summary>Refuses -Policy together with -Snapshot before any input is read.</summary>
    protected override void BeginProcessing()
    {
        try
        {
            _ = Source;
        }
        catch (K8sClientException e)
        {
            ThrowTerminatingErrorFor(e, "Policy");
        }
    }

    /// <summary>Writes the differences.</summary>
    protected override void ProcessRecord()
    {
        var explicitNamespace = PermissionMapping.Given(Namespace);
        try
        {
            var defaultNamespace = explicitNamespace ?? (Offline ? "default" : Settings.Namespace);
            var reference = PermissionSubject.ParseServiceAccount(ReferenceServiceAccount, defaultNamespace);
            var difference = PermissionSubject.ParseServiceAccount(DifferenceServiceAccount, defaultNamespace);
            var rbac = Source switch
            {
                EvaluationSource.Policy => PolicyDocuments.Load(this, Policy!, defaultNamespace, WriteVerbose),
                EvaluationSource.Snapshot => Snapshot!.Evaluator,
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

    // -Policy and -Snapshot choose local evaluation; they exclude each other.
    private EvaluationSource Source => (Policy, Snapshot) switch
    {
        (not null, not null) => throw PermissionErrors.InvalidArgument("Policy", "Give -Policy or -Snapshot, not both."),
        (not null, _) => EvaluationSource.Policy,
        (_, not null) => EvaluationSource.Snapshot,
        _ => EvaluationSource.Cluster,
    };

    private bool Offline => Source == EvaluationSource.Policy;

    private bool OnCluster => Source == EvaluationSource.Cluster;

}
