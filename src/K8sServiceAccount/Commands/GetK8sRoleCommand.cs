using System.Management.Automation;
using K8sServiceAccount.Internal;

namespace K8sServiceAccount.Commands;

/// <summary>
/// Gets roles in the namespace (-Namespace, or the context's). A name without wildcards is one GET (a missing one is an ObjectNotFound error); otherwise they
/// are listed (with -LabelSelector evaluated by the server) and matched case-insensitively; a wildcard that matches
/// nothing writes nothing.
/// </summary>
[Cmdlet(VerbsCommon.Get, "K8sRole")]
[OutputType(typeof(K8sRoleInfo))]
public sealed class GetK8sRoleCommand : GetRbacObjectCmdletBase
{
    /// <summary>Get them in every namespace (kubectl -A); -Namespace is then ignored.</summary>
    [Parameter]
    [Alias("A")]
    public SwitchParameter AllNamespaces { get; set; }

    /// <summary>Writes the matching objects.</summary>
    protected override void ProcessRecord() =>
        WriteMatching(
            "Role",
            clusterScoped: false,
            AllNamespaces ? null : Settings.Namespace,
            (operations, ns, name, token) => operations.GetRoleAsync(ns!, name, token),
            (operations, ns, token) => operations.ListRolesAsync(ns, LabelSelector, token),
            item => item.Metadata,
            PermissionMapping.ToRoleInfo);
}
