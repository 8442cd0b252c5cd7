namespace K8sServiceAccount.Client.Config;

/// <summary>
/// Finds and merges kubeconfig files as kubectl does: an explicit path (must exist, read alone), else the
/// KUBECONFIG list (<see cref="Path.PathSeparator"/>-separated; empty and duplicate entries ignored, missing
/// files skipped, an error only when all are missing), else ~/.kube/config.
/// </summary>
public static class KubeconfigLoader
{
    /// <summary>The environment variable that lists kubeconfig files.</summary>
    public const string KubeconfigVariable = "KUBECONFIG";

    /// <summary>Loads and merges the kubeconfig files that apply.</summary>
    /// <param name="explicitPath">A path given by the caller (-Kubeconfig), or null.</param>
    /// <param name="environment">Environment variables, files and the home directory.</param>
    /// <exception cref="KubeconfigException">No file found, a file unreadable or malformed.</exception>
    public static Kubeconfig Load(string? explicitPath, ISystemEnvironment environment) => Load(explicitPath, environment, useParseCache: true);

    /// <param name="explicitPath">As <see cref="Load(string?, ISystemEnvironment)"/>.</param>
    /// <param name="environment">As <see cref="Load(string?, ISystemEnvironment)"/>.</param>
    /// <param name="useParseCache">False to parse every file again (the benchmark's cold figure).</param>
    internal static Kubeconfig Load(string? explicitPath, ISystemEnvironment environment, bool useParseCache)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var files = FindFiles(explicitPath, environment);
        var documents = new List<KubeconfigDocument>(files.Count);
        foreach (var file in files)
        {
            var content = Read(file, environment);
            documents.Add(useParseCache ? ParseCache.GetOrParse(file, content) : KubeconfigParser.Parse(content, file));
        }

        return Merge(documents);
    }

    /// <summary>The KUBECONFIG entries in order: empty and duplicate entries removed, each made absolute.</summary>
    public static IReadOnlyList<string> SplitKubeconfigVariable(string? value, ISystemEnvironment environment)
    {
        var result = new List<string>();
        if (string.IsNullOrEmpty(value))
        {
            return result;
        }

        var seen = new HashSet<string>(OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
        foreach (var entry in value.Split(Path.PathSeparator))
        {
            if (entry.Length == 0)
            {
                continue;
            }

            var full = Path.GetFullPath(entry, environment.CurrentDirectory);
            if (seen.Add(full))
            {
                result.Add(full);
            }
        }

        return result;
    }

    /// <summary>~/.kube/config under the seam's home directory, or null when the home directory is unknown.</summary>
    public static string? DefaultPath(ISystemEnvironment environment) =>
        environment.HomeDirectory is { Length: > 0 } home ? Path.Combine(home, ".kube", "config") : null;

    /// <summary>Merges parsed files: first definition of each name wins, current-context is the first non-empty.</summary>
    internal static Kubeconfig Merge(IReadOnlyList<KubeconfigDocument> documents)
    {
        var files = new string[documents.Count];
        string? currentContext = null;
        var contexts = new List<KubeconfigContext>();
        var clusters = new List<ClusterEntry>();
        var users = new List<UserEntry>();
        var contextNames = new HashSet<string>(StringComparer.Ordinal);
        var clusterNames = new HashSet<string>(StringComparer.Ordinal);
        var userNames = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < documents.Count; i++)
        {
            var document = documents[i];
            files[i] = document.File;
            currentContext ??= document.CurrentContext;
            AddFirst(document.Contexts, c => c.Name, contextNames, contexts);
            AddFirst(document.Clusters, c => c.Name, clusterNames, clusters);
            AddFirst(document.Users, u => u.Name, userNames, users);
        }

        return new Kubeconfig(files, currentContext, contexts, clusters, users);
    }

    private static void AddFirst<T>(IReadOnlyList<T> entries, Func<T, string> name, HashSet<string> seen, List<T> into)
    {
        foreach (var entry in entries)
        {
            if (seen.Add(name(entry)))
            {
                into.Add(entry);
            }
        }
    }

    private static IReadOnlyList<string> FindFiles(string? explicitPath, ISystemEnvironment environment)
    {
        if (!string.IsNullOrEmpty(explicitPath))
        {
            var full = Path.GetFullPath(explicitPath, environment.CurrentDirectory);
            if (!environment.PathExists(full))
            {
                throw new KubeconfigException(
                    ConnectionErrorIds.KubeconfigNotFound,
                    K8sErrorCategory.ObjectNotFound,
                    $"The kubeconfig file '{full}' does not exist (an explicit kubeconfig path must name an existing file; it is not merged with KUBECONFIG).",
                    full);
            }

            return new[] { full };
        }

        var variable = environment.GetEnvironmentVariable(KubeconfigVariable);
        var listed = SplitKubeconfigVariable(variable, environment);
        if (listed.Count > 0)
        {
            var existing = listed.Where(environment.PathExists).ToArray();
            if (existing.Length == 0)
            {
                throw new KubeconfigException(
                    ConnectionErrorIds.KubeconfigNotFound,
                    K8sErrorCategory.ObjectNotFound,
                    $"None of the files named by KUBECONFIG exist: {string.Join(", ", listed)}.",
                    listed[0]);
            }

            return existing;
        }

        var defaultPath = DefaultPath(environment);
        if (defaultPath is null || !environment.PathExists(defaultPath))
        {
            throw new KubeconfigException(
                ConnectionErrorIds.KubeconfigNotFound,
                K8sErrorCategory.ObjectNotFound,
                defaultPath is null
                    ? "No kubeconfig found: KUBECONFIG is not set and the home directory is unknown (HOME is not set)."
                    : $"No kubeconfig found: KUBECONFIG is not set and '{defaultPath}' does not exist.",
                defaultPath);
        }

        return new[] { defaultPath };
    }

    /// <summary>
    /// Parsed files keyed by path and exact content. Every call still reads every file, so an edit is seen at
    /// once; only the YAML parse of unchanged bytes is skipped (each cmdlet resolves its connection, and a
    /// kubeconfig with many clusters and embedded certificates is mostly parse time).
    /// </summary>
    private static class ParseCache
    {
        private const int Capacity = 32;
        private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, (byte[] Content, KubeconfigDocument Document)> Entries =
            new(StringComparer.Ordinal);

        public static KubeconfigDocument GetOrParse(string file, byte[] content)
        {
            if (Entries.TryGetValue(file, out var cached) && cached.Content.AsSpan().SequenceEqual(content))
            {
                return cached.Document;
            }

            // A parse error throws here and is never cached.
            var document = KubeconfigParser.Parse(content, file);
            if (Entries.Count >= Capacity)
            {
                Entries.Clear();
            }

            Entries[file] = (content, document);
            return document;
        }
    }

    private static byte[] Read(string file, ISystemEnvironment environment)
    {
        try
        {
            return environment.ReadFile(file, RegularFile.KubeconfigMaxBytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KubeconfigException(
                ConnectionErrorIds.KubeconfigUnreadable,
                K8sErrorCategory.ReadError,
                $"error loading config file \"{file}\": {e.Message}",
                file,
                inner: e);
        }
    }
}
