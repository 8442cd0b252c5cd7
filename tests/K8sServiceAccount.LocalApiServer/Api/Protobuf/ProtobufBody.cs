using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace K8sServiceAccount.LocalApiServer.Api.Protobuf;

/// <summary>
/// Kubernetes protobuf request bodies ("application/vnd.kubernetes.protobuf", sent by kubectl 1.32 and later and
/// by client-go's typed clients): the "k8s\0" magic, the runtime.Unknown envelope, then the typed message. The
/// result is the JSON object the same client would have sent as JSON, so the JSON path keeps every rule.
/// </summary>
public static class ProtobufBody
{
    public const string MediaType = "application/vnd.kubernetes.protobuf";

    private static ReadOnlySpan<byte> Magic => "k8s\0"u8;

    /// <summary>
    /// Decodes a body sent to an endpoint of <paramref name="kind"/> in <paramref name="group"/>/<paramref name="version"/>.
    /// A malformed body is the API server's 400; a kind this server has no message for comes back as its bare
    /// kind and apiVersion, for the JSON path to refuse as it refuses such JSON.
    /// </summary>
    public static JsonObject Decode(byte[] body, string group, string version, string kind)
    {
        if (body.Length == 0) throw Unrecognized(kind, "empty data", body);
        if (!body.AsSpan().StartsWith(Magic))
        {
            throw Unrecognized(kind, "provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]", body);
        }
        if (body.Length == Magic.Length) throw Unrecognized(kind, "empty body", body);

        string apiVersion = "", kindInData = "";
        ReadOnlySpan<byte> raw = default;
        try
        {
            var envelope = new ProtoReader(body.AsSpan(Magic.Length));
            while (!envelope.AtEnd)
            {
                (int field, int wireType) = envelope.ReadTag("Unknown");
                switch (field)
                {
                    case 1:
                        ExpectWireType(wireType, ProtoReader.LengthDelimited, "TypeMeta");
                        (apiVersion, kindInData) = ReadTypeMeta(envelope.ReadLengthDelimited());
                        break;
                    case 2:
                        ExpectWireType(wireType, ProtoReader.LengthDelimited, "Raw");
                        raw = envelope.ReadLengthDelimited();
                        break;
                    case 3 or 4:
                        // contentEncoding and contentType: Go's decoder stores them and reads Raw as protobuf regardless.
                        ExpectWireType(wireType, ProtoReader.LengthDelimited, field == 3 ? "ContentEncoding" : "ContentType");
                        envelope.ReadLengthDelimited();
                        break;
                    default:
                        envelope.Skip(wireType);
                        break;
                }
            }
        }
        catch (ProtoException e)
        {
            throw Unrecognized(kind, e.Message, body);
        }

        // As Go's copyKindDefaults: a missing kind or version is the endpoint's.
        string actualKind = kindInData.Length > 0 ? kindInData : kind;
        (string actualGroup, string actualVersion) = apiVersion.Length > 0 ? SplitApiVersion(apiVersion) : (group, version);
        var result = new JsonObject();
        if (kindInData.Length > 0) result["kind"] = kindInData;
        if (apiVersion.Length > 0) result["apiVersion"] = apiVersion;
        ProtoMessage? message = ProtoSchema.Find(actualGroup, actualKind);
        if (message is null) return result;
        try
        {
            // Typed messages have no kind or apiVersion fields: those stay the envelope's.
            var reader = new ProtoReader(raw);
            ReadMessage(ref reader, message, result);
        }
        catch (ProtoException e)
        {
            throw ApiError.BadRequest($"{actualKind} in version \"{actualVersion}\" cannot be handled as a {kind}: {e.Message}");
        }
        return result;
    }

    /// <summary>True when the server decodes protobuf bodies of this kind.</summary>
    public static bool Decodes(string group, string kind) => ProtoSchema.Find(group, kind) is not null;

    private static (string Group, string Version) SplitApiVersion(string apiVersion)
    {
        int slash = apiVersion.IndexOf('/');
        return slash < 0 ? ("", apiVersion) : (apiVersion[..slash], apiVersion[(slash + 1)..]);
    }

    private static (string ApiVersion, string Kind) ReadTypeMeta(ReadOnlySpan<byte> data)
    {
        // runtime.TypeMeta numbers apiVersion 1 and kind 2 (meta/v1 TypeMeta has them the other way round).
        string apiVersion = "", kind = "";
        var reader = new ProtoReader(data);
        while (!reader.AtEnd)
        {
            (int field, int wireType) = reader.ReadTag("TypeMeta");
            switch (field)
            {
                case 1:
                    ExpectWireType(wireType, ProtoReader.LengthDelimited, "APIVersion");
                    apiVersion = Utf8(reader.ReadLengthDelimited());
                    break;
                case 2:
                    ExpectWireType(wireType, ProtoReader.LengthDelimited, "Kind");
                    kind = Utf8(reader.ReadLengthDelimited());
                    break;
                default:
                    reader.Skip(wireType);
                    break;
            }
        }
        return (apiVersion, kind);
    }

    /// <summary>
    /// Reads one message into JSON. Depth is bounded by the schema (no message contains itself), lengths by the
    /// input; unknown fields are skipped as Go's generated decoders skip them.
    /// </summary>
    private static JsonObject ReadMessage(ref ProtoReader reader, ProtoMessage message, JsonObject? into = null)
    {
        JsonObject result = into ?? new JsonObject();
        while (!reader.AtEnd)
        {
            (int number, int wireType) = reader.ReadTag(message.Name);
            if (!message.Fields.TryGetValue(number, out ProtoField? field))
            {
                reader.Skip(wireType);
                continue;
            }
            ExpectWireType(wireType, field.WireType, field.GoName);
            switch (field.Type)
            {
                case ProtoType.Message:
                {
                    var nested = new ProtoReader(reader.ReadLengthDelimited());
                    if (field.Repeated)
                    {
                        Array(result, field.JsonName).Add(ReadMessage(ref nested, field.Message!));
                    }
                    else
                    {
                        // A repeated occurrence of a singular message merges into the first, as in Go.
                        ReadMessage(ref nested, field.Message!, result[field.JsonName] as JsonObject ?? Set(result, field.JsonName, new JsonObject()));
                    }
                    break;
                }
                case ProtoType.StringMap or ProtoType.BytesMap or ProtoType.StringListMap:
                {
                    var entry = new ProtoReader(reader.ReadLengthDelimited());
                    (string key, JsonNode value) = ReadMapEntry(ref entry, field);
                    (result[field.JsonName] as JsonObject ?? Set(result, field.JsonName, new JsonObject()))[key] = value;
                    break;
                }
                default:
                {
                    JsonNode? value = ReadScalar(ref reader, field);
                    if (field.Repeated) Array(result, field.JsonName).Add(value);
                    else if (value is null) result.Remove(field.JsonName);
                    else result[field.JsonName] = value;
                    break;
                }
            }
        }
        DropZeroValues(result, message);
        return result;
    }

    /// <summary>A scalar as JSON; null for what JSON would leave out (a zero Time).</summary>
    private static JsonNode? ReadScalar(ref ProtoReader reader, ProtoField field)
    {
        switch (field.Type)
        {
            case ProtoType.String:
                return JsonValue.Create(Utf8(reader.ReadLengthDelimited()));
            case ProtoType.Bytes:
                return JsonValue.Create(Convert.ToBase64String(reader.ReadLengthDelimited()));
            case ProtoType.Bool:
                return JsonValue.Create(reader.ReadVarint() != 0);
            case ProtoType.Int64:
                return JsonValue.Create(unchecked((long)reader.ReadVarint()));
            case ProtoType.Int32:
                return JsonValue.Create(unchecked((int)reader.ReadVarint()));
            case ProtoType.Time:
                return ReadTime(reader.ReadLengthDelimited());
            case ProtoType.FieldsV1:
                return ReadFieldsV1(reader.ReadLengthDelimited());
            default:
                throw new InvalidOperationException($"unhandled protobuf field type {field.Type}");
        }
    }

    private static JsonNode? ReadTime(ReadOnlySpan<byte> data)
    {
        // metav1.Time writes nothing for the zero time, which JSON writes as null.
        if (data.IsEmpty) return null;
        long seconds = 0;
        var reader = new ProtoReader(data);
        while (!reader.AtEnd)
        {
            (int field, int wireType) = reader.ReadTag("Timestamp");
            if (field == 1)
            {
                ExpectWireType(wireType, ProtoReader.Varint, "Seconds");
                seconds = unchecked((long)reader.ReadVarint());
            }
            else if (field == 2)
            {
                ExpectWireType(wireType, ProtoReader.Varint, "Nanos");
                reader.ReadVarint();
            }
            else
            {
                reader.Skip(wireType);
            }
        }
        if (seconds < -62135596800 || seconds > 253402300799) throw new ProtoException("Time.MarshalJSON: year outside of range [0,9999]");
        return JsonValue.Create(DateTimeOffset.FromUnixTimeSeconds(seconds).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
    }

    private static JsonNode? ReadFieldsV1(ReadOnlySpan<byte> data)
    {
        ReadOnlySpan<byte> raw = default;
        var reader = new ProtoReader(data);
        while (!reader.AtEnd)
        {
            (int field, int wireType) = reader.ReadTag("FieldsV1");
            if (field == 1)
            {
                ExpectWireType(wireType, ProtoReader.LengthDelimited, "Raw");
                raw = reader.ReadLengthDelimited();
            }
            else
            {
                reader.Skip(wireType);
            }
        }
        if (raw.IsEmpty) return new JsonObject();
        try
        {
            return JsonNode.Parse(raw, documentOptions: new JsonDocumentOptions { MaxDepth = 64 }) ?? new JsonObject();
        }
        catch (JsonException)
        {
            throw new ProtoException("metadata.managedFields.fieldsV1: the raw fields are not JSON");
        }
    }

    private static (string Key, JsonNode Value) ReadMapEntry(ref ProtoReader entry, ProtoField field)
    {
        string key = "";
        JsonNode value = field.Type == ProtoType.StringListMap ? new JsonArray() : JsonValue.Create("");
        while (!entry.AtEnd)
        {
            (int number, int wireType) = entry.ReadTag(field.GoName);
            if (number is not (1 or 2))
            {
                entry.Skip(wireType);
                continue;
            }
            ExpectWireType(wireType, ProtoReader.LengthDelimited, field.GoName);
            ReadOnlySpan<byte> bytes = entry.ReadLengthDelimited();
            if (number == 1)
            {
                key = Utf8(bytes);
                continue;
            }
            value = field.Type switch
            {
                ProtoType.BytesMap => JsonValue.Create(Convert.ToBase64String(bytes)),
                ProtoType.StringListMap => ReadStringList(bytes),
                _ => JsonValue.Create(Utf8(bytes)),
            };
        }
        return (key, value);
    }

    /// <summary>ExtraValue / AttestationValue: {repeated string items = 1}, an array in JSON.</summary>
    private static JsonArray ReadStringList(ReadOnlySpan<byte> data)
    {
        var items = new JsonArray();
        var reader = new ProtoReader(data);
        while (!reader.AtEnd)
        {
            (int field, int wireType) = reader.ReadTag("ExtraValue");
            if (field != 1)
            {
                reader.Skip(wireType);
                continue;
            }
            ExpectWireType(wireType, ProtoReader.LengthDelimited, "Items");
            items.Add(Utf8(reader.ReadLengthDelimited()));
        }
        return items;
    }

    /// <summary>
    /// Go's protobuf encoder writes every non-pointer field, zero or not; JSON's omitempty leaves the zero ones out.
    /// Fields JSON writes when zero (<see cref="ProtoField.KeepZero"/>) and messages stay.
    /// </summary>
    private static void DropZeroValues(JsonObject obj, ProtoMessage message)
    {
        foreach (ProtoField field in message.Fields.Values)
        {
            if (field.KeepZero || field.Type == ProtoType.Message || obj[field.JsonName] is not { } value) continue;
            bool zero = value switch
            {
                JsonArray array => array.Count == 0,
                JsonObject map => map.Count == 0,
                JsonValue v when v.TryGetValue(out string? s) => s.Length == 0,
                JsonValue v when v.TryGetValue(out bool b) => !b,
                JsonValue v when v.TryGetValue(out long l) => l == 0,
                JsonValue v when v.TryGetValue(out int i) => i == 0,
                _ => false,
            };
            if (zero) obj.Remove(field.JsonName);
        }
    }

    private static void ExpectWireType(int actual, int expected, string goName)
    {
        if (actual != expected) throw new ProtoException($"proto: wrong wireType = {actual} for field {goName}");
    }

    private static JsonArray Array(JsonObject obj, string name) => obj[name] as JsonArray ?? Set(obj, name, new JsonArray());

    private static T Set<T>(JsonObject obj, string name, T value) where T : JsonNode
    {
        obj[name] = value;
        return value;
    }

    private static string Utf8(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);

    /// <summary>The API server's 400 for a body it cannot even recognize: the error and the body's first 30 bytes.</summary>
    private static ApiError Unrecognized(string kind, string error, byte[] body) =>
        ApiError.BadRequest($"the object provided is unrecognized (must be of type {kind}): {error} ({Summarize(body)})");

    private static string Summarize(byte[] body)
    {
        const int MaxLength = 30;
        if (body.Length == 0) return "<empty>";
        bool longer = body.Length > MaxLength;
        ReadOnlySpan<byte> head = body.AsSpan(0, Math.Min(body.Length, MaxLength));
        string text = body[0] == (byte)'{' ? Encoding.UTF8.GetString(head) : Convert.ToHexStringLower(head);
        return longer ? text + " ..." : text;
    }
}
