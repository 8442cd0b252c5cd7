using System.Collections;
using System.Management.Automation;
using K8sServiceAccount.Client;
using K8sServiceAccount.Client.Models;
using K8sServiceAccount.Client.Permissions;
using K8sServiceAccount.Internal;

namespace K8sServiceAccount.Commands;

/// <summary>
/// Creates a RoleBinding: grants a Role, or a ClusterRole's rules within the binding's namespace, to ServiceAccounts,
/// users and groups. Binding a role whose permissions you do not hold needs 'bind' on it: the refusal
/// (RbacEscalationForbidden) names what is missing and keeps the server's text.
/// </summary>
[Cmdlet(VerbsCommon.New, "K8sRoleBinding", SupportsShouldProcess = true, DefaultParameterSetName = RoleSet)]
[OutputType(typeof(K8sRoleBindingInfo))]
public sealed class NewK8sRoleBindingCommand : K8sClusterCmdlet
{
    private const string RoleSet = "Role";
    private const string ClusterRoleSet = "ClusterRole";

    /// <summary>The RoleBinding's name.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = string.Empty;

    /// <summary>The Role to grant (in the binding's namespace).</summary>
    [Parameter(Mandatory = true, ParameterSetName = RoleSet)]
    [ValidateNotNullOrEmpty]
    public string Role { get; set; } = string.Empty;

    /// <summary>The ClusterRole whose rules to grant within the binding's namespace.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ClusterRoleSet)]
    [ValidateNotNullOrEmpty]
    public string ClusterRole { get; set; } = string.Empty;

    /// <summary>ServiceAccounts to bind: NAMESPACE:NAME (as kubectl --serviceaccount), NAMESPACE/NAME, or NAME in the binding's namespace.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? ServiceAccount { get; set; }

    /// <summary>Users to bind.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? User { get; set; }

    /// <summary>Groups to bind (system:serviceaccounts:NAMESPACE binds every ServiceAccount of that namespace).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Group { get; set; }

    /// <summary>Labels to put on the RoleBinding, as a hashtable of strings (@{ app = 'web' }).</summary>
    [Parameter]
    public Hashtable? Label { get; set; }

    /// <summary>Creates the RoleBinding and writes it.</summary>
    protected override void ProcessRecord()
    {
        var ns = Settings.Namespace;
        var target = PermissionMapping.Target("RoleBinding", ns, Name);
        try
        {
            var binding = new RoleBinding
            {
                Metadata = new ObjectMeta { Name = Name, Namespace = ns, Labels = PermissionMapping.Labels(Label) },
                RoleRef = new RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = ParameterSetName, Name = ParameterSetName == RoleSet ? Role : ClusterRole },
                Subjects = PermissionMapping.BindingSubjects(ServiceAccount, User, Group, ns),
            };
            // Before ShouldProcess, so that -WhatIf reports a bad name or subject too; nothing is sent for it.
            RbacValidation.ValidateRoleBinding(binding);
            if (!ShouldProcess(target, "Create"))
            {
                return;
            }

            WriteObject(PermissionMapping.ToBindingInfo(Invoke((connection, token) => new RbacObjectOperations(connection).CreateRoleBindingAsync(binding, token))));
        }
        catch (K8sClientException e)
        {
            WriteErrorFor(e, target);
        }
    }
}
