using System.Management.Automation;
using K8sServiceAccount.Client;
using K8sServiceAccount.Client.Permissions;
using K8sServiceAccount.Internal;

namespace K8sServiceAccount.Commands;

/// <summary>
/// Reads every Role, ClusterRole, RoleBinding and ClusterRoleBinding of the cluster once (paged lists, the four kinds
/// at the same time), for fast local evaluation with Test-K8sPermission -Snapshot, Get-K8sPermission -Snapshot,
/// Get-K8sPermissionSubject -Snapshot and Compare-K8sPermission -Snapshot. Needs list on the four kinds cluster-wide.
/// The snapshot models RBAC (and system:masters) only, as of when it was taken.
/// </summary>
[Cmdlet(VerbsCommon.Get, "K8sRbacSnapshot")]
[OutputType(typeof(K8sRbacSnapshot))]
public sealed class GetK8sRbacSnapshotCommand : K8sClusterCmdlet
{
    /// <summary>How many objects to ask for per page (default 500).</summary>
    [Parameter]
    [ValidateRange(1, 10000)]
    public int PageSize { get; set; } = 500;

    /// <summary>Reads the snapshot.</summary>
    protected override void ProcessRecord()
    {
        var settings = Settings;
        try
        {
            var snapshot = Invoke((connection, token) => RbacSnapshot.LoadAsync(connection, new ResourceNameResolver(connection), PageSize, token));
            WriteObject(new K8sRbacSnapshot(snapshot, $"{settings.Server} (context {settings.ContextName ?? "-"})", settings.Namespace));
        }
        catch (K8sClientException e)
        {
            WriteErrorFor(e, settings.Server);
        }
    }
}
