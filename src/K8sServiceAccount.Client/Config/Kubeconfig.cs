namespace K8sServiceAccount.Client.Config;

/// <summary>
/// One or more kubeconfig files merged as kubectl merges them: for every cluster, user and context name the
/// first file that defines it wins, and current-context is the first non-empty one. Names are case-sensitive.
/// Relative file references are already resolved against the directory of the file that names them.
/// </summary>
public sealed class Kubeconfig
{
    private readonly Dictionary<string, KubeconfigContext> _contexts;
    private readonly Dictionary<string, ClusterEntry> _clusters;
    private readonly Dictionary<string, UserEntry> _users;

    internal Kubeconfig(
        IReadOnlyList<string> files,
        string? currentContext,
        IReadOnlyList<KubeconfigContext> contexts,
        IReadOnlyList<ClusterEntry> clusters,
        IReadOnlyList<UserEntry> users)
    {
        Files = files;
        CurrentContext = currentContext;
        Contexts = contexts;
        _contexts = new Dictionary<string, KubeconfigContext>(contexts.Count, StringComparer.Ordinal);
        foreach (var context in contexts)
        {
            _contexts[context.Name] = context;
        }

        _clusters = new Dictionary<string, ClusterEntry>(clusters.Count, StringComparer.Ordinal);
        var publicClusters = new KubeconfigCluster[clusters.Count];
        for (var i = 0; i < clusters.Count; i++)
        {
            _clusters[clusters[i].Name] = clusters[i];
            publicClusters[i] = new KubeconfigCluster(clusters[i].Name, clusters[i].Server, clusters[i].SourceFile);
        }

        _users = new Dictionary<string, UserEntry>(users.Count, StringComparer.Ordinal);
        var publicUsers = new KubeconfigUser[users.Count];
        for (var i = 0; i < users.Count; i++)
        {
            _users[users[i].Name] = users[i];
            publicUsers[i] = new KubeconfigUser(users[i].Name, users[i].SourceFile);
        }

        Clusters = publicClusters;
        Users = publicUsers;
    }

    /// <summary>The files that were read, in merge order (absolute paths).</summary>
    public IReadOnlyList<string> Files { get; }

    /// <summary>The first non-empty current-context of the files, or null.</summary>
    public string? CurrentContext { get; }

    /// <summary>Every context, in file order (the first definition of each name).</summary>
    public IReadOnlyList<KubeconfigContext> Contexts { get; }

    /// <summary>Every cluster (name, server and the file that defines it).</summary>
    public IReadOnlyList<KubeconfigCluster> Clusters { get; }

    /// <summary>Every user entry (name and the file that defines it; never credentials).</summary>
    public IReadOnlyList<KubeconfigUser> Users { get; }

    /// <summary>The context with exactly this name (case-sensitive), or null.</summary>
    public KubeconfigContext? FindContext(string name) => _contexts.GetValueOrDefault(name);

    internal ClusterEntry? FindCluster(string name) => _clusters.GetValueOrDefault(name);

    internal UserEntry? FindUser(string name) => _users.GetValueOrDefault(name);
}

/// <summary>A kubeconfig context: which cluster, which user, which namespace, and the file that defines it.</summary>
public sealed record KubeconfigContext(string Name, string? Cluster, string? User, string? Namespace, string SourceFile);

/// <summary>A kubeconfig cluster entry as listed to users (the full entry stays inside the client).</summary>
public sealed record KubeconfigCluster(string Name, string? Server, string SourceFile);

/// <summary>A kubeconfig user entry as listed to users: its name and file only, never credentials.</summary>
public sealed record KubeconfigUser(string Name, string SourceFile);

/// <summary>A file reference as written in the kubeconfig and as resolved against the file's directory.</summary>
internal readonly record struct FileReference(string Written, string Resolved);

/// <summary>A kubeconfig cluster entry with every field the connection needs.</summary>
internal sealed class ClusterEntry
{
    public required string Name { get; init; }

    public required string SourceFile { get; init; }

    /// <summary>Index in the file's clusters list, for field paths in messages.</summary>
    public int Index { get; init; }

    public string? Server { get; init; }

    public FileReference? CertificateAuthority { get; init; }

    public byte[]? CertificateAuthorityData { get; init; }

    public bool InsecureSkipTlsVerify { get; init; }

    public string? TlsServerName { get; init; }

    public string? ProxyUrl { get; init; }

    public bool DisableCompression { get; init; }

    /// <summary>extensions[name=client.authentication.k8s.io/exec].extension as JSON, for provideClusterInfo.</summary>
    public string? ExecExtensionJson { get; init; }

    public string FieldPath(string field) => $"clusters[{Index}].cluster.{field}";
}

/// <summary>A kubeconfig user entry with its credentials. Internal: never printed.</summary>
internal sealed class UserEntry
{
    public required string Name { get; init; }

    public required string SourceFile { get; init; }

    public int Index { get; init; }

    public string? Token { get; init; }

    public FileReference? TokenFile { get; init; }

    public FileReference? ClientCertificate { get; init; }

    public byte[]? ClientCertificateData { get; init; }

    public FileReference? ClientKey { get; init; }

    public byte[]? ClientKeyData { get; init; }

    public string? Username { get; init; }

    public string? Password { get; init; }

    public string? Impersonate { get; init; }

    public string? ImpersonateUid { get; init; }

    public IReadOnlyList<string> ImpersonateGroups { get; init; } = Array.Empty<string>();

    public IReadOnlyDictionary<string, IReadOnlyList<string>> ImpersonateUserExtra { get; init; } =
        new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>auth-provider.name when the entry has an auth-provider section ("" when unnamed).</summary>
    public string? AuthProviderName { get; init; }

    public ExecEntry? Exec { get; init; }

    public string FieldPath(string field) => $"users[{Index}].user.{field}";

    public override string ToString() => $"UserEntry {Name} (redacted)";
}

/// <summary>A user's exec section as written (validation and defaults are the resolver's job).</summary>
internal sealed class ExecEntry
{
    /// <summary>The command; resolved against the file's directory only when it contains a path separator.</summary>
    public string? Command { get; init; }

    public string? CommandWritten { get; init; }

    public IReadOnlyList<string> Args { get; init; } = Array.Empty<string>();

    /// <summary>name/value pairs; a null name is kept so validation can report it.</summary>
    public IReadOnlyList<KeyValuePair<string?, string>> Env { get; init; } = Array.Empty<KeyValuePair<string?, string>>();

    public string? ApiVersion { get; init; }

    public string? InstallHint { get; init; }

    public bool ProvideClusterInfo { get; init; }

    public string? InteractiveMode { get; init; }
}
