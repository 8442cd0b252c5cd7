namespace K8sServiceAccount.Internal;

/// <summary>
/// Process-wide cache of connections, so repeated commands reuse one HttpClient (pooled TCP and TLS, warm
/// calls cost one round trip) and one credential cache (an exec plugin runs once per credential lifetime).
/// Bounded: the least recently used entry is dropped beyond <see cref="Capacity"/>. Dropped connections are
/// not disposed, because a session or a K8sConnectionInfo (-Connection) may still hold one; their idle sockets close on their own.
/// </summary>
internal sealed class ConnectionCache<TConnection>
    where TConnection : class
{
    private readonly object gate = new();
    private readonly Dictionary<ConnectionCacheKey, LinkedListNode<Entry>> entries = new();
    private readonly LinkedList<Entry> recency = new();

    internal ConnectionCache(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
    }

    internal int Capacity { get; }

    internal int Count
    {
        get
        {
            lock (gate)
            {
                return entries.Count;
            }
        }
    }

    /// <summary>Returns the cached connection for the key, or creates it (once, even under concurrent callers).</summary>
    internal TConnection GetOrCreate(ConnectionCacheKey key, Func<TConnection> create)
    {
        lock (gate)
        {
            if (entries.TryGetValue(key, out var node))
            {
                recency.Remove(node);
                recency.AddFirst(node);
                return node.Value.Connection;
            }

            // Creating a connection does no I/O (the first request connects), so holding the lock is cheap.
            var created = create();
            entries[key] = recency.AddFirst(new Entry(key, created));
            while (entries.Count > Capacity)
            {
                var oldest = recency.Last!;
                recency.RemoveLast();
                entries.Remove(oldest.Value.Key);
            }

            return created;
        }
    }

    /// <summary>The cached connection for the key, or null; makes nothing.</summary>
    internal TConnection? TryGet(ConnectionCacheKey key)
    {
        lock (gate)
        {
            return entries.TryGetValue(key, out var node) ? node.Value.Connection : null;
        }
    }

    private sealed record Entry(ConnectionCacheKey Key, TConnection Connection);
}
