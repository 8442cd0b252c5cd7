using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using K8sServiceAccount.Client.Models;
using K8sServiceAccount.LocalApiServer.Store;

namespace K8sServiceAccount.LocalApiServer.Api;

/// <summary>
/// The decoder's type check: fields the server models must have their JSON types (labels are strings,
/// rules are lists, Secret data is base64, ...), otherwise the API server's 400
/// "X in version "v1" cannot be handled as a X". Unknown fields are kept as given.
/// </summary>
public static class ShapeCheck
{
    public static void Validate(ResourceType type, JsonObject obj)
    {
        JsonTypeInfo? typed = type.Kind switch
        {
            "ServiceAccount" => KubeJsonContext.Default.ServiceAccount,
            "Secret" => KubeJsonContext.Default.Secret,
            "Namespace" => KubeJsonContext.Default.Namespace,
            "Role" => KubeJsonContext.Default.Role,
            "ClusterRole" => KubeJsonContext.Default.ClusterRole,
            "RoleBinding" => KubeJsonContext.Default.RoleBinding,
            "ClusterRoleBinding" => KubeJsonContext.Default.ClusterRoleBinding,
            _ => null,
        };
        try
        {
            if (typed is not null)
            {
                obj.Deserialize(typed);
            }
            else
            {
                // Every other kind is stored as given; its metadata still has to be ObjectMeta, and spec/status objects.
                new JsonObject { ["metadata"] = obj["metadata"]?.DeepClone() }.Deserialize(KubeJsonContext.Default.ServiceAccount);
                foreach (string field in new[] { "spec", "status" })
                {
                    if (obj[field] is { } value && value is not JsonObject)
                    {
                        throw new JsonException($"json: cannot unmarshal {value.GetValueKind().ToString().ToLowerInvariant()} into Go struct field {type.Kind}.{field} of type object");
                    }
                }
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            string detail = e.Message;
            int position = detail.IndexOf(" | LineNumber", StringComparison.Ordinal);
            if (position >= 0) detail = detail[..position];
            throw ApiError.BadRequest($"{type.Kind} in version \"{type.Version}\" cannot be handled as a {type.Kind}: {detail}");
        }
    }
}
