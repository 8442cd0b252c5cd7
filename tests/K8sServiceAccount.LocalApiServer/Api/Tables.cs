using System.Globalization;
using System.Text.Json.Nodes;
using K8sServiceAccount.LocalApiServer.Store;

namespace K8sServiceAccount.LocalApiServer.Api;

/// <summary>
/// Server-side meta.k8s.io/v1 Table rendering for kubectl get: NAME and AGE for every resource, plus the
/// columns kube-apiserver prints for ServiceAccounts (SECRETS), Secrets (TYPE, DATA), ConfigMaps (DATA)
/// and Namespaces (STATUS).
/// </summary>
public static class Tables
{
    public static JsonObject Build(ResourceType type, IReadOnlyList<StoredObject> items, long version, string? next, DateTimeOffset now)
    {
        var columns = new JsonArray { Column("Name", "string", "name", "Name must be unique within a namespace.") };
        foreach ((string name, string columnType) in ExtraColumns(type)) columns.Add(Column(name, columnType, "", ""));
        columns.Add(Column("Age", "string", "", "CreationTimestamp is a timestamp representing the server time when this object was created."));

        var rows = new JsonArray();
        foreach (StoredObject item in items)
        {
            JsonObject node = item.ToNode();
            var cells = new JsonArray { item.Name };
            foreach (JsonNode? cell in ExtraCells(type, node)) cells.Add(cell);
            cells.Add(Age(HttpIo.Str(node["metadata"]?["creationTimestamp"]), now));
            rows.Add(new JsonObject
            {
                ["cells"] = cells,
                ["object"] = new JsonObject
                {
                    ["kind"] = "PartialObjectMetadata",
                    ["apiVersion"] = "meta.k8s.io/v1",
                    ["metadata"] = node["metadata"]?.DeepClone(),
                },
            });
        }
        var metadata = new JsonObject { ["resourceVersion"] = version.ToString(CultureInfo.InvariantCulture) };
        if (next is not null) metadata["continue"] = next;
        return new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = metadata,
            ["columnDefinitions"] = columns,
            ["rows"] = rows,
        };
    }

    private static JsonObject Column(string name, string type, string format, string description) => new()
    {
        ["name"] = name, ["type"] = type, ["format"] = format, ["description"] = description, ["priority"] = 0,
    };

    private static IEnumerable<(string Name, string Type)> ExtraColumns(ResourceType type)
    {
        if (type == ResourceType.ServiceAccounts) yield return ("Secrets", "integer");
        else if (type == ResourceType.Secrets) { yield return ("Type", "string"); yield return ("Data", "integer"); }
        else if (type == ResourceType.ConfigMaps) yield return ("Data", "integer");
        else if (type == ResourceType.Namespaces) yield return ("Status", "string");
    }

    private static IEnumerable<JsonNode?> ExtraCells(ResourceType type, JsonObject node)
    {
        if (type == ResourceType.ServiceAccounts) yield return (node["secrets"] as JsonArray)?.Count ?? 0;
        else if (type == ResourceType.Secrets)
        {
            yield return HttpIo.Str(node["type"]) is { Length: > 0 } secretType ? secretType : "Opaque";
            yield return ((node["data"] as JsonObject)?.Count ?? 0) + ((node["stringData"] as JsonObject)?.Count ?? 0);
        }
        else if (type == ResourceType.ConfigMaps)
        {
            yield return ((node["data"] as JsonObject)?.Count ?? 0) + ((node["binaryData"] as JsonObject)?.Count ?? 0);
        }
        else if (type == ResourceType.Namespaces) yield return HttpIo.Str(node["status"]?["phase"]) is { Length: > 0 } phase ? phase : "Active";
    }

    /// <summary>kubectl's short human duration (e.g. 45s, 5m3s, 12m, 3h5m, 2d4h).</summary>
    public static string Age(string creationTimestamp, DateTimeOffset now)
    {
        if (!DateTimeOffset.TryParse(creationTimestamp, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var created)) return "<unknown>";
        TimeSpan age = now - created;
        if (age < TimeSpan.Zero) age = TimeSpan.Zero;
        int seconds = (int)age.TotalSeconds;
        if (seconds < 120) return $"{seconds}s";
        int minutes = (int)age.TotalMinutes;
        if (minutes < 10) return seconds % 60 == 0 ? $"{minutes}m" : $"{minutes}m{seconds % 60}s";
        int hours = (int)age.TotalHours;
        if (hours < 3) return $"{minutes}m";
        if (hours < 8) return minutes % 60 == 0 ? $"{hours}h" : $"{hours}h{minutes % 60}m";
        if (hours < 48) return $"{hours}h";
        int days = (int)age.TotalDays;
        if (days < 8) return hours % 24 == 0 ? $"{days}d" : $"{days}d{hours % 24}h";
        return $"{days}d";
    }
}
