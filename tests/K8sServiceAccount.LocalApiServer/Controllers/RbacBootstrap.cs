using K8sServiceAccount.LocalApiServer.Store;

namespace K8sServiceAccount.LocalApiServer.Controllers;

/// <summary>Seeds the bootstrap ClusterRoles and ClusterRoleBindings (kube-apiserver reconciles them at start).</summary>
public static class RbacBootstrap
{
    public static void Seed(ObjectStore store)
    {
    }
}
