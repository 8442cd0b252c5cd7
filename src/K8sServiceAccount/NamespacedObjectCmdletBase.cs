using System.Management.Automation;
using K8sServiceAccount.Completion;

namespace K8sServiceAccount;

/// <summary>
/// Base of the cmdlets that work on objects living in a namespace (ServiceAccounts and their tokens, Roles and
/// RoleBindings, Grant-/Revoke-K8sPermission): they also take -Namespace from a piped object's Namespace property, so
/// Get-X | Verb-X works on each object in its own namespace. Other cluster cmdlets take -Namespace only as given, so that
/// a piped object of another kind never changes the namespace they work in (DESIGN.md).
/// </summary>
public abstract class NamespacedObjectCmdletBase : K8sClusterCmdlet
{
    // Only this module's cmdlets derive from it.
    private protected NamespacedObjectCmdletBase()
    {
    }

    /// <summary>
    /// The namespace to use instead of the context's (or, in a Pod, its own) namespace; also bound from piped objects'
    /// Namespace property, so each piped object is worked on in its own namespace. Null or empty means the default.
    /// </summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("n")]
    [ValidateNamespace]
    [ArgumentCompleter(typeof(NamespaceCompleter))]
    public new string? Namespace
    {
        get => base.Namespace;
        set => base.Namespace = value;
    }
}
