using System.Globalization;
using System.Text.Json.Nodes;

namespace K8sServiceAccount.LocalApiServer.Api;

/// <summary>
/// The three patch formats the API server accepts: JSON merge patch (RFC 7386), JSON patch (RFC 6902)
/// and strategic merge patch (merge patch plus keyed list merging for the list fields of the served types).
/// </summary>
public static class Patching
{
    public const string JsonPatch = "application/json-patch+json";
    public const string MergePatch = "application/merge-patch+json";
    public const string StrategicMergePatch = "application/strategic-merge-patch+json";
    public static readonly string[] Supported = [JsonPatch, MergePatch, StrategicMergePatch];

    /// <summary>
    /// List fields merged by key in a strategic merge patch (patchStrategy=merge in the Kubernetes types),
    /// by field name; every other list is replaced as a whole, as with atomic lists upstream.
    /// </summary>
    private static readonly Dictionary<string, string> MergeKeys = new(StringComparer.Ordinal)
    {
        ["containers"] = "name",
        ["initContainers"] = "name",
        ["ephemeralContainers"] = "name",
        ["volumes"] = "name",
        ["env"] = "name",
        ["volumeMounts"] = "mountPath",
        ["volumeDevices"] = "devicePath",
        ["ports"] = "containerPort",
        ["imagePullSecrets"] = "name",
        ["secrets"] = "name",
        ["ownerReferences"] = "uid",
        ["tolerations"] = "key",
        ["hostAliases"] = "ip",
    };

    /// <summary>Primitive lists merged as sets in a strategic merge patch.</summary>
    private static readonly HashSet<string> SetLists = new(StringComparer.Ordinal) { "finalizers" };

    public static JsonObject Apply(string patchType, JsonObject target, JsonNode patch) => patchType switch
    {
        MergePatch => MergeObject(target, AsObject(patch), strategic: false),
        StrategicMergePatch => MergeObject(target, AsObject(patch), strategic: true),
        JsonPatch => ApplyJsonPatch(target, patch as JsonArray
            ?? throw ApiError.BadRequest("json: cannot unmarshal object into Go value of type jsonpatch.Patch")),
        _ => throw ApiError.UnsupportedMediaType(Supported),
    };

    private static JsonObject AsObject(JsonNode patch) =>
        patch as JsonObject ?? throw ApiError.BadRequest("json: cannot unmarshal array into Go value of type map[string]interface {}");

    private static JsonObject MergeObject(JsonObject target, JsonObject patch, bool strategic)
    {
        if (strategic && patch["$patch"] is JsonValue directive && directive.ToString() == "replace")
        {
            var replaced = (JsonObject)patch.DeepClone();
            replaced.Remove("$patch");
            return replaced;
        }
        foreach (var (key, value) in patch.ToList())
        {
            if (strategic && key.StartsWith('$')) continue;
            if (strategic && key.StartsWith("$setElementOrder/", StringComparison.Ordinal)) continue;
            if (value is null)
            {
                target.Remove(key);
            }
            else if (value is JsonObject patchObject)
            {
                if (strategic && patchObject["$patch"] is JsonValue d && d.ToString() == "delete")
                {
                    target.Remove(key);
                    continue;
                }
                JsonObject existing = target[key] as JsonObject ?? new JsonObject();
                target[key] = MergeObject((JsonObject)existing.DeepClone(), patchObject, strategic);
            }
            else if (strategic && value is JsonArray patchList && target[key] is JsonArray currentList)
            {
                target[key] = MergeList(key, currentList, patchList);
            }
            else
            {
                target[key] = value.DeepClone();
            }
        }
        return target;
    }

    private static JsonArray MergeList(string field, JsonArray current, JsonArray patch)
    {
        if (SetLists.Contains(field))
        {
            var merged = new JsonArray(current.Select(n => n?.DeepClone()).ToArray());
            foreach (JsonNode? item in patch)
            {
                if (!merged.Any(m => JsonNode.DeepEquals(m, item))) merged.Add(item?.DeepClone());
            }
            return merged;
        }
        if (!MergeKeys.TryGetValue(field, out string? mergeKey))
        {
            return (JsonArray)patch.DeepClone();
        }
        var result = current.Select(n => n?.DeepClone()).ToList();
        foreach (JsonNode? item in patch)
        {
            if (item is not JsonObject patchItem || patchItem[mergeKey] is not JsonNode keyValue)
            {
                if (item is JsonObject { Count: 1 } only && only["$patch"]?.ToString() == "replace") return new JsonArray();
                result.Add(item?.DeepClone());
                continue;
            }
            int index = result.FindIndex(r => r is JsonObject o && JsonNode.DeepEquals(o[mergeKey], keyValue));
            bool delete = patchItem["$patch"]?.ToString() == "delete";
            if (index < 0)
            {
                if (!delete) result.Add(StripDirectives((JsonObject)patchItem.DeepClone()));
            }
            else if (delete)
            {
                result.RemoveAt(index);
            }
            else
            {
                result[index] = MergeObject((JsonObject)result[index]!, patchItem, strategic: true);
            }
        }
        return new JsonArray(result.ToArray());
    }

    private static JsonObject StripDirectives(JsonObject obj)
    {
        foreach (string key in obj.Select(p => p.Key).Where(k => k.StartsWith('$')).ToList()) obj.Remove(key);
        return obj;
    }

    private static JsonObject ApplyJsonPatch(JsonObject target, JsonArray operations)
    {
        JsonNode document = target;
        foreach (JsonNode? node in operations)
        {
            if (node is not JsonObject operation) throw ApiError.BadRequest("the JSON patch is not an array of operations");
            string op = operation["op"]?.ToString() ?? "";
            string path = operation["path"]?.ToString() ?? throw ApiError.BadRequest($"the JSON patch operation \"{op}\" has no path");
            switch (op)
            {
                case "add":
                    document = Add(document, path, Value(operation));
                    break;
                case "remove":
                    document = Remove(document, path, out _);
                    break;
                case "replace":
                    Remove(document, path, out _);
                    document = Add(document, path, Value(operation));
                    break;
                case "move":
                    document = Remove(document, From(operation), out JsonNode? moved);
                    document = Add(document, path, moved);
                    break;
                case "copy":
                    document = Add(document, path, Resolve(document, From(operation))?.DeepClone());
                    break;
                case "test":
                    if (!JsonNode.DeepEquals(Resolve(document, path), Value(operation)))
                    {
                        throw new ApiError(422, "Invalid", $"the server rejected our request due to an error in our request: testing value {path} failed");
                    }
                    break;
                default:
                    throw ApiError.BadRequest($"Unexpected kind: {op}");
            }
        }
        return document as JsonObject ?? throw ApiError.BadRequest("the JSON patch replaced the object with a non-object");
    }

    private static JsonNode? Value(JsonObject operation) =>
        operation.TryGetPropertyValue("value", out JsonNode? value)
            ? value?.DeepClone()
            : throw ApiError.BadRequest($"the JSON patch operation \"{operation["op"]}\" has no value");

    private static string From(JsonObject operation) =>
        operation["from"]?.ToString() ?? throw ApiError.BadRequest($"the JSON patch operation \"{operation["op"]}\" has no from");

    private static List<string> Pointer(string path)
    {
        if (path.Length == 0) return [];
        if (path[0] != '/') throw ApiError.BadRequest($"JSON pointer must be empty or start with a \"/\": {path}");
        return path[1..].Split('/').Select(s => s.Replace("~1", "/").Replace("~0", "~")).ToList();
    }

    private static JsonNode? Resolve(JsonNode? document, string path)
    {
        JsonNode? current = document;
        foreach (string token in Pointer(path))
        {
            current = current switch
            {
                JsonObject o when o.TryGetPropertyValue(token, out JsonNode? child) => child,
                JsonArray a when int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out int i) && i < a.Count => a[i],
                _ => throw ApiError.BadRequest($"jsonpatch: path {path} does not exist"),
            };
        }
        return current;
    }

    private static (JsonNode? Parent, string Last) Parent(JsonNode document, string path)
    {
        List<string> tokens = Pointer(path);
        if (tokens.Count == 0) return (null, "");
        JsonNode? parent = document;
        foreach (string token in tokens.Take(tokens.Count - 1))
        {
            parent = parent switch
            {
                JsonObject o when o.TryGetPropertyValue(token, out JsonNode? child) => child,
                JsonArray a when int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out int i) && i < a.Count => a[i],
                _ => throw ApiError.BadRequest($"jsonpatch: path {path} does not exist"),
            };
        }
        return (parent, tokens[^1]);
    }

    private static JsonNode Add(JsonNode document, string path, JsonNode? value)
    {
        (JsonNode? parent, string last) = Parent(document, path);
        if (parent is null) return value ?? throw ApiError.BadRequest("jsonpatch: cannot replace the whole document with null");
        switch (parent)
        {
            case JsonObject o:
                o[last] = value;
                break;
            case JsonArray a when last == "-":
                a.Add(value);
                break;
            case JsonArray a when int.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out int i) && i <= a.Count:
                a.Insert(i, value);
                break;
            default:
                throw ApiError.BadRequest($"jsonpatch add operation does not apply: doc is missing path: \"{path}\"");
        }
        return document;
    }

    private static JsonNode Remove(JsonNode document, string path, out JsonNode? removed)
    {
        (JsonNode? parent, string last) = Parent(document, path);
        switch (parent)
        {
            case JsonObject o when o.TryGetPropertyValue(last, out removed):
                o.Remove(last);
                removed = removed?.DeepClone();
                break;
            case JsonArray a when int.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out int i) && i < a.Count:
                removed = a[i]?.DeepClone();
                a.RemoveAt(i);
                break;
            default:
                throw ApiError.BadRequest($"jsonpatch remove operation does not apply: doc is missing path: \"{path}\"");
        }
        return document;
    }
}
