using System.Management.Automation;
using K8sServiceAccount.Client.Models;
using K8sServiceAccount.Client.Permissions;
using K8sServiceAccount.Internal;
using K8sServiceAccount.Completion;

namespace K8sServiceAccount.Commands;

/// <summary>
/// Creates a ClusterRoleBinding: grants a ClusterRole in every namespace and at cluster scope to ServiceAccounts, users
/// and groups. Binding a ClusterRole whose permissions you do not hold needs 'bind' on it: the refusal
/// (RbacEscalationForbidden) names what is missing and keeps the server's text.
/// </summary>
[Cmdlet(VerbsCommon.New, "K8sClusterRoleBinding", SupportsShouldProcess = true)]
[OutputType(typeof(K8sRoleBindingInfo))]
public sealed class NewK8sClusterRoleBindingCommand : NewRbacBindingCmdletBase
{

    /// <summary>The ClusterRole to grant.</summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ClusterRoleCompleter))]
    public string ClusterRole { get; set; } = string.Empty;

    /// <summary>Creates the ClusterRoleBinding and writes it.</summary>
    protected override void ProcessRecord()
    {
        Create(PermissionMapping.Target("ClusterRoleBinding", null, Name),
            () => new ClusterRoleBinding
            {
                Metadata = Metadata(null),
                RoleRef = new RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = ClusterRole },
                Subjects = Subjects(null),
            },
            RbacValidation.ValidateClusterRoleBinding,
            (objects, binding, token) => objects.CreateClusterRoleBindingAsync(binding, token),
            PermissionMapping.ToBindingInfo);
    }
}
