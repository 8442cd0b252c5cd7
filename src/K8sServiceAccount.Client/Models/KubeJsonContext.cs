using System.Text.Json.Serialization;

namespace K8sServiceAccount.Client.Models;

/// <summary>Source-generated System.Text.Json metadata for every wire type (no reflection at run time).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(Status))]
[JsonSerializable(typeof(DeleteOptions))]
[JsonSerializable(typeof(PartialObjectMetadata))]
[JsonSerializable(typeof(ServiceAccount))]
[JsonSerializable(typeof(ServiceAccountList))]
[JsonSerializable(typeof(WatchEvent<ServiceAccount>))]
[JsonSerializable(typeof(Secret))]
[JsonSerializable(typeof(SecretList))]
[JsonSerializable(typeof(WatchEvent<Secret>))]
[JsonSerializable(typeof(WatchEvent<Status>))]
[JsonSerializable(typeof(Namespace))]
[JsonSerializable(typeof(NamespaceList))]
[JsonSerializable(typeof(TokenRequest))]
[JsonSerializable(typeof(TokenReview))]
[JsonSerializable(typeof(SelfSubjectReview))]
[JsonSerializable(typeof(SubjectAccessReview))]
[JsonSerializable(typeof(SelfSubjectRulesReview))]
[JsonSerializable(typeof(Role))]
[JsonSerializable(typeof(ClusterRole))]
[JsonSerializable(typeof(RoleBinding))]
[JsonSerializable(typeof(ClusterRoleBinding))]
[JsonSerializable(typeof(RoleList))]
[JsonSerializable(typeof(ClusterRoleList))]
[JsonSerializable(typeof(RoleBindingList))]
[JsonSerializable(typeof(ClusterRoleBindingList))]
[JsonSerializable(typeof(ApiVersions))]
[JsonSerializable(typeof(ApiGroupList))]
[JsonSerializable(typeof(ApiResourceList))]
[JsonSerializable(typeof(Workload))]
[JsonSerializable(typeof(WorkloadList))]
public sealed partial class KubeJsonContext : JsonSerializerContext
{
}
