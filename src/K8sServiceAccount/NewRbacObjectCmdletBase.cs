using System.Collections;
using System.Management.Automation;
using K8sServiceAccount.Client;
using K8sServiceAccount.Client.Models;
using K8sServiceAccount.Client.Permissions;
using K8sServiceAccount.Internal;
using K8sServiceAccount.Completion;

namespace K8sServiceAccount;

/// <summary>
/// Shared parameters and behaviour of New-K8sRole, New-K8sClusterRole, New-K8sRoleBinding and New-K8sClusterRoleBinding:
/// -Name and -Label, and the creation step: the object is built and validated as the API server would before
/// ShouldProcess (so -WhatIf reports a bad name, rule or subject too, and nothing is sent for it), then created and
/// written; a failure is an error for that object and the pipeline goes on.
/// </summary>
public abstract class NewRbacObjectCmdletBase : NamespacedObjectCmdletBase
{
    /// <summary>The new object's name.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = string.Empty;

    /// <summary>Labels to put on the new object, as a hashtable of strings (@{ app = 'web' }).</summary>
    [Parameter]
    public Hashtable? Label { get; set; }

    // Only this module's cmdlets derive from it: the hooks they use name client types and stay off the public surface.
    private protected NewRbacObjectCmdletBase()
    {
    }

    /// <summary>The metadata of the new object: -Name, -Label and, for a namespaced kind, the namespace.</summary>
    private protected ObjectMeta Metadata(string? @namespace) =>
        new() { Name = Name, Namespace = @namespace, Labels = PermissionMapping.Labels(Label) };

    /// <summary>Builds, validates, asks ShouldProcess, creates and writes one object (see the type remarks).</summary>
    private protected void Create<T>(
        string target,
        Func<T> build,
        Action<T> validate,
        Func<RbacObjectOperations, T, CancellationToken, Task<T>> create,
        Func<T, object> describe)
    {
        try
        {
            var item = build();
            validate(item);
            if (!ShouldProcess(target, "Create"))
            {
                return;
            }

            WriteObject(describe(Invoke((connection, token) => create(new RbacObjectOperations(connection), item, token))));
        }
        catch (K8sClientException e)
        {
            WriteErrorFor(e, target);
        }
    }
}

/// <summary>The subjects of New-K8sRoleBinding and New-K8sClusterRoleBinding: -ServiceAccount, -User and -Group.</summary>
public abstract class NewRbacBindingCmdletBase : NewRbacObjectCmdletBase
{
    /// <summary>
    /// ServiceAccounts to bind: NAMESPACE:NAME (as kubectl --serviceaccount) or NAMESPACE/NAME; in a RoleBinding a bare
    /// NAME is in the binding's namespace.
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ServiceAccountCompleter))]
    public string[]? ServiceAccount { get; set; }

    /// <summary>Users to bind.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? User { get; set; }

    /// <summary>Groups to bind (system:serviceaccounts:NAMESPACE binds every ServiceAccount of that namespace).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Group { get; set; }

    private protected NewRbacBindingCmdletBase()
    {
    }

    /// <summary>The binding's subjects; a bare ServiceAccount name is in <paramref name="bindingNamespace"/> (null: required).</summary>
    private protected List<Subject> Subjects(string? bindingNamespace) =>
        PermissionMapping.BindingSubjects(ServiceAccount, User, Group, bindingNamespace);
}
