using System.Text.Json;
using System.Text.Json.Nodes;
using K8sServiceAccount.LocalApiServer.Api.Protobuf;
using Microsoft.AspNetCore.Http;

namespace K8sServiceAccount.LocalApiServer.Api;

/// <summary>Reading request bodies and writing JSON answers, with the API server's limits and media types.</summary>
public static class HttpIo
{
    /// <summary>kube-apiserver's limit for request bodies (3 MiB).</summary>
    public const int MaxBodyBytes = 3 * 1024 * 1024;

    private static readonly JsonDocumentOptions ParseOptions = new() { MaxDepth = 256 };

    /// <summary>Reads the whole body, failing with 413 beyond the limit.</summary>
    public static async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength is long known)
        {
            if (known > MaxBodyBytes) throw ApiError.RequestEntityTooLarge(MaxBodyBytes);
            byte[] exact = new byte[known];
            int read = await request.Body.ReadAtLeastAsync(exact, exact.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            if (read < exact.Length) throw ApiError.BadRequest("the request body is shorter than its Content-Length");
            return exact;
        }
        using var buffer = new MemoryStream();
        byte[] chunk = System.Buffers.ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            while (true)
            {
                int read = await request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false);
                if (read == 0) break;
                if (buffer.Length + read > MaxBodyBytes) throw ApiError.RequestEntityTooLarge(MaxBodyBytes);
                buffer.Write(chunk, 0, read);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(chunk);
        }
        return buffer.ToArray();
    }

    /// <summary>The media type of the request without parameters, lower-cased ("" when absent).</summary>
    public static string MediaType(HttpRequest request)
    {
        string? contentType = request.ContentType;
        if (string.IsNullOrEmpty(contentType)) return "";
        int semicolon = contentType.IndexOf(';');
        return (semicolon < 0 ? contentType : contentType[..semicolon]).Trim().ToLowerInvariant();
    }

    /// <summary>
    /// Parses the body of a create/update of <paramref name="kind"/>: JSON, or Kubernetes protobuf for the kinds
    /// <see cref="ProtobufBody"/> decodes (as the JSON the client would have sent); 415 for other media types,
    /// 400 for a malformed body.
    /// </summary>
    public static JsonNode ParseBody(HttpRequest request, byte[] body, string group, string version, string kind)
    {
        string mediaType = MediaType(request);
        bool protobuf = ProtobufBody.Decodes(group, kind);
        if (protobuf && mediaType == ProtobufBody.MediaType) return ProtobufBody.Decode(body, group, version, kind);
        if (mediaType is not ("" or "application/json" or "*/*"))
        {
            throw ApiError.UnsupportedMediaType(protobuf ? ["application/json", ProtobufBody.MediaType] : ["application/json"]);
        }
        return ParseJson(body);
    }

    /// <summary>
    /// 406 when the Accept header admits no JSON (the server writes no other format), as the API server answers a
    /// media type it cannot produce. Clients that prefer protobuf list JSON after it ("...protobuf,application/json").
    /// </summary>
    public static void CheckAcceptsJson(HttpRequest request)
    {
        string accept = request.Headers.Accept.ToString();
        if (accept.Length == 0) return;
        foreach (string range in accept.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int semicolon = range.IndexOf(';');
            string type = (semicolon < 0 ? range : range[..semicolon]).Trim().ToLowerInvariant();
            if (type is "application/json" or "*/*" or "application/*") return;
        }
        throw ApiError.NotAcceptable(["application/json"]);
    }

    /// <summary>Parses JSON; 400 with the decoder's complaint when it is not well-formed.</summary>
    public static JsonNode ParseJson(byte[] body)
    {
        try
        {
            return JsonNode.Parse(body, documentOptions: ParseOptions)
                ?? throw ApiError.BadRequest("Object 'Kind' is missing in 'null'");
        }
        catch (JsonException e)
        {
            throw ApiError.BadRequest($"couldn't get version/kind; json parse error: {Describe(e)}");
        }
    }

    /// <summary>The parser's complaint without .NET's position suffix (the API server reports only the problem).</summary>
    private static string Describe(JsonException e)
    {
        string message = e.Message;
        int position = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return (position < 0 ? message : message[..position]).Trim();
    }

    public static Task WriteJsonAsync(HttpContext http, int statusCode, JsonNode body, string contentType = "application/json")
    {
        byte[] bytes = Json.ToUtf8(body);
        return WriteJsonBytesAsync(http, statusCode, bytes, contentType);
    }

    public static Task WriteJsonBytesAsync(HttpContext http, int statusCode, byte[] body, string contentType = "application/json")
    {
        http.Response.StatusCode = statusCode;
        http.Response.ContentType = contentType;
        http.Response.ContentLength = body.Length;
        return http.Request.Method == "HEAD" ? Task.CompletedTask : http.Response.Body.WriteAsync(body, 0, body.Length, http.RequestAborted);
    }

    public static Task WriteTextAsync(HttpContext http, int statusCode, string text)
    {
        http.Response.StatusCode = statusCode;
        http.Response.ContentType = "text/plain; charset=utf-8";
        return http.Response.WriteAsync(text, http.RequestAborted);
    }

    public static Task WriteStatusAsync(HttpContext http, ApiError error)
    {
        if (error.RetryAfterSeconds is > 0) http.Response.Headers.RetryAfter = error.RetryAfterSeconds.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return WriteJsonAsync(http, error.Code, error.ToStatus());
    }

    /// <summary>Writes a node's JSON, leaving out the given top-level keys (list items carry no kind/apiVersion).</summary>
    public static void WriteWithout(Utf8JsonWriter writer, byte[] objectJson, string skip1, string skip2)
    {
        using JsonDocument document = JsonDocument.Parse(objectJson);
        writer.WriteStartObject();
        foreach (JsonProperty property in document.RootElement.EnumerateObject())
        {
            if (property.NameEquals(skip1) || property.NameEquals(skip2)) continue;
            property.WriteTo(writer);
        }
        writer.WriteEndObject();
    }

    /// <summary>True when the Accept header asks for a server-side Table.</summary>
    public static bool WantsTable(HttpRequest request)
    {
        string accept = request.Headers.Accept.ToString();
        return accept.Contains("as=Table", StringComparison.Ordinal);
    }

    /// <summary>Reads a string value out of a node ("" when missing or not a string).</summary>
    public static string Str(JsonNode? node) => node is JsonValue v && v.TryGetValue(out string? s) ? s : "";
}
