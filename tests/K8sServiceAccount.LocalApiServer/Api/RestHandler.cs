using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using K8sServiceAccount.Client.Rbac;
using K8sServiceAccount.LocalApiServer.Api.Protobuf;
using K8sServiceAccount.LocalApiServer.Store;
using Microsoft.AspNetCore.Http;

namespace K8sServiceAccount.LocalApiServer.Api;

/// <summary>
/// The generic REST verbs over the store (create, get, list, watch, update, patch, delete,
/// deletecollection), with the API server's request checks and response bodies. Type-specific rules
/// (validation, defaulting, admission) live in <see cref="Admission"/>.
/// </summary>
public sealed class RestHandler
{
    private const string GenerateNameAlphabet = "bcdfghjklmnpqrstvwxz2456789";

    private readonly ServerContext _context;
    private readonly ObjectStore _store;
    private readonly Reviews _reviews;
    private readonly Admission _admission;

    public RestHandler(ServerContext context, Reviews reviews)
    {
        _context = context;
        _store = context.Store;
        _reviews = reviews;
        _admission = new Admission(context);
    }

    public async Task HandleAsync(HttpContext http, RequestInfo info, UserInfo user)
    {
        ResourceType type = ResourceType.Find(info.ApiGroup, info.ApiVersion, info.Resource) ?? throw ApiError.PathNotFound();
        HttpIo.CheckAcceptsJson(http.Request);
        try
        {
            await HandleTypeAsync(http, info, type, user).ConfigureAwait(false);
        }
        catch (InvalidOperationException e) when (!http.Response.HasStarted)
        {
            // A JSON value of the wrong shape (e.g. "spec": "x") met while reading the object: the decoder's 400.
            throw ApiError.BadRequest($"{type.Kind} in version \"{type.Version}\" cannot be handled as a {type.Kind}: {e.Message}");
        }
    }

    private async Task HandleTypeAsync(HttpContext http, RequestInfo info, ResourceType type, UserInfo user)
    {
        string ns = type == ResourceType.Namespaces ? "" : info.Namespace;
        if (!type.Namespaced && ns.Length > 0) throw ApiError.PathNotFound();

        if (!type.Persisted)
        {
            if (http.Request.Method != "POST" || info.Name.Length > 0) throw ApiError.MethodNotSupported(type.Resource, type.Group, info.Verb);
            if (type.Namespaced && ns.Length == 0) throw ApiError.PathNotFound();
            byte[] reviewBody = await HttpIo.ReadBodyAsync(http.Request, http.RequestAborted).ConfigureAwait(false);
            JsonObject review = ParseObject(http, reviewBody, type);
            JsonObject answer = _reviews.Review(type, review, ns, user);
            await HttpIo.WriteJsonAsync(http, 201, answer).ConfigureAwait(false);
            return;
        }

        if (info.Subresource.Length > 0)
        {
            await HandleSubresourceAsync(http, info, type, ns, user).ConfigureAwait(false);
            return;
        }
        if (type.Namespaced && ns.Length == 0 && info.Verb is not ("list" or "watch"))
        {
            throw ApiError.PathNotFound();
        }

        switch (info.Verb)
        {
            case "create":
                await CreateAsync(http, type, ns, user).ConfigureAwait(false);
                break;
            case "get":
                await HttpIo.WriteJsonBytesAsync(http, 200, Render(http, Get(type, ns, info.Name))).ConfigureAwait(false);
                break;
            case "list":
                await ListAsync(http, type, ns).ConfigureAwait(false);
                break;
            case "watch":
                await WatchAsync(http, type, ns).ConfigureAwait(false);
                break;
            case "update":
                await UpdateAsync(http, type, ns, info.Name, user).ConfigureAwait(false);
                break;
            case "patch":
                await PatchAsync(http, type, ns, info.Name, user).ConfigureAwait(false);
                break;
            case "delete":
                await DeleteAsync(http, type, ns, info.Name).ConfigureAwait(false);
                break;
            case "deletecollection":
                await DeleteCollectionAsync(http, type, ns).ConfigureAwait(false);
                break;
            default:
                throw ApiError.MethodNotSupported(type.Resource, type.Group, info.Verb);
        }
    }

    private async Task HandleSubresourceAsync(HttpContext http, RequestInfo info, ResourceType type, string ns, UserInfo user)
    {
        if (type == ResourceType.ServiceAccounts && info.Subresource == "token" && http.Request.Method == "POST")
        {
            byte[] body = await HttpIo.ReadBodyAsync(http.Request, http.RequestAborted).ConfigureAwait(false);
            JsonNode request = HttpIo.ParseBody(http.Request, body, ResourceType.Authentication, "v1", "TokenRequest");
            (JsonObject response, string? warning) = _reviews.RequestToken(ns, info.Name, request as JsonObject
                ?? throw ApiError.BadRequest("the TokenRequest must be a JSON object"), DryRun(http));
            if (warning is not null) http.Response.Headers["Warning"] = $"299 - \"{warning}\"";
            await HttpIo.WriteJsonAsync(http, 201, response).ConfigureAwait(false);
            return;
        }
        if (info.Subresource == "scale" && type.Subresources.Any(s => s.Name == "scale") && info.Verb is ("get" or "update" or "patch"))
        {
            await HandleScaleAsync(http, info, type, ns).ConfigureAwait(false);
            return;
        }
        if (info.Subresource == "status" && type.Subresources.Any(s => s.Name == "status"))
        {
            // The status subresource reads and writes the same stored object.
            switch (info.Verb)
            {
                case "get":
                    await HttpIo.WriteJsonBytesAsync(http, 200, Get(type, ns, info.Name).Json).ConfigureAwait(false);
                    return;
                case "update":
                    await UpdateAsync(http, type, ns, info.Name, user).ConfigureAwait(false);
                    return;
                case "patch":
                    await PatchAsync(http, type, ns, info.Name, user).ConfigureAwait(false);
                    return;
            }
        }
        throw ApiError.PathNotFound();
    }

    /// <summary>
    /// The scale subresource (autoscaling/v1 Scale) of deployments, replicasets and statefulsets:
    /// spec.replicas read and written through a Scale object.
    /// </summary>
    private async Task HandleScaleAsync(HttpContext http, RequestInfo info, ResourceType type, string ns)
    {
        if (info.Verb == "get")
        {
            await HttpIo.WriteJsonAsync(http, 200, ToScale(Get(type, ns, info.Name).ToNode())).ConfigureAwait(false);
            return;
        }
        byte[] body = await HttpIo.ReadBodyAsync(http.Request, http.RequestAborted).ConfigureAwait(false);
        string patchType = HttpIo.MediaType(http.Request);
        if (info.Verb == "patch" && !Patching.Supported.Contains(patchType)) throw ApiError.UnsupportedMediaType(Patching.Supported);
        JsonNode input = info.Verb == "patch" ? HttpIo.ParseJson(body) : HttpIo.ParseBody(http.Request, body, "autoscaling", "v1", "Scale");
        StoredObject stored = _store.Update(type, ns, info.Name, current =>
        {
            JsonObject scale = info.Verb == "patch"
                ? Patching.Apply(patchType, ToScale(current), input)
                : input as JsonObject ?? throw ApiError.BadRequest("the Scale must be a JSON object");
            string requestedVersion = HttpIo.Str(scale["metadata"]?["resourceVersion"]);
            if (requestedVersion.Length > 0 && requestedVersion != HttpIo.Str(current["metadata"]?["resourceVersion"]))
            {
                throw ApiError.StaleResourceVersion(type, info.Name);
            }
            if (scale["spec"]?["replicas"] is not JsonValue replicasValue || !replicasValue.TryGetValue(out int replicas) || replicas < 0)
            {
                throw ApiError.Invalid("Scale", "autoscaling", info.Name,
                    [FieldError.InvalidValue("spec.replicas", scale["spec"]?["replicas"]?.ToJsonString() ?? "", "must be greater than or equal to 0")]);
            }
            var spec = current["spec"] as JsonObject ?? new JsonObject();
            spec["replicas"] = replicas;
            current["spec"] = spec;
            current["metadata"]!.AsObject().Remove("resourceVersion");
            return current;
        });
        await HttpIo.WriteJsonAsync(http, 200, ToScale(stored.ToNode())).ConfigureAwait(false);
    }

    private static JsonObject ToScale(JsonObject obj)
    {
        JsonNode? metadata = obj["metadata"];
        int replicas = obj["spec"]?["replicas"] is JsonValue v && v.TryGetValue(out int r) ? r : 1;
        var scaleMetadata = new JsonObject();
        foreach (string key in new[] { "name", "namespace", "uid", "resourceVersion", "creationTimestamp" })
        {
            if (metadata?[key] is { } value) scaleMetadata[key] = value.DeepClone();
        }
        var status = new JsonObject { ["replicas"] = obj["status"]?["replicas"]?.DeepClone() ?? 0 };
        if (obj["spec"]?["selector"]?["matchLabels"] is JsonObject labels && labels.Count > 0)
        {
            status["selector"] = string.Join(",", labels.Select(l => $"{l.Key}={HttpIo.Str(l.Value)}"));
        }
        return new JsonObject
        {
            ["kind"] = "Scale",
            ["apiVersion"] = "autoscaling/v1",
            ["metadata"] = scaleMetadata,
            ["spec"] = new JsonObject { ["replicas"] = replicas },
            ["status"] = status,
        };
    }

    private StoredObject Get(ResourceType type, string ns, string name) =>
        _store.Get(type, ns, name) ?? throw ApiError.NotFound(type, name);

    private static bool DryRun(HttpContext http) =>
        http.Request.Query.TryGetValue("dryRun", out var values) && values.Any(v => v == "All")
            ? true
            : http.Request.Query.ContainsKey("dryRun") && !http.Request.Query["dryRun"].All(v => v == "All")
                ? throw ApiError.BadRequest($"Unsupported value: \"{http.Request.Query["dryRun"]}\": supported values: \"All\"")
                : false;

    /// <summary>Parses and checks a request body: JSON object, kind and apiVersion of this resource.</summary>
    private static JsonObject ParseObject(HttpContext http, byte[] body, ResourceType type)
    {
        JsonNode node = HttpIo.ParseBody(http.Request, body, type.Group, type.Version, type.Kind);
        if (node is not JsonObject obj)
        {
            throw ApiError.BadRequest($"couldn't get version/kind; json parse error: json: cannot unmarshal {JsonKindName(node)} into Go value of type struct {{ APIVersion string \"json:\\\"apiVersion,omitempty\\\"\"; Kind string \"json:\\\"kind,omitempty\\\"\" }}");
        }
        string apiVersion = HttpIo.Str(obj["apiVersion"]);
        string kind = HttpIo.Str(obj["kind"]);
        if (apiVersion.Length > 0 && apiVersion != type.GroupVersion)
        {
            throw ApiError.BadRequest($"the API version in the data ({apiVersion}) does not match the expected API version ({type.GroupVersion})");
        }
        if (kind.Length > 0 && kind != type.Kind)
        {
            throw ApiError.BadRequest(ResourceType.FindByKind(type.Group, kind) is null
                ? $"no kind \"{kind}\" is registered for version \"{type.GroupVersion}\""
                : $"{kind} in version \"{type.Version}\" cannot be handled as a {type.Kind}: the object is a {kind}, not a {type.Kind}");
        }
        if (obj["metadata"] is { } metadata && metadata is not JsonObject)
        {
            throw ApiError.BadRequest($"{type.Kind} in version \"{type.Version}\" cannot be handled as a {type.Kind}: json: cannot unmarshal {JsonKindName(metadata)} into Go struct field {type.Kind}.metadata of type v1.ObjectMeta");
        }
        // Review objects are answered, never stored: their key order does not matter.
        if (!type.Persisted) return obj;
        JsonObject normalized = Normalize(obj, type);
        ShapeCheck.Validate(type, normalized);
        return normalized;
    }

    private static string JsonKindName(JsonNode node) => node.GetValueKind() switch
    {
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "bool",
        _ => "object",
    };

    /// <summary>Puts kind, apiVersion and metadata first, as the API server serializes objects.</summary>
    private static JsonObject Normalize(JsonObject obj, ResourceType type)
    {
        var result = new JsonObject
        {
            ["kind"] = type.Kind,
            ["apiVersion"] = type.GroupVersion,
            ["metadata"] = obj["metadata"]?.DeepClone() ?? new JsonObject(),
        };
        foreach (var (key, value) in obj)
        {
            if (key is "kind" or "apiVersion" or "metadata") continue;
            result[key] = value?.DeepClone();
        }
        return result;
    }

    private static void CheckNamespace(ResourceType type, JsonObject metadata, string ns)
    {
        string bodyNamespace = HttpIo.Str(metadata["namespace"]);
        if (!type.Namespaced)
        {
            metadata.Remove("namespace");
            return;
        }
        if (bodyNamespace.Length > 0 && bodyNamespace != ns)
        {
            throw ApiError.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
        }
        metadata["namespace"] = ns;
    }

    private async Task CreateAsync(HttpContext http, ResourceType type, string ns, UserInfo user)
    {
        byte[] body = await HttpIo.ReadBodyAsync(http.Request, http.RequestAborted).ConfigureAwait(false);
        JsonObject obj = ParseObject(http, body, type);
        JsonObject metadata = obj["metadata"]!.AsObject();
        CheckNamespace(type, metadata, ns);
        string name = HttpIo.Str(metadata["name"]);
        string generateName = HttpIo.Str(metadata["generateName"]);
        if (name.Length == 0 && generateName.Length > 0)
        {
            name = generateName + RandomSuffix(5);
            metadata["name"] = name;
        }
        foreach (string field in new[] { "uid", "resourceVersion", "creationTimestamp", "deletionTimestamp", "selfLink" })
        {
            metadata.Remove(field);
        }
        _admission.AdmitCreate(type, obj, ns, user);
        if (DryRun(http))
        {
            metadata["uid"] = Guid.NewGuid().ToString();
            metadata["creationTimestamp"] = ObjectStore.FormatTime(_context.Clock.GetUtcNow());
            await HttpIo.WriteJsonAsync(http, 201, obj).ConfigureAwait(false);
            return;
        }
        StoredObject stored = _store.Create(type, obj);
        await HttpIo.WriteJsonBytesAsync(http, 201, stored.Json).ConfigureAwait(false);
    }

    internal static string RandomSuffix(int length)
    {
        var builder = new StringBuilder(length);
        for (int i = 0; i < length; i++) builder.Append(GenerateNameAlphabet[Random.Shared.Next(GenerateNameAlphabet.Length)]);
        return builder.ToString();
    }

    private async Task UpdateAsync(HttpContext http, ResourceType type, string ns, string name, UserInfo user)
    {
        byte[] body = await HttpIo.ReadBodyAsync(http.Request, http.RequestAborted).ConfigureAwait(false);
        JsonObject obj = ParseObject(http, body, type);
        JsonObject metadata = obj["metadata"]!.AsObject();
        CheckNamespace(type, metadata, ns);
        string bodyName = HttpIo.Str(metadata["name"]);
        if (bodyName != name)
        {
            throw ApiError.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({name})");
        }
        bool dryRun = DryRun(http);
        StoredObject stored = _store.Update(type, ns, name, current =>
        {
            _admission.AdmitUpdate(type, current, obj, ns, user);
            return dryRun ? null : obj;
        });
        await HttpIo.WriteJsonBytesAsync(http, 200, dryRun ? Json.ToUtf8(obj) : stored.Json).ConfigureAwait(false);
    }

    private async Task PatchAsync(HttpContext http, ResourceType type, string ns, string name, UserInfo user)
    {
        string patchType = HttpIo.MediaType(http.Request);
        if (!Patching.Supported.Contains(patchType)) throw ApiError.UnsupportedMediaType(Patching.Supported);
        byte[] body = await HttpIo.ReadBodyAsync(http.Request, http.RequestAborted).ConfigureAwait(false);
        JsonNode patch;
        try
        {
            patch = JsonNode.Parse(body) ?? throw ApiError.BadRequest("the patch is null");
        }
        catch (JsonException e)
        {
            throw ApiError.BadRequest($"error decoding patch: {e.Message}");
        }
        bool dryRun = DryRun(http);
        JsonObject? patched = null;
        StoredObject stored = _store.Update(type, ns, name, current =>
        {
            JsonObject original = (JsonObject)current.DeepClone();
            JsonObject result = Patching.Apply(patchType, current, patch);
            if (result["metadata"] is not JsonObject metadata)
            {
                throw ApiError.Invalid(type.Kind, type.Group, name, [FieldError.RequiredValue("metadata")]);
            }
            result["kind"] = type.Kind;
            result["apiVersion"] = type.GroupVersion;
            if (HttpIo.Str(metadata["name"]) != name)
            {
                throw ApiError.BadRequest($"the name of the object ({HttpIo.Str(metadata["name"])}) does not match the name on the URL ({name})");
            }
            CheckNamespace(type, metadata, ns);
            ShapeCheck.Validate(type, result);
            _admission.AdmitUpdate(type, original, result, ns, user);
            patched = result;
            return dryRun ? null : result;
        });
        await HttpIo.WriteJsonBytesAsync(http, 200, dryRun ? Json.ToUtf8(patched!) : stored.Json).ConfigureAwait(false);
    }

    // The registries with ReturnDeletedObject (and so the OpenAPI's 200 type of their DELETE): the object, not a Status.
    private static bool ReturnsDeletedObject(ResourceType type) =>
        type == ResourceType.ServiceAccounts || type == ResourceType.Pods || type == ResourceType.Namespaces ||
        type == ResourceType.Services;

    private async Task DeleteAsync(HttpContext http, ResourceType type, string ns, string name)
    {
        (string? uid, string? resourceVersion, bool dryRun) = await ReadDeleteOptionsAsync(http).ConfigureAwait(false);
        if (type == ResourceType.Namespaces)
        {
            await HttpIo.WriteJsonBytesAsync(http, 200, BeginNamespaceDeletion(name, uid, dryRun).Json).ConfigureAwait(false);
            return;
        }
        StoredObject deleted;
        if (dryRun)
        {
            deleted = Get(type, ns, name);
            if (!string.IsNullOrEmpty(uid) && uid != deleted.Uid) throw ApiError.Conflict(type, name, $"Precondition failed: UID in precondition: {uid}, UID in object meta: {deleted.Uid}");
        }
        else
        {
            deleted = _store.Delete(type, ns, name, uid, resourceVersion);
        }
        if (ReturnsDeletedObject(type))
        {
            await HttpIo.WriteJsonBytesAsync(http, 200, deleted.Json).ConfigureAwait(false);
            return;
        }
        var details = new JsonObject { ["name"] = name };
        if (type.Group.Length > 0) details["group"] = type.Group;
        details["kind"] = type.Resource;
        details["uid"] = deleted.Uid;
        await HttpIo.WriteJsonAsync(http, 200, new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Success",
            ["details"] = details,
        }).ConfigureAwait(false);
    }

    /// <summary>
    /// Marks a namespace Terminating; the namespace controller then removes its content and the
    /// namespace itself, as the real namespace lifecycle does.
    /// </summary>
    private StoredObject BeginNamespaceDeletion(string name, string? uid, bool dryRun)
    {
        StoredObject current = Get(ResourceType.Namespaces, "", name);
        if (!string.IsNullOrEmpty(uid) && uid != current.Uid)
        {
            throw ApiError.Conflict(ResourceType.Namespaces, name, $"Precondition failed: UID in precondition: {uid}, UID in object meta: {current.Uid}");
        }
        if (dryRun) return current;
        string now = ObjectStore.FormatTime(_context.Clock.GetUtcNow());
        return _store.Update(ResourceType.Namespaces, "", name, node =>
        {
            JsonObject metadata = node["metadata"]!.AsObject();
            if (metadata["deletionTimestamp"] is not null) return null;
            metadata.Remove("resourceVersion");
            node["status"] = new JsonObject { ["phase"] = "Terminating" };
            node["spec"] = new JsonObject { ["finalizers"] = new JsonArray("kubernetes") };
            metadata["deletionTimestamp"] = now;
            return node;
        });
    }

    private static async Task<(string? Uid, string? ResourceVersion, bool DryRun)> ReadDeleteOptionsAsync(HttpContext http)
    {
        bool dryRun = DryRun(http);
        if (http.Request.ContentLength is 0 or null && !http.Request.Headers.TransferEncoding.Any()) return (null, null, dryRun);
        byte[] body = await HttpIo.ReadBodyAsync(http.Request, http.RequestAborted).ConfigureAwait(false);
        if (body.Length == 0) return (null, null, dryRun);
        JsonNode parsed = HttpIo.MediaType(http.Request) == ProtobufBody.MediaType
            ? ProtobufBody.Decode(body, ProtoSchema.MetaGroup, "v1", "DeleteOptions")
            : HttpIo.ParseJson(body);
        if (parsed is not JsonObject options) throw ApiError.BadRequest("the DeleteOptions must be a JSON object");
        string? uid = options["preconditions"]?["uid"] is JsonValue u ? u.ToString() : null;
        string? resourceVersion = options["preconditions"]?["resourceVersion"] is JsonValue r ? r.ToString() : null;
        if (options["dryRun"] is JsonArray modes && modes.Any(m => m?.ToString() == "All")) dryRun = true;
        return (uid, resourceVersion, dryRun);
    }

    private async Task DeleteCollectionAsync(HttpContext http, ResourceType type, string ns)
    {
        (_, _, bool dryRun) = await ReadDeleteOptionsAsync(http).ConfigureAwait(false);
        var labels = LabelSelectorQuery.Parse(ApiServer.QueryValue(http, "labelSelector"));
        var fields = FieldSelectorQuery.Parse(ApiServer.QueryValue(http, "fieldSelector"));
        var deleted = new List<StoredObject>();
        foreach (StoredObject item in _store.List(type, ns.Length == 0 ? null : ns).Items)
        {
            if (!labels.Matches(item.Labels) || !fields.Matches(item.Namespace, item.Name)) continue;
            if (dryRun)
            {
                deleted.Add(item);
                continue;
            }
            try
            {
                deleted.Add(type == ResourceType.Namespaces ? BeginNamespaceDeletion(item.Name, null, false) : _store.Delete(type, item.Namespace, item.Name));
            }
            catch (ApiError e) when (e.Code == 404)
            {
                // Deleted concurrently: nothing left to do for this one.
            }
        }
        await WriteListAsync(http, type, deleted, _store.ResourceVersion, null, null).ConfigureAwait(false);
    }

    private async Task ListAsync(HttpContext http, ResourceType type, string ns)
    {
        if (ApiServer.QueryValue(http, "watch") is { } watch && watch is not ("false" or "0"))
        {
            await WatchAsync(http, type, ns).ConfigureAwait(false);
            return;
        }
        var labels = LabelSelectorQuery.Parse(ApiServer.QueryValue(http, "labelSelector"));
        var fields = FieldSelectorQuery.Parse(ApiServer.QueryValue(http, "fieldSelector"));
        long limit = 0;
        if (ApiServer.QueryValue(http, "limit") is { Length: > 0 } limitText &&
            (!long.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit)))
        {
            throw ApiError.BadRequest($"invalid limit: {limitText}");
        }
        string? startAfter = null;
        if (ApiServer.QueryValue(http, "continue") is { Length: > 0 } continueToken)
        {
            startAfter = ContinueToken.Decode(continueToken);
        }
        (List<StoredObject> all, long version) = _store.List(type, ns.Length == 0 ? null : ns);
        var matching = new List<StoredObject>();
        foreach (StoredObject item in all)
        {
            if (startAfter is not null && string.CompareOrdinal(Key(item), startAfter) <= 0) continue;
            if (labels.Matches(item.Labels) && fields.Matches(item.Namespace, item.Name)) matching.Add(item);
        }
        string? next = null;
        long? remaining = null;
        if (limit > 0 && matching.Count > limit)
        {
            remaining = matching.Count - limit;
            matching.RemoveRange((int)limit, matching.Count - (int)limit);
            next = ContinueToken.Encode(Key(matching[^1]), version);
        }
        await WriteListAsync(http, type, matching, version, next, remaining).ConfigureAwait(false);
    }

    private static string Key(StoredObject item) => item.Namespace.Length == 0 ? item.Name : item.Namespace + "/" + item.Name;

    private async Task WriteListAsync(HttpContext http, ResourceType type, List<StoredObject> items, long version, string? next, long? remaining)
    {
        if (HttpIo.WantsTable(http.Request))
        {
            await HttpIo.WriteJsonAsync(http, 200, Tables.Build(type, items, version, next, _context.Clock.GetUtcNow())).ConfigureAwait(false);
            return;
        }
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(buffer, Json.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("kind", type.ListKind);
            writer.WriteString("apiVersion", type.GroupVersion);
            writer.WriteStartObject("metadata");
            writer.WriteString("resourceVersion", version.ToString(CultureInfo.InvariantCulture));
            if (next is not null) writer.WriteString("continue", next);
            if (remaining is not null) writer.WriteNumber("remainingItemCount", remaining.Value);
            writer.WriteEndObject();
            writer.WriteStartArray("items");
            foreach (StoredObject item in items) HttpIo.WriteWithout(writer, item.Json, "kind", "apiVersion");
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        await HttpIo.WriteJsonBytesAsync(http, 200, buffer.WrittenSpan.ToArray()).ConfigureAwait(false);
    }

    private byte[] Render(HttpContext http, StoredObject item) =>
        HttpIo.WantsTable(http.Request)
            ? Json.ToUtf8(Tables.Build(item.Type, [item], item.ResourceVersion, null, _context.Clock.GetUtcNow()))
            : item.Json;

    private async Task WatchAsync(HttpContext http, ResourceType type, string ns)
    {
        var labels = LabelSelectorQuery.Parse(ApiServer.QueryValue(http, "labelSelector"));
        var fields = FieldSelectorQuery.Parse(ApiServer.QueryValue(http, "fieldSelector"));
        string? versionText = ApiServer.QueryValue(http, "resourceVersion");
        long? since = null;
        if (!string.IsNullOrEmpty(versionText) && versionText != "0")
        {
            if (!long.TryParse(versionText, NumberStyles.None, CultureInfo.InvariantCulture, out long parsed))
            {
                throw ApiError.BadRequest($"invalid resource version: {versionText}");
            }
            since = parsed;
        }
        int timeoutSeconds = 1800;
        if (ApiServer.QueryValue(http, "timeoutSeconds") is { Length: > 0 } timeoutText &&
            int.TryParse(timeoutText, NumberStyles.None, CultureInfo.InvariantCulture, out int requested) && requested > 0)
        {
            timeoutSeconds = requested;
        }
        bool table = HttpIo.WantsTable(http.Request);
        using StoreSubscription subscription = _store.Subscribe(type, ns.Length == 0 ? null : ns, since, initialState: since is null);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        timeout.CancelAfter(TimeSpan.FromSeconds(timeoutSeconds));
        http.Response.StatusCode = 200;
        http.Response.ContentType = "application/json";
        await http.Response.StartAsync(http.RequestAborted).ConfigureAwait(false);
        await http.Response.Body.FlushAsync(http.RequestAborted).ConfigureAwait(false);
        try
        {
            await foreach (StoreEvent e in subscription.Events.ReadAllAsync(timeout.Token).ConfigureAwait(false))
            {
                if (!labels.Matches(e.Object.Labels) || !fields.Matches(e.Object.Namespace, e.Object.Name)) continue;
                var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
                using (var writer = new Utf8JsonWriter(buffer, Json.WriterOptions))
                {
                    writer.WriteStartObject();
                    writer.WriteString("type", e.TypeName);
                    writer.WritePropertyName("object");
                    if (table)
                    {
                        Tables.Build(type, [e.Object], e.Object.ResourceVersion, null, _context.Clock.GetUtcNow()).WriteTo(writer);
                    }
                    else
                    {
                        using JsonDocument document = JsonDocument.Parse(e.Object.Json);
                        document.RootElement.WriteTo(writer);
                    }
                    writer.WriteEndObject();
                }
                System.Buffers.BuffersExtensions.Write(buffer, "\n"u8);
                await http.Response.Body.WriteAsync(buffer.WrittenMemory, http.RequestAborted).ConfigureAwait(false);
                await http.Response.Body.FlushAsync(http.RequestAborted).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            // Timeout reached or client gone: the watch ends as a real one does, by closing the stream.
        }
    }
}

/// <summary>The opaque continue token of paged lists: base64 of {"v","rv","start"} as the API server encodes it.</summary>
public static class ContinueToken
{
    public static string Encode(string lastKey, long version)
    {
        var json = new JsonObject { ["v"] = "meta.k8s.io/v1", ["rv"] = version, ["start"] = lastKey + "\u0000" };
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(json.ToJsonString())).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    /// <summary>The key after which the next page starts; 400 when the token is not one of ours.</summary>
    public static string Decode(string token)
    {
        try
        {
            string padded = token.Replace('-', '+').Replace('_', '/');
            padded += new string('=', (4 - padded.Length % 4) % 4);
            var json = JsonNode.Parse(Convert.FromBase64String(padded)) as JsonObject;
            string start = HttpIo.Str(json?["start"]);
            if (HttpIo.Str(json?["v"]) != "meta.k8s.io/v1" || start.Length == 0) throw new FormatException();
            return start.TrimEnd('\u0000');
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            throw ApiError.BadRequest("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
        }
    }
}
