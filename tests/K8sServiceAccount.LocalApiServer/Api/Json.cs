using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace K8sServiceAccount.LocalApiServer.Api;

/// <summary>
/// JSON output as the API server writes it: quotes escaped as \" and non-ASCII text kept readable
/// (System.Text.Json's default encoder would write \u0022 and escape every non-ASCII character).
/// </summary>
public static class Json
{
    public static readonly JsonSerializerOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static byte[] ToUtf8(JsonNode node) => JsonSerializer.SerializeToUtf8Bytes(node, Options);
}
