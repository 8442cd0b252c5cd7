using System.Collections;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using System.Text;
using K8sServiceAccount.Client.Config;
using K8sServiceAccount.Client.Models;
using YamlDotNet.Core;

namespace K8sServiceAccount.Client.Rbac;

/// <summary>One text to read: its name as errors and notes should show it (usually a file path), and its content.</summary>
public sealed record RbacSource(string Name, string Text)
{
    /// <summary>
    /// A document already in memory as maps (<see cref="IDictionary"/>), lists and scalars, such as ConvertFrom-Yaml output or
    /// ConvertFrom-Json objects turned into maps: it is read exactly like a JSON text of the same content (a single object,
    /// a List with items, or a list of objects). <paramref name="name"/> names it in errors and notes.
    /// </summary>
    public static RbacSource FromObject(string name, object? document)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return new RbacSource(name, DocumentTree.ToJson(document)?.ToJsonString() ?? "");
    }

    /// <summary>ErrorId of a policy file that cannot be read (missing, not a regular file, larger than <see cref="RegularFile.PolicyMaxBytes"/>).</summary>
    public const string UnreadableErrorId = "RbacFileUnreadable";

    /// <summary>Reads a policy file (UTF-8, with or without BOM); the file path becomes the source name.</summary>
    /// <exception cref="K8sClientException">ErrorId <c>RbacFileUnreadable</c> (ReadError) naming the file and the reason.</exception>
    public static RbacSource FromFile(string path, ISystemEnvironment? environment = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        environment ??= SystemEnvironment.Instance;
        try
        {
            return new RbacSource(path, new UTF8Encoding(false).GetString(environment.ReadFile(path, RegularFile.PolicyMaxBytes)));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var reason = e is FileNotFoundException or DirectoryNotFoundException ? "the file does not exist" : e.Message;
            throw new K8sClientException(UnreadableErrorId, K8sErrorCategory.ReadError, $"Cannot read the RBAC policy file \"{path}\": {reason}.", e) { Target = path };
        }
    }
}

/// <summary>Turns documents already in memory (maps, lists and scalars) into the JSON the reader reads.</summary>
internal static class DocumentTree
{
    /// <summary>
    /// Maps (<see cref="IDictionary"/>, keys as text) become objects, other enumerables lists, strings, booleans and
    /// numbers stay what they are, date-times become RFC 3339 text (as the API writes them), anything else its text.
    /// </summary>
    internal static JsonNode? ToJson(object? value, int depth = 0)
    {
        if (depth > DocumentLimits.MaxDepth)
        {
            throw new K8sClientException("RbacDocumentInvalid", K8sErrorCategory.InvalidData, $"The policy object is nested more than {DocumentLimits.MaxDepth} levels deep (does it contain itself?).");
        }
        switch (value)
        {
            case null:
                return null;
            case JsonNode node:
                return node.DeepClone();
            case string text:
                return JsonValue.Create(text);
            case bool flag:
                return JsonValue.Create(flag);
            case DateTime time:
                return JsonValue.Create(new DateTimeOffset(time.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(time, DateTimeKind.Utc) : time)
                    .UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
            case DateTimeOffset time:
                return JsonValue.Create(time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
            case byte or sbyte or short or ushort or int or uint or long or ulong:
                return JsonValue.Create(Convert.ToDecimal(value, CultureInfo.InvariantCulture));
            case float or double or decimal:
                return JsonValue.Create(Convert.ToDouble(value, CultureInfo.InvariantCulture));
            case IDictionary map:
            {
                var obj = new JsonObject();
                foreach (DictionaryEntry entry in map)
                {
                    obj[Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? ""] = ToJson(entry.Value, depth + 1);
                }
                return obj;
            }
            case IEnumerable items:
            {
                var array = new JsonArray();
                foreach (var item in items)
                {
                    array.Add(ToJson(item, depth + 1));
                }
                return array;
            }
            default:
                return JsonValue.Create(Convert.ToString(value, CultureInfo.InvariantCulture));
        }
    }
}

/// <summary>Options for <see cref="RbacDocumentReader"/>.</summary>
public sealed record RbacReadOptions
{
    /// <summary>Namespace given to Roles and RoleBindings that have none (kubectl uses the context's namespace).</summary>
    public string DefaultNamespace { get; init; } = "default";

    /// <summary>Start from the default (bootstrap) ClusterRoles and ClusterRoleBindings of a new cluster; documents replace them by name.</summary>
    public bool IncludeBootstrapPolicy { get; init; }

    /// <summary>
    /// Fill the rules of ClusterRoles that have an aggregationRule, as the aggregation controller would (it replaces their
    /// rules). On by default, because the authorizer only ever reads rules.
    /// </summary>
    public bool AggregateClusterRoles { get; init; } = true;
}

/// <summary>
/// Reads Roles, ClusterRoles, RoleBindings and ClusterRoleBindings from YAML or JSON texts for offline permission checks:
/// multi-document YAML, JSON objects, and <c>List</c> objects (<c>kind: List</c> or <c>RoleList</c> etc. with <c>items</c>),
/// nested or not. Objects of other kinds are ignored with a note. Fields the four RBAC kinds do not have are refused, as
/// kubectl's default strict validation refuses them. Any error names the source, the document number (1-based), the list
/// item and the field, and never echoes document content beyond names.
/// </summary>
public static class RbacDocumentReader
{
    private const string RbacGroupPrefix = "rbac.authorization.k8s.io/";

    /// <summary>Reads unnamed texts; errors call them "input 1", "input 2", ….</summary>
    public static InMemoryRbacPolicy Read(IEnumerable<string> yamlOrJsonTexts, IList<string>? notes = null, RbacReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(yamlOrJsonTexts);
        return Read(yamlOrJsonTexts.Select((text, i) => new RbacSource($"input {i + 1}", text)), notes, options);
    }

    /// <summary>Reads named texts into one policy. Later objects replace earlier ones of the same kind, namespace and name (with a note).</summary>
    /// <exception cref="K8sClientException">ErrorId <c>RbacDocumentInvalid</c> (InvalidData) for syntax errors, missing or mistyped fields.</exception>
    public static InMemoryRbacPolicy Read(IEnumerable<RbacSource> sources, IList<string>? notes = null, RbacReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(sources);
        options ??= new RbacReadOptions();
        notes ??= new List<string>();
        var collected = new Collected(notes);
        if (options.IncludeBootstrapPolicy)
        {
            foreach (var role in BootstrapPolicy.ClusterRoles) collected.ClusterRoles[role.Metadata.Name!] = (role, "bootstrap policy");
            foreach (var binding in BootstrapPolicy.ClusterRoleBindings) collected.ClusterRoleBindings[binding.Metadata.Name!] = (binding, "bootstrap policy");
        }
        foreach (var source in sources)
        {
            ReadSource(source, options, collected);
        }

        var clusterRoles = collected.ClusterRoles.Values.Select(v => v.Item).ToList();
        if (options.AggregateClusterRoles)
        {
            var aggregated = ClusterRoleAggregation.ApplyAll(clusterRoles);
            for (var i = 0; i < clusterRoles.Count; i++)
            {
                if (!ReferenceEquals(aggregated[i], clusterRoles[i]) && collected.ClusterRoles[clusterRoles[i].Metadata.Name!].Where != "bootstrap policy")
                {
                    notes.Add($"ClusterRole \"{clusterRoles[i].Metadata.Name}\" ({collected.ClusterRoles[clusterRoles[i].Metadata.Name!].Where}): rules computed from its aggregationRule ({aggregated[i].Rules!.Count} rules).");
                }
            }
            clusterRoles = [.. aggregated];
        }
        return new InMemoryRbacPolicy(
            clusterRoles,
            collected.ClusterRoleBindings.Values.Select(v => v.Item),
            collected.Roles.Values.Select(v => v.Item),
            collected.RoleBindings.Values.Select(v => v.Item));
    }

    private static void ReadSource(RbacSource source, RbacReadOptions options, Collected collected)
    {
        var text = (source.Text ?? "").TrimStart('\uFEFF');
        List<JsonNode?> documents;
        var trimmed = text.TrimStart();
        try
        {
            documents = trimmed.StartsWith('{') || trimmed.StartsWith('[')
                ? [ParseJson(text, source.Name)]
                : YamlJson.ParseDocuments(text);
        }
        catch (JsonException e)
        {
            var reason = e.Message.Contains("depth", StringComparison.Ordinal) ? $": the document is nested more than {DocumentLimits.MaxDepth} levels deep" : "";
            throw Invalid(source.Name, $"{source.Name}: invalid JSON at line {(e.LineNumber ?? 0) + 1}, position {(e.BytePositionInLine ?? 0) + 1}{reason}.", e);
        }
        catch (YamlException e)
        {
            // YamlDotNet prefixes the reason with the position, given here once.
            var reason = e.Message;
            var split = reason.LastIndexOf("): ", StringComparison.Ordinal);
            reason = split >= 0 ? reason[(split + 3)..] : reason;
            var at = e.Start.Line > 0 ? $" at line {e.Start.Line}, column {e.Start.Column}" : "";
            throw Invalid(source.Name, $"{source.Name}: invalid YAML{at}: {reason}", e);
        }
        for (var i = 0; i < documents.Count; i++)
        {
            var where = documents.Count == 1 ? source.Name : $"{source.Name}, document {i + 1}";
            ReadObject(documents[i], where, source.Name, options, collected);
        }
    }

    /// <summary>A JSON text within <see cref="DocumentLimits"/>: no duplicate keys, no lone surrogates, bounded depth.</summary>
    private static JsonNode? ParseJson(string text, string sourceName)
    {
        using (var document = JsonDocument.Parse(text, DocumentLimits.JsonOptions))
        {
            if (DocumentLimits.FindJsonProblem(document.RootElement) is { } problem)
            {
                throw Invalid(sourceName, $"{sourceName}: invalid JSON: {problem}.");
            }
        }
        return JsonNode.Parse(text, documentOptions: DocumentLimits.JsonOptions);
    }

    private static void ReadObject(JsonNode? node, string where, string sourceName, RbacReadOptions options, Collected collected)
    {
        switch (node)
        {
            case null:
                return; // an empty document, e.g. after a trailing "---"
            case JsonArray array:
                // A bare JSON array of objects: read each.
                for (var i = 0; i < array.Count; i++) ReadObject(array[i], $"{where}, [{i}]", sourceName, options, collected);
                return;
            case not JsonObject:
                throw Invalid(sourceName, $"{where}: expected an object with apiVersion and kind, found a {Describe(node)}.");
        }
        var obj = (JsonObject)node;
        var kind = StringField(obj, "kind", where, sourceName);
        var apiVersion = StringField(obj, "apiVersion", where, sourceName);
        if (string.IsNullOrEmpty(kind))
        {
            throw Invalid(sourceName, $"{where}: kind: Required value (every object needs apiVersion and kind).");
        }
        if (kind.EndsWith("List", StringComparison.Ordinal) && obj["items"] is not null)
        {
            if (obj["items"] is not JsonArray items)
            {
                throw Invalid(sourceName, $"{where}: {kind}: field items: expected a list, found a {Describe(obj["items"])}.");
            }
            for (var i = 0; i < items.Count; i++)
            {
                ReadObject(items[i], $"{where}, items[{i}]", sourceName, options, collected);
            }
            return;
        }
        var isRbac = kind is "Role" or "ClusterRole" or "RoleBinding" or "ClusterRoleBinding";
        if (!isRbac || !(apiVersion ?? "").StartsWith(RbacGroupPrefix, StringComparison.Ordinal))
        {
            if (isRbac && string.IsNullOrEmpty(apiVersion))
            {
                throw Invalid(sourceName, $"{where}: {kind}: apiVersion: Required value (use rbac.authorization.k8s.io/v1).");
            }
            var name = NameOf(obj);
            collected.Notes.Add($"{where}: ignored {apiVersion} {kind}{(name is null ? "" : $" \"{name}\"")} (not an RBAC object).");
            return;
        }

        RejectUnknownFields(obj, kind, where, sourceName);
        switch (kind)
        {
            case "Role":
            {
                var role = Deserialize(obj, KubeJsonContext.Default.Role, kind, where, sourceName);
                var name = Check(role.Metadata, RbacValidation.Validate(role), kind, where, sourceName);
                role.Metadata.Namespace = string.IsNullOrEmpty(role.Metadata.Namespace) ? options.DefaultNamespace : role.Metadata.Namespace;
                collected.Put(collected.Roles, (role.Metadata.Namespace, name), role, kind, where);
                break;
            }
            case "ClusterRole":
            {
                var role = Deserialize(obj, KubeJsonContext.Default.ClusterRole, kind, where, sourceName);
                var name = Check(role.Metadata, RbacValidation.Validate(role), kind, where, sourceName);
                role.Metadata.Namespace = null;
                collected.Put(collected.ClusterRoles, name, role, kind, where);
                break;
            }
            case "RoleBinding":
            {
                var binding = Deserialize(obj, KubeJsonContext.Default.RoleBinding, kind, where, sourceName);
                RbacValidation.ApplyDefaults(binding);
                var name = Check(binding.Metadata, RbacValidation.Validate(binding), kind, where, sourceName);
                binding.Metadata.Namespace = string.IsNullOrEmpty(binding.Metadata.Namespace) ? options.DefaultNamespace : binding.Metadata.Namespace;
                collected.Put(collected.RoleBindings, (binding.Metadata.Namespace, name), binding, kind, where);
                break;
            }
            default:
            {
                var binding = Deserialize(obj, KubeJsonContext.Default.ClusterRoleBinding, kind, where, sourceName);
                RbacValidation.ApplyDefaults(binding);
                var name = Check(binding.Metadata, RbacValidation.Validate(binding), kind, where, sourceName);
                binding.Metadata.Namespace = null;
                collected.Put(collected.ClusterRoleBindings, name, binding, kind, where);
                break;
            }
        }
    }

    /// <summary>Fails with every validation error of the object; returns its name.</summary>
    private static string Check(ObjectMeta? metadata, IReadOnlyList<FieldError> errors, string kind, string where, string sourceName)
    {
        var name = metadata?.Name;
        if (errors.Count == 0 && string.IsNullOrEmpty(name))
        {
            // Valid for the server thanks to generateName, but an offline policy needs real names.
            errors = [FieldError.Required("metadata.name", "generateName is not supported in offline policies")];
        }
        if (errors.Count > 0)
        {
            var label = string.IsNullOrEmpty(name) ? kind : $"{kind} \"{name}\"";
            throw Invalid(sourceName, $"{where}: {label}: {string.Join("; ", errors.Select(e => e.Message))}");
        }
        return name!;
    }

    /// <summary>
    /// Refuses fields the object's kind does not have, as kubectl's default strict validation does: read leniently, a typo
    /// (<c>rule:</c>, <c>metadata.namspace</c>) would silently drop rules or move the object to the default namespace.
    /// Names are case-sensitive, as in the API.
    /// </summary>
    private static void RejectUnknownFields(JsonObject obj, string kind, string where, string sourceName)
    {
        var unknown = new List<string>();
        var nullItems = new List<string>();
        RbacFields.Collect(obj, RbacFields.ForKind(kind), "", unknown, nullItems);
        var name = NameOf(obj);
        var label = name is null ? kind : $"{kind} \"{name}\"";
        if (unknown.Count > 0)
        {
            throw Invalid(sourceName, $"{where}: {label}: {string.Join(", ", unknown.Order(StringComparer.Ordinal).Select(f => $"unknown field \"{f}\""))}.");
        }
        if (nullItems.Count > 0)
        {
            // The API server decodes a null item as an empty object and then refuses it; offline it would fail later, untyped.
            throw Invalid(sourceName, $"{where}: {label}: {string.Join(", ", nullItems.Select(f => $"field {f}: expected an object, found null"))}.");
        }
    }

    private static T Deserialize<T>(JsonObject obj, JsonTypeInfo<T> typeInfo, string kind, string where, string sourceName)
    {
        try
        {
            return obj.Deserialize(typeInfo) ?? throw Invalid(sourceName, $"{where}: {kind}: empty object.");
        }
        catch (JsonException e)
        {
            var field = string.IsNullOrEmpty(e.Path) ? "(object)" : e.Path.TrimStart('$').TrimStart('.');
            var name = NameOf(obj);
            var label = name is null ? kind : $"{kind} \"{name}\"";
            throw Invalid(sourceName, $"{where}: {label}: field {field}: {ExpectedType(e.Message)}", e);
        }
    }

    private static string ExpectedType(string message)
    {
        // STJ: "The JSON value could not be converted to System.String. Path: ..." → "expected a string".
        var marker = "could not be converted to ";
        var start = message.IndexOf(marker, StringComparison.Ordinal);
        if (start < 0)
        {
            return "value has the wrong type.";
        }
        var type = message[(start + marker.Length)..];
        var end = type.IndexOf(". Path", StringComparison.Ordinal);
        type = end >= 0 ? type[..end] : type;
        return type switch
        {
            _ when type.StartsWith("System.String", StringComparison.Ordinal) => "expected a string (quote values such as \"true\" or numbers).",
            _ when type.StartsWith("System.Collections.Generic.List", StringComparison.Ordinal) => "expected a list.",
            _ when type.StartsWith("System.Collections.Generic.Dictionary", StringComparison.Ordinal) => "expected a map of strings.",
            _ => "expected an object.",
        };
    }

    private static string? StringField(JsonObject obj, string field, string where, string sourceName)
    {
        var node = obj[field];
        if (node is null)
        {
            return null;
        }
        if (node is JsonValue value && value.TryGetValue<string>(out var text))
        {
            return text;
        }
        throw Invalid(sourceName, $"{where}: field {field}: expected a string, found a {Describe(node)}.");
    }

    private static string? NameOf(JsonObject obj)
        => (obj["metadata"] as JsonObject)?["name"] is JsonValue value && value.TryGetValue<string>(out var name) ? name : null;

    private static string Describe(JsonNode? node) => node switch
    {
        JsonObject => "map",
        JsonArray => "list",
        JsonValue v when v.TryGetValue<string>(out _) => "string",
        JsonValue v when v.TryGetValue<bool>(out _) => "boolean",
        JsonValue => "number",
        _ => "null",
    };

    private static K8sClientException Invalid(string sourceName, string message, Exception? inner = null)
        => new("RbacDocumentInvalid", K8sErrorCategory.InvalidData, message, inner) { Target = sourceName };

    private sealed class Collected(IList<string> notes)
    {
        public IList<string> Notes { get; } = notes;
        public Dictionary<string, (ClusterRole Item, string Where)> ClusterRoles { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, (ClusterRoleBinding Item, string Where)> ClusterRoleBindings { get; } = new(StringComparer.Ordinal);
        public Dictionary<(string, string), (Role Item, string Where)> Roles { get; } = new();
        public Dictionary<(string, string), (RoleBinding Item, string Where)> RoleBindings { get; } = new();

        public void Put<TKey, T>(Dictionary<TKey, (T Item, string Where)> map, TKey key, T item, string kind, string where)
            where TKey : notnull
        {
            if (map.TryGetValue(key, out var earlier))
            {
                Notes.Add($"{where}: {kind} {KeyText(key)} replaces the one from {earlier.Where}.");
            }
            map[key] = (item, where);
        }

        private static string KeyText<TKey>(TKey key) => key switch
        {
            ValueTuple<string, string> k => $"\"{k.Item1}/{k.Item2}\"",
            _ => $"\"{key}\"",
        };
    }
}

/// <summary>The fields of Role, ClusterRole, RoleBinding and ClusterRoleBinding in rbac.authorization.k8s.io/v1.</summary>
internal sealed class RbacFields
{
    private static readonly RbacFields Metadata = new(
        ("name", null), ("generateName", null), ("namespace", null), ("selfLink", null), ("uid", null), ("resourceVersion", null),
        ("generation", null), ("creationTimestamp", null), ("deletionTimestamp", null), ("deletionGracePeriodSeconds", null),
        ("labels", null), ("annotations", null), ("ownerReferences", null), ("finalizers", null), ("managedFields", null));

    private static readonly RbacFields Rule = new(("apiGroups", null), ("resources", null), ("verbs", null), ("resourceNames", null), ("nonResourceURLs", null));

    private static readonly RbacFields Selector = new(("matchLabels", null), ("matchExpressions", new RbacFields(("key", null), ("operator", null), ("values", null))));

    private static readonly RbacFields Role = new(("apiVersion", null), ("kind", null), ("metadata", Metadata), ("rules", Rule));

    private static readonly RbacFields ClusterRole = new(
        ("apiVersion", null), ("kind", null), ("metadata", Metadata), ("rules", Rule), ("aggregationRule", new RbacFields(("clusterRoleSelectors", Selector))));

    private static readonly RbacFields Binding = new(
        ("apiVersion", null), ("kind", null), ("metadata", Metadata),
        ("roleRef", new RbacFields(("apiGroup", null), ("kind", null), ("name", null))),
        ("subjects", new RbacFields(("kind", null), ("apiGroup", null), ("name", null), ("namespace", null))));

    // A field mapped to null holds values (or a free-form map) that are not checked further.
    private readonly Dictionary<string, RbacFields?> _fields;

    private RbacFields(params (string Name, RbacFields? Shape)[] fields)
    {
        _fields = fields.ToDictionary(f => f.Name, f => f.Shape, StringComparer.Ordinal);
    }

    internal static RbacFields ForKind(string kind) => kind switch
    {
        "Role" => Role,
        "ClusterRole" => ClusterRole,
        _ => Binding,
    };

    /// <summary>
    /// Adds the path of every field of <paramref name="obj"/> (and of its objects and lists of objects) that <paramref name="shape"/> lacks,
    /// and of every null item of a list of objects to <paramref name="nullItems"/>.
    /// </summary>
    internal static void Collect(JsonObject obj, RbacFields shape, string path, List<string> unknown, List<string> nullItems)
    {
        foreach (var (name, value) in obj)
        {
            var fieldPath = path.Length == 0 ? name : path + "." + name;
            if (!shape._fields.TryGetValue(name, out var inner))
            {
                unknown.Add(fieldPath);
                continue;
            }
            if (inner is null)
            {
                continue;
            }
            switch (value)
            {
                case JsonObject child:
                    Collect(child, inner, fieldPath, unknown, nullItems);
                    break;
                case JsonArray items:
                    for (var i = 0; i < items.Count; i++)
                    {
                        if (items[i] is JsonObject item)
                        {
                            Collect(item, inner, $"{fieldPath}[{i}]", unknown, nullItems);
                        }
                        else if (items[i] is null)
                        {
                            nullItems.Add($"{fieldPath}[{i}]");
                        }
                    }
                    break;
            }
        }
    }
}
