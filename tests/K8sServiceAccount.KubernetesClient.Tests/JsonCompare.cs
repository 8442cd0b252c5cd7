using System.Globalization;
using System.Text.Json.Nodes;

namespace K8sServiceAccount.KubernetesClient.Tests;

/// <summary>
/// Field-by-field comparison of two JSON renderings of one object: every field of <c>subset</c> must be in
/// <c>superset</c> with the same value. Timestamps compare as instants (the two clients write them differently).
/// </summary>
public static class JsonCompare
{
    public static List<string> Differences(JsonNode? subset, JsonNode? superset, string path = "$")
    {
        var differences = new List<string>();
        Walk(subset, superset, path, differences);
        return differences;
    }

    public static void AssertSubset(JsonNode? subset, JsonNode? superset, string what)
    {
        List<string> differences = Differences(subset, superset);
        Assert.True(differences.Count == 0, $"{what}:\n  " + string.Join("\n  ", differences) +
            $"\nsubset:   {subset?.ToJsonString()}\nsuperset: {superset?.ToJsonString()}");
    }

    private static void Walk(JsonNode? a, JsonNode? b, string path, List<string> differences)
    {
        switch (a)
        {
            case null:
                if (b is not null) differences.Add($"{path}: null vs {b.ToJsonString()}");
                return;
            case JsonObject objectA:
                if (b is not JsonObject objectB)
                {
                    differences.Add($"{path}: object vs {b?.ToJsonString() ?? "missing"}");
                    return;
                }
                foreach ((string key, JsonNode? value) in objectA)
                {
                    if (value is null) continue;
                    if (!objectB.TryGetPropertyValue(key, out JsonNode? other) || other is null)
                    {
                        // An empty collection and an absent one are the same field value (omitempty).
                        if (value is JsonArray { Count: 0 } or JsonObject { Count: 0 }) continue;
                        differences.Add($"{path}.{key}: {value.ToJsonString()} vs missing");
                        continue;
                    }
                    Walk(value, other, $"{path}.{key}", differences);
                }
                return;
            case JsonArray arrayA:
                if (b is not JsonArray arrayB || arrayB.Count != arrayA.Count)
                {
                    differences.Add($"{path}: {a.ToJsonString()} vs {b?.ToJsonString() ?? "missing"}");
                    return;
                }
                for (int i = 0; i < arrayA.Count; i++) Walk(arrayA[i], arrayB[i], $"{path}[{i}]", differences);
                return;
            default:
                string textA = a.ToJsonString(), textB = b?.ToJsonString() ?? "missing";
                if (textA == textB) return;
                if (b is JsonValue && TryInstant(a, out DateTimeOffset x) && TryInstant(b, out DateTimeOffset y) && x == y) return;
                differences.Add($"{path}: {textA} vs {textB}");
                return;
        }
    }

    private static bool TryInstant(JsonNode node, out DateTimeOffset instant)
    {
        instant = default;
        return node is JsonValue value && value.TryGetValue(out string? text) && text.Contains('T') &&
            DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out instant);
    }
}
