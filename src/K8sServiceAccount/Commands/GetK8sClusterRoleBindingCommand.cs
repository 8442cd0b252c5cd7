using System.Management.Automation;
using K8sServiceAccount.Internal;

namespace K8sServiceAccount.Commands;

/// <summary>
/// Gets cluster role bindings. A name without wildcards is one GET (a missing one is an ObjectNotFound error); otherwise they
/// are listed (with -LabelSelector evaluated by the server) and matched case-insensitively; a wildcard that matches
/// nothing writes nothing.
/// </summary>
[Cmdlet(VerbsCommon.Get, "K8sClusterRoleBinding")]
[OutputType(typeof(K8sRoleBindingInfo))]
public sealed class GetK8sClusterRoleBindingCommand : GetRbacObjectCmdletBase
{
    /// <summary>Writes the matching objects.</summary>
    protected override void ProcessRecord() =>
        WriteMatching(
            "ClusterRoleBinding",
            clusterScoped: true,
            ns: null,
            (operations, _, name, token) => operations.GetClusterRoleBindingAsync(name, token),
            (operations, _, token) => operations.ListClusterRoleBindingsAsync(LabelSelector, token),
            item => item.Metadata,
            PermissionMapping.ToBindingInfo);
}
