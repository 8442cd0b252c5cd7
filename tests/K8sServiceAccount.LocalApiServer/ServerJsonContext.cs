using System.Text.Json.Serialization;
using K8sServiceAccount.Client.Models;

namespace K8sServiceAccount.LocalApiServer;

/// <summary>Source-generated JSON metadata for the few shapes the server serializes beyond the client's context.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(List<PolicyRule>))]
internal sealed partial class ServerJsonContext : JsonSerializerContext
{
}
