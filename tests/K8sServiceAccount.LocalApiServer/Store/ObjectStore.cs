using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using K8sServiceAccount.LocalApiServer.Api;

namespace K8sServiceAccount.LocalApiServer.Store;

/// <summary>
/// One persisted object: its serialized JSON (immutable, shared by every reader) plus the metadata the
/// store indexes. Objects are kept as JSON so fields the server does not model survive round trips.
/// </summary>
public sealed class StoredObject
{
    internal StoredObject(ResourceType type, string ns, string name, string uid, long resourceVersion,
        IReadOnlyDictionary<string, string> labels, byte[] json)
    {
        Type = type;
        Namespace = ns;
        Name = name;
        Uid = uid;
        ResourceVersion = resourceVersion;
        Labels = labels;
        Json = json;
    }

    public ResourceType Type { get; }
    public string Namespace { get; }
    public string Name { get; }
    public string Uid { get; }
    public long ResourceVersion { get; }
    public IReadOnlyDictionary<string, string> Labels { get; }
    /// <summary>UTF-8 JSON of the whole object; never modified after the object is stored.</summary>
    public byte[] Json { get; }

    /// <summary>A private, mutable copy of the object.</summary>
    public JsonObject ToNode() => JsonNode.Parse(Json)!.AsObject();
}

/// <summary>The watch event types of the Kubernetes watch protocol.</summary>
public enum WatchEventType { Added, Modified, Deleted }

/// <summary>One change in the store, as delivered to watchers and controllers.</summary>
public sealed record StoreEvent(WatchEventType EventType, StoredObject Object)
{
    public string TypeName => EventType switch
    {
        WatchEventType.Added => "ADDED",
        WatchEventType.Modified => "MODIFIED",
        _ => "DELETED",
    };
}

/// <summary>A subscription to store changes; dispose to stop receiving events.</summary>
public sealed class StoreSubscription : IDisposable
{
    private readonly ObjectStore _store;

    internal StoreSubscription(ObjectStore store, ResourceType? type, string? ns)
    {
        _store = store;
        Type = type;
        Namespace = ns;
    }

    internal ResourceType? Type { get; }
    internal string? Namespace { get; }
    internal Channel<StoreEvent> Channel { get; } = System.Threading.Channels.Channel.CreateUnbounded<StoreEvent>(
        new UnboundedChannelOptions { SingleReader = true });

    public ChannelReader<StoreEvent> Events => Channel.Reader;

    internal bool Matches(StoreEvent e) =>
        (Type is null || ReferenceEquals(Type, e.Object.Type)) && (Namespace is null || Namespace == e.Object.Namespace);

    public void Dispose() => _store.Unsubscribe(this);
}

/// <summary>
/// The in-memory object store: one lock, one monotonic resourceVersion counter shared by every
/// resource (as etcd's revision), uid and creationTimestamp assignment, optimistic concurrency,
/// and a bounded event history so watches can resume from a resourceVersion.
/// </summary>
public sealed class ObjectStore
{
    private const int HistoryLimit = 10_000;

    private readonly object _gate = new();
    private readonly Dictionary<ResourceType, SortedDictionary<string, StoredObject>> _objects = new();
    // One counter per resource type, created up front so it can be read without the lock.
    private readonly Dictionary<ResourceType, StrongBox<long>> _lastChange =
        ResourceType.All.ToDictionary(t => t, _ => new StrongBox<long>());
    private readonly Queue<StoreEvent> _history = new();
    private readonly List<StoreSubscription> _subscriptions = new();
    private readonly TimeProvider _clock;
    private long _resourceVersion = 1;
    private long _oldestHistoryVersion = 1;

    public ObjectStore(TimeProvider? clock = null)
    {
        _clock = clock ?? TimeProvider.System;
    }

    /// <summary>The newest resourceVersion handed out.</summary>
    public long ResourceVersion
    {
        get { lock (_gate) return _resourceVersion; }
    }

    /// <summary>The resourceVersion of the last change to any object of <paramref name="type"/> (0 if never changed).</summary>
    public long LastChange(ResourceType type) => Volatile.Read(ref _lastChange[type].Value);

    private static string Key(string ns, string name) => ns.Length == 0 ? name : ns + "/" + name;

    private SortedDictionary<string, StoredObject> Bucket(ResourceType type)
    {
        if (!_objects.TryGetValue(type, out var bucket))
        {
            bucket = new SortedDictionary<string, StoredObject>(StringComparer.Ordinal);
            _objects[type] = bucket;
        }
        return bucket;
    }

    public StoredObject? Get(ResourceType type, string ns, string name)
    {
        lock (_gate) return Bucket(type).GetValueOrDefault(Key(ns, name));
    }

    /// <summary>Objects of <paramref name="type"/> in key order (namespace/name); <paramref name="ns"/> null = every namespace.</summary>
    public (List<StoredObject> Items, long ResourceVersion) List(ResourceType type, string? ns)
    {
        lock (_gate)
        {
            var items = new List<StoredObject>();
            foreach (StoredObject item in Bucket(type).Values)
            {
                if (ns is null || item.Namespace == ns) items.Add(item);
            }
            return (items, _resourceVersion);
        }
    }

    /// <summary>Stores a new object; assigns uid, resourceVersion and creationTimestamp.</summary>
    public StoredObject Create(ResourceType type, JsonObject obj)
    {
        (string ns, string name) = Identity(obj);
        lock (_gate)
        {
            var bucket = Bucket(type);
            string key = Key(ns, name);
            if (bucket.ContainsKey(key)) throw ApiError.AlreadyExists(type, name);
            JsonObject metadata = obj["metadata"]!.AsObject();
            metadata["uid"] = Guid.NewGuid().ToString();
            metadata["creationTimestamp"] = FormatTime(_clock.GetUtcNow());
            metadata.Remove("deletionTimestamp");
            StoredObject stored = Commit(type, ns, name, obj, bucket, key);
            Publish(new StoreEvent(WatchEventType.Added, stored));
            return stored;
        }
    }

    /// <summary>
    /// Read-modify-write under the store lock: <paramref name="mutate"/> gets a private copy of the current
    /// object and returns the new one (or null for "no change"). uid and creationTimestamp are kept.
    /// </summary>
    public StoredObject Update(ResourceType type, string ns, string name, Func<JsonObject, JsonObject?> mutate)
    {
        lock (_gate)
        {
            var bucket = Bucket(type);
            string key = Key(ns, name);
            if (!bucket.TryGetValue(key, out StoredObject? current)) throw ApiError.NotFound(type, name);
            JsonObject? updated = mutate(current.ToNode());
            if (updated is null) return current;
            (string newNs, string newName) = Identity(updated);
            if (newNs != ns || newName != name)
            {
                throw ApiError.BadRequest($"the name of the object ({newName}) does not match the name on the URL ({name})");
            }
            JsonObject metadata = updated["metadata"]!.AsObject();
            string? requestedVersion = metadata["resourceVersion"]?.GetValue<string>();
            if (!string.IsNullOrEmpty(requestedVersion) && requestedVersion != current.ResourceVersion.ToString(CultureInfo.InvariantCulture))
            {
                throw ApiError.StaleResourceVersion(type, name);
            }
            JsonObject currentMetadata = JsonNode.Parse(current.Json)!["metadata"]!.AsObject();
            metadata["uid"] = current.Uid;
            metadata["creationTimestamp"] = currentMetadata["creationTimestamp"]?.DeepClone();
            if (currentMetadata["deletionTimestamp"] is { } deletion) metadata["deletionTimestamp"] = deletion.DeepClone();
            StoredObject stored = Commit(type, ns, name, updated, bucket, key);
            Publish(new StoreEvent(WatchEventType.Modified, stored));
            return stored;
        }
    }

    /// <summary>Removes an object, honouring optional uid/resourceVersion preconditions.</summary>
    public StoredObject Delete(ResourceType type, string ns, string name, string? uidPrecondition = null, string? resourceVersionPrecondition = null)
    {
        lock (_gate)
        {
            var bucket = Bucket(type);
            string key = Key(ns, name);
            if (!bucket.TryGetValue(key, out StoredObject? current)) throw ApiError.NotFound(type, name);
            if (!string.IsNullOrEmpty(uidPrecondition) && uidPrecondition != current.Uid)
            {
                throw ApiError.Conflict(type, name,
                    $"Precondition failed: UID in precondition: {uidPrecondition}, UID in object meta: {current.Uid}");
            }
            if (!string.IsNullOrEmpty(resourceVersionPrecondition) &&
                resourceVersionPrecondition != current.ResourceVersion.ToString(CultureInfo.InvariantCulture))
            {
                throw ApiError.Conflict(type, name,
                    $"Precondition failed: ResourceVersion in precondition: {resourceVersionPrecondition}, ResourceVersion in object meta: {current.ResourceVersion}");
            }
            bucket.Remove(key);
            // The deleted object is reported with a fresh resourceVersion, as the API server does.
            JsonObject node = current.ToNode();
            long version = ++_resourceVersion;
            node["metadata"]!["resourceVersion"] = version.ToString(CultureInfo.InvariantCulture);
            var tombstone = new StoredObject(type, ns, name, current.Uid, version, current.Labels,
                Json.ToUtf8(node));
            Volatile.Write(ref _lastChange[type].Value, version);
            Publish(new StoreEvent(WatchEventType.Deleted, tombstone));
            return tombstone;
        }
    }

    /// <summary>
    /// Subscribes to changes; with <paramref name="initialState"/> the current objects come first as ADDED
    /// events, otherwise when <paramref name="sinceVersion"/> is given, events newer than it are replayed first. Throws 410 Gone when that version is older than the retained history.
    /// </summary>
    public StoreSubscription Subscribe(ResourceType? type, string? ns, long? sinceVersion = null, bool initialState = false)
    {
        lock (_gate)
        {
            var subscription = new StoreSubscription(this, type, ns);
            if (initialState && type is not null)
            {
                // Watch without a resourceVersion: synthetic ADDED events for the current state first.
                foreach (StoredObject item in Bucket(type).Values)
                {
                    var e = new StoreEvent(WatchEventType.Added, item);
                    if (subscription.Matches(e)) subscription.Channel.Writer.TryWrite(e);
                }
            }
            else if (sinceVersion is long since)
            {
                if (since < _oldestHistoryVersion - 1)
                {
                    throw ApiError.Gone($"too old resource version: {since} ({_oldestHistoryVersion - 1})");
                }
                foreach (StoreEvent e in _history)
                {
                    if (e.Object.ResourceVersion > since && subscription.Matches(e)) subscription.Channel.Writer.TryWrite(e);
                }
            }
            _subscriptions.Add(subscription);
            return subscription;
        }
    }

    internal void Unsubscribe(StoreSubscription subscription)
    {
        lock (_gate) _subscriptions.Remove(subscription);
        subscription.Channel.Writer.TryComplete();
    }

    private StoredObject Commit(ResourceType type, string ns, string name, JsonObject obj,
        SortedDictionary<string, StoredObject> bucket, string key)
    {
        long version = ++_resourceVersion;
        JsonObject metadata = obj["metadata"]!.AsObject();
        metadata["resourceVersion"] = version.ToString(CultureInfo.InvariantCulture);
        OrderMetadata(metadata);
        var stored = new StoredObject(type, ns, name, metadata["uid"]!.GetValue<string>(), version,
            ReadLabels(metadata), Json.ToUtf8(obj));
        bucket[key] = stored;
        Volatile.Write(ref _lastChange[type].Value, version);
        return stored;
    }

    private void Publish(StoreEvent e)
    {
        _history.Enqueue(e);
        if (_history.Count > HistoryLimit)
        {
            _oldestHistoryVersion = _history.Dequeue().Object.ResourceVersion + 1;
        }
        foreach (StoreSubscription subscription in _subscriptions)
        {
            if (subscription.Matches(e)) subscription.Channel.Writer.TryWrite(e);
        }
    }

    private static (string Namespace, string Name) Identity(JsonObject obj)
    {
        JsonObject metadata = obj["metadata"] as JsonObject ?? throw new ArgumentException("object has no metadata");
        return (metadata["namespace"]?.GetValue<string>() ?? "", metadata["name"]?.GetValue<string>() ?? "");
    }

    private static IReadOnlyDictionary<string, string> ReadLabels(JsonObject metadata)
    {
        if (metadata["labels"] is not JsonObject labels || labels.Count == 0) return EmptyLabels;
        var result = new Dictionary<string, string>(labels.Count, StringComparer.Ordinal);
        foreach (var (key, value) in labels)
        {
            result[key] = value is JsonValue v && v.TryGetValue(out string? s) ? s : value?.ToJsonString() ?? "";
        }
        return result;
    }

    // ObjectMeta's field order on the wire (Go struct order), so stored objects read like the API server's.
    private static readonly string[] MetadataOrder =
    [
        "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation", "creationTimestamp",
        "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations", "ownerReferences", "finalizers", "managedFields",
    ];

    private static void OrderMetadata(JsonObject metadata)
    {
        var entries = metadata.ToList();
        metadata.Clear();
        foreach (string key in MetadataOrder)
        {
            foreach (var entry in entries)
            {
                if (entry.Key == key) metadata[key] = entry.Value;
            }
        }
        foreach (var entry in entries)
        {
            if (Array.IndexOf(MetadataOrder, entry.Key) < 0) metadata[entry.Key] = entry.Value;
        }
    }

    private static readonly IReadOnlyDictionary<string, string> EmptyLabels = new Dictionary<string, string>();

    /// <summary>RFC 3339 with second precision, as Kubernetes serializes metav1.Time.</summary>
    public static string FormatTime(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
