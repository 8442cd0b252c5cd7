using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace K8sServiceAccount.Client.Config;

/// <summary>The JSON type a YAML node becomes when kubectl reads a kubeconfig (YAML 1.1 rules of go-yaml v2).</summary>
internal enum YamlValueKind
{
    Null,
    Bool,
    Number,
    String,
    Object,
    Array,
}

/// <summary>
/// Typed reads from the YAML representation model with kubectl's typing: kubectl converts YAML to JSON with
/// YAML 1.1 scalar resolution (so an unquoted <c>yes</c>, <c>n</c> or <c>123</c> is not a string) and then decodes
/// strictly by type. Every type mismatch becomes one <see cref="KubeconfigException"/> naming file and field;
/// values are never echoed, since they may be secrets.
/// </summary>
internal static partial class YamlValues
{
    private const string StringTag = "tag:yaml.org,2002:str";

    [GeneratedRegex(@"^(~|null|Null|NULL|)$")]
    private static partial Regex NullPattern();

    [GeneratedRegex(@"^(y|Y|yes|Yes|YES|true|True|TRUE|on|On|ON)$")]
    private static partial Regex TruePattern();

    [GeneratedRegex(@"^(n|N|no|No|NO|false|False|FALSE|off|Off|OFF)$")]
    private static partial Regex FalsePattern();

    [GeneratedRegex(@"^([-+]?[0-9][0-9_]*|[-+]?0x[0-9a-fA-F_]+|[-+]?0b[01_]+|[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))$")]
    private static partial Regex NumberPattern();

    public static YamlValueKind KindOf(YamlNode? node)
    {
        switch (node)
        {
            case null:
                return YamlValueKind.Null;
            case YamlMappingNode:
                return YamlValueKind.Object;
            case YamlSequenceNode:
                return YamlValueKind.Array;
            case YamlScalarNode scalar:
                if (scalar.Style is not (ScalarStyle.Plain or ScalarStyle.Any) ||
                    (!scalar.Tag.IsEmpty && scalar.Tag.Value == StringTag))
                {
                    return YamlValueKind.String;
                }

                var text = scalar.Value ?? string.Empty;
                if (text.Length > 0 && !MayBeNonString(text[0]))
                {
                    return YamlValueKind.String;
                }

                if (NullPattern().IsMatch(text))
                {
                    return YamlValueKind.Null;
                }

                if (TruePattern().IsMatch(text) || FalsePattern().IsMatch(text))
                {
                    return YamlValueKind.Bool;
                }

                return NumberPattern().IsMatch(text) ? YamlValueKind.Number : YamlValueKind.String;
            default:
                return YamlValueKind.String;
        }
    }

    /// <summary>Only these first characters can start a null, bool or number; anything else is a string (fast path).</summary>
    private static bool MayBeNonString(char first) =>
        char.IsAsciiDigit(first) || first is '~' or '-' or '+' or '.' or 'n' or 'N' or 'y' or 'Y' or 't' or 'T' or 'f' or 'F' or 'o' or 'O';

    public static string Describe(YamlValueKind kind) => kind switch
    {
        YamlValueKind.Object => "object",
        YamlValueKind.Array => "array",
        YamlValueKind.Number => "number",
        YamlValueKind.Bool => "bool",
        YamlValueKind.String => "string",
        _ => "null",
    };

    public static KubeconfigException TypeError(string file, string field, YamlValueKind found, string expected) =>
        new(
            ConnectionErrorIds.KubeconfigInvalid,
            K8sErrorCategory.InvalidData,
            $"error loading config file \"{file}\": cannot unmarshal {Describe(found)} into field {field} of type {expected}" +
            (found is YamlValueKind.Bool or YamlValueKind.Number && expected == "string"
                ? " (quote the value: YAML reads unquoted yes/no/on/off/y/n and numbers as non-strings)"
                : string.Empty),
            file,
            field);

    public static YamlNode? Child(YamlMappingNode map, string key)
    {
        foreach (var pair in map.Children)
        {
            if (pair.Key is YamlScalarNode k && k.Value == key)
            {
                return pair.Value;
            }
        }

        return null;
    }

    public static YamlMappingNode? ReadObject(YamlNode? node, string file, string field)
    {
        var kind = KindOf(node);
        return kind switch
        {
            YamlValueKind.Null => null,
            YamlValueKind.Object => (YamlMappingNode)node!,
            _ => throw TypeError(file, field, kind, "object"),
        };
    }

    public static YamlSequenceNode? ReadArray(YamlNode? node, string file, string field)
    {
        var kind = KindOf(node);
        return kind switch
        {
            YamlValueKind.Null => null,
            YamlValueKind.Array => (YamlSequenceNode)node!,
            _ => throw TypeError(file, field, kind, "array"),
        };
    }

    /// <summary>A string field; null and "" both mean "not set".</summary>
    public static string? ReadString(YamlMappingNode map, string key, string file, string fieldPrefix)
    {
        var node = Child(map, key);
        var kind = KindOf(node);
        return kind switch
        {
            YamlValueKind.Null => null,
            YamlValueKind.String => NullIfEmpty(((YamlScalarNode)node!).Value),
            _ => throw TypeError(file, fieldPrefix + key, kind, "string"),
        };
    }

    public static bool ReadBool(YamlMappingNode map, string key, string file, string fieldPrefix)
    {
        var node = Child(map, key);
        var kind = KindOf(node);
        return kind switch
        {
            YamlValueKind.Null => false,
            YamlValueKind.Bool => TruePattern().IsMatch(((YamlScalarNode)node!).Value ?? string.Empty),
            _ => throw TypeError(file, fieldPrefix + key, kind, "bool"),
        };
    }

    public static IReadOnlyList<string> ReadStringList(YamlMappingNode map, string key, string file, string fieldPrefix) =>
        ReadStringList(Child(map, key), file, fieldPrefix + key);

    public static IReadOnlyList<string> ReadStringList(YamlNode? node, string file, string field)
    {
        var sequence = ReadArray(node, file, field);
        if (sequence is null || sequence.Children.Count == 0)
        {
            return Array.Empty<string>();
        }

        var result = new string[sequence.Children.Count];
        for (var i = 0; i < result.Length; i++)
        {
            var item = sequence.Children[i];
            var kind = KindOf(item);
            result[i] = kind switch
            {
                YamlValueKind.Null => string.Empty,
                YamlValueKind.String => ((YamlScalarNode)item).Value ?? string.Empty,
                _ => throw TypeError(file, $"{field}[{i}]", kind, "string"),
            };
        }

        return result;
    }

    /// <summary>A base64 field ([]byte in Go); empty means not set.</summary>
    public static byte[]? ReadBase64(YamlMappingNode map, string key, string file, string fieldPrefix)
    {
        var text = ReadString(map, key, file, fieldPrefix);
        if (text is null)
        {
            return null;
        }

        try
        {
            var bytes = Convert.FromBase64String(text);
            return bytes.Length == 0 ? null : bytes;
        }
        catch (FormatException)
        {
            throw new KubeconfigException(
                ConnectionErrorIds.KubeconfigInvalid,
                K8sErrorCategory.InvalidData,
                $"error loading config file \"{file}\": {fieldPrefix}{key} is not valid base64 (illegal base64 data)",
                file,
                fieldPrefix + key);
        }
    }

    /// <summary>Writes a YAML node as JSON with the same typing kubectl applies (for exec cluster extensions).</summary>
    public static string ToJson(YamlNode node)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteJson(writer, node);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteJson(Utf8JsonWriter writer, YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode map:
                writer.WriteStartObject();
                foreach (var pair in map.Children)
                {
                    writer.WritePropertyName(pair.Key is YamlScalarNode key ? key.Value ?? string.Empty : pair.Key.ToString());
                    WriteJson(writer, pair.Value);
                }

                writer.WriteEndObject();
                break;
            case YamlSequenceNode sequence:
                writer.WriteStartArray();
                foreach (var item in sequence.Children)
                {
                    WriteJson(writer, item);
                }

                writer.WriteEndArray();
                break;
            case YamlScalarNode scalar:
                var text = scalar.Value ?? string.Empty;
                switch (KindOf(scalar))
                {
                    case YamlValueKind.Null:
                        writer.WriteNullValue();
                        break;
                    case YamlValueKind.Bool:
                        writer.WriteBooleanValue(TruePattern().IsMatch(text));
                        break;
                    case YamlValueKind.Number when double.TryParse(text.Replace("_", string.Empty), NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number):
                        writer.WriteRawValue(number.ToString("R", CultureInfo.InvariantCulture));
                        break;
                    default:
                        writer.WriteStringValue(text);
                        break;
                }

                break;
            default:
                writer.WriteNullValue();
                break;
        }
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
