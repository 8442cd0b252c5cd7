using System.Management.Automation;
using K8sServiceAccount.Internal;

namespace K8sServiceAccount.Commands;

/// <summary>
/// Gets cluster roles. A name without wildcards is one GET (a missing one is an ObjectNotFound error); otherwise they
/// are listed (with -LabelSelector evaluated by the server) and matched case-insensitively; a wildcard that matches
/// nothing writes nothing.
/// </summary>
[Cmdlet(VerbsCommon.Get, "K8sClusterRole")]
[OutputType(typeof(K8sRoleInfo))]
public sealed class GetK8sClusterRoleCommand : GetRbacObjectCmdletBase
{
    /// <summary>Writes the matching objects.</summary>
    protected override void ProcessRecord() =>
        WriteMatching(
            "ClusterRole",
            clusterScoped: true,
            ns: null,
            (operations, _, name, token) => operations.GetClusterRoleAsync(name, token),
            (operations, _, token) => operations.ListClusterRolesAsync(LabelSelector, token),
            item => item.Metadata,
            PermissionMapping.ToRoleInfo);
}
