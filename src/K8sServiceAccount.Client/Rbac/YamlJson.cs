using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace K8sServiceAccount.Client.Rbac;

/// <summary>
/// Converts YAML documents to JSON nodes the way Kubernetes tooling does before decoding: quoted scalars are strings;
/// plain scalars become null (<c>null</c>, <c>~</c>, empty), booleans (<c>true</c>/<c>false</c> in any case form YAML 1.2
/// allows), integers and floats when they look like numbers, and strings otherwise.
/// </summary>
internal static class YamlJson
{
    /// <summary>Parses every document of <paramref name="text"/>; a document that is empty yields null.</summary>
    /// <exception cref="YamlException">Syntax error (with the position in <see cref="YamlException.Start"/>).</exception>
    public static List<JsonNode?> ParseDocuments(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        var result = new List<JsonNode?>(stream.Documents.Count);
        foreach (var document in stream.Documents)
        {
            result.Add(Convert(document.RootNode));
        }
        return result;
    }

    private static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlMappingNode mapping => ConvertMapping(mapping),
        YamlSequenceNode sequence => new JsonArray(sequence.Children.Select(Convert).ToArray()),
        YamlScalarNode scalar => ConvertScalar(scalar),
        _ => null,
    };

    private static JsonObject ConvertMapping(YamlMappingNode mapping)
    {
        var result = new JsonObject();
        foreach (var (key, value) in mapping.Children)
        {
            var name = key is YamlScalarNode scalarKey ? scalarKey.Value ?? "" : key.ToString();
            // Later keys win, as in Go's YAML-to-JSON conversion.
            result[name] = Convert(value);
        }
        return result;
    }

    private static JsonNode? ConvertScalar(YamlScalarNode scalar)
    {
        var value = scalar.Value ?? "";
        var tag = scalar.Tag.IsEmpty ? null : scalar.Tag.Value;
        if (scalar.Style != ScalarStyle.Plain || tag is "tag:yaml.org,2002:str")
        {
            return JsonValue.Create(value);
        }
        switch (value)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return null;
            case "true" or "True" or "TRUE":
                return JsonValue.Create(true);
            case "false" or "False" or "FALSE":
                return JsonValue.Create(false);
        }
        if (LooksNumeric(value))
        {
            if (long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
            {
                return JsonValue.Create(integer);
            }
            if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var real) && double.IsFinite(real))
            {
                return JsonValue.Create(real);
            }
        }
        return JsonValue.Create(value);
    }

    private static bool LooksNumeric(string value)
    {
        var start = value[0] is '-' or '+' ? 1 : 0;
        return value.Length > start && (char.IsAsciiDigit(value[start]) || (value[start] == '.' && value.Length > start + 1 && char.IsAsciiDigit(value[start + 1])));
    }
}
