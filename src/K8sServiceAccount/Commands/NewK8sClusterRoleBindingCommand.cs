using System.Collections;
using System.Management.Automation;
using K8sServiceAccount.Client;
using K8sServiceAccount.Client.Models;
using K8sServiceAccount.Client.Permissions;
using K8sServiceAccount.Internal;

namespace K8sServiceAccount.Commands;

/// <summary>
/// Creates a ClusterRoleBinding: grants a ClusterRole in every namespace and at cluster scope to ServiceAccounts, users
/// and groups. Binding a ClusterRole whose permissions you do not hold needs 'bind' on it: the refusal
/// (RbacEscalationForbidden) names what is missing and keeps the server's text.
/// </summary>
[Cmdlet(VerbsCommon.New, "K8sClusterRoleBinding", SupportsShouldProcess = true)]
[OutputType(typeof(K8sRoleBindingInfo))]
public sealed class NewK8sClusterRoleBindingCommand : K8sClusterCmdlet
{
    /// <summary>The ClusterRoleBinding's name.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = string.Empty;

    /// <summary>The ClusterRole to grant.</summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string ClusterRole { get; set; } = string.Empty;

    /// <summary>ServiceAccounts to bind: NAMESPACE:NAME (as kubectl --serviceaccount) or NAMESPACE/NAME; the namespace is required.</summary>
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

    /// <summary>Labels to put on the ClusterRoleBinding, as a hashtable of strings (@{ app = 'web' }).</summary>
    [Parameter]
    public Hashtable? Label { get; set; }

    /// <summary>Creates the ClusterRoleBinding and writes it.</summary>
    protected override void ProcessRecord()
    {
        var target = PermissionMapping.Target("ClusterRoleBinding", null, Name);
        try
        {
            var binding = new ClusterRoleBinding
            {
                Metadata = new ObjectMeta { Name = Name, Labels = PermissionMapping.Labels(Label) },
                RoleRef = new RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = ClusterRole },
                Subjects = PermissionMapping.BindingSubjects(ServiceAccount, User, Group, null),
            };
            // Before ShouldProcess, so that -WhatIf reports a bad name or subject too; nothing is sent for it.
            RbacValidation.ValidateClusterRoleBinding(binding);
            if (!ShouldProcess(target, "Create"))
            {
                return;
            }

            WriteObject(PermissionMapping.ToBindingInfo(Invoke((connection, token) => new RbacObjectOperations(connection).CreateClusterRoleBindingAsync(binding, token))));
        }
        catch (K8sClientException e)
        {
            WriteErrorFor(e, target);
        }
    }
}
