using K8sServiceAccount.Client.Models;

namespace K8sServiceAccount.Client.Rbac;

/// <summary>
/// Read access to the RBAC objects an authorizer evaluates. The local API server implements it over its store;
/// offline checks use <see cref="InMemoryRbacPolicy"/>. Implementations must be safe for concurrent readers.
/// </summary>
public interface IRbacPolicy
{
    /// <summary>Every ClusterRoleBinding.</summary>
    IEnumerable<ClusterRoleBinding> ClusterRoleBindings { get; }

    /// <summary>The RoleBindings stored in <paramref name="namespace"/> (none for <c>""</c>).</summary>
    IEnumerable<RoleBinding> RoleBindingsIn(string @namespace);

    /// <summary>The ClusterRole named <paramref name="name"/>, or null.</summary>
    ClusterRole? GetClusterRole(string name);

    /// <summary>The Role named <paramref name="name"/> in <paramref name="namespace"/>, or null.</summary>
    Role? GetRole(string @namespace, string name);
}
