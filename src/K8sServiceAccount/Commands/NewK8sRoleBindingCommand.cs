using System.Management.Automation;
using K8sServiceAccount.Client.Models;
using K8sServiceAccount.Client.Permissions;
using K8sServiceAccount.Internal;
using K8sServiceAccount.Completion;

namespace K8sServiceAccount.Commands;

/// <summary>
/// Creates a RoleBinding: grants a Role, or a ClusterRole's rules within the binding's namespace, to ServiceAccounts,
/// users and groups. Binding a role whose permissions you do not hold needs 'bind' on it: the refusal
/// (RbacEscalationForbidden) names what is missing and keeps the server's text.
/// </summary>
[Cmdlet(VerbsCommon.New, "K8sRoleBinding", SupportsShouldProcess = true, DefaultParameterSetName = RoleSet)]
[OutputType(typeof(K8sRoleBindingInfo))]
public sealed class NewK8sRoleBindingCommand : NewRbacBindingCmdletBase
{
    private const string RoleSet = "Role";
    private const string ClusterRoleSet = "ClusterRole";

    /// <summary>The Role to grant (in the binding's namespace).</summary>
    [Parameter(Mandatory = true, ParameterSetName = RoleSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(RoleCompleter))]
    public string Role { get; set; } = string.Empty;

    /// <summary>The ClusterRole whose rules to grant within the binding's namespace.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ClusterRoleSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ClusterRoleCompleter))]
    public string ClusterRole { get; set; } = string.Empty;

    /// <summary>Creates the RoleBinding and writes it.</summary>
    protected override void ProcessRecord()
    {
        var ns = Settings.Namespace;
        Create(PermissionMapping.Target("RoleBinding", ns, Name),
            () => new RoleBinding
            {
                Metadata = Metadata(ns),
                RoleRef = new RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = ParameterSetName, Name = ParameterSetName == RoleSet ? Role : ClusterRole },
                Subjects = Subjects(ns),
            },
            binding => RbacValidation.ValidateRoleBinding(binding),
            (objects, binding, token) => objects.CreateRoleBindingAsync(binding, token),
            PermissionMapping.ToBindingInfo);
    }
}
