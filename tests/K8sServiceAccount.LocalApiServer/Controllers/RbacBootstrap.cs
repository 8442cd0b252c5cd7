using System.Text.Json;
using System.Text.Json.Nodes;
using K8sServiceAccount.Client.Models;
using K8sServiceAccount.Client.Rbac;
using K8sServiceAccount.LocalApiServer.Api;
using K8sServiceAccount.LocalApiServer.Store;

namespace K8sServiceAccount.LocalApiServer.Controllers;

/// <summary>
/// Seeds the bootstrap ClusterRoles and ClusterRoleBindings of the client's <see cref="BootstrapPolicy"/>
/// (kube-apiserver reconciles the same set at every start).
/// </summary>
public static class RbacBootstrap
{
    public static void Seed(ObjectStore store)
    {
        foreach (ClusterRole role in BootstrapPolicy.ClusterRoles)
        {
            Create(store, ResourceType.ClusterRoles, JsonSerializer.SerializeToNode(role, KubeJsonContext.Default.ClusterRole));
        }
        foreach (ClusterRoleBinding binding in BootstrapPolicy.ClusterRoleBindings)
        {
            Create(store, ResourceType.ClusterRoleBindings, JsonSerializer.SerializeToNode(binding, KubeJsonContext.Default.ClusterRoleBinding));
        }
    }

    private static void Create(ObjectStore store, ResourceType type, JsonNode? node)
    {
        if (node is not JsonObject obj) return;
        var ordered = new JsonObject
        {
            ["kind"] = type.Kind,
            ["apiVersion"] = type.GroupVersion,
            ["metadata"] = obj["metadata"]?.DeepClone() ?? new JsonObject(),
        };
        foreach (var (key, value) in obj)
        {
            if (key is not ("kind" or "apiVersion" or "metadata")) ordered[key] = value?.DeepClone();
        }
        try
        {
            store.Create(type, ordered);
        }
        catch (ApiError e) when (e.Code == 409)
        {
            // Already present (the store outlives nothing, but be idempotent).
        }
    }
}
