using K8sServiceAccount.Client.Config;

namespace K8sServiceAccount.Client.Tests.Config;

/// <summary>
/// A test machine: its own environment variables, home and current directory, and files either in memory or
/// (for fixtures) on disk. Nothing here reads or changes the process environment, so tests run in parallel.
/// </summary>
internal sealed class FakeSystemEnvironment : ISystemEnvironment
{
    private readonly Dictionary<string, string> _variables = new(StringComparer.Ordinal);
    private readonly Dictionary<string, byte[]> _files = new(StringComparer.Ordinal);
    private readonly HashSet<string> _unreadable = new(StringComparer.Ordinal);

    /// <summary>When true, files not held in memory are read from the real disk (fixture directories).</summary>
    public bool UseDisk { get; init; }

    public string? HomeDirectory { get; set; } = "/home/fixture";

    public string CurrentDirectory { get; set; } = "/work/fixture";

    public DateTimeOffset UtcNow { get; set; } = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public FakeSystemEnvironment Set(string name, string? value)
    {
        if (value is null)
        {
            _variables.Remove(name);
        }
        else
        {
            _variables[name] = value;
        }

        return this;
    }

    public FakeSystemEnvironment AddFile(string path, string content) => AddFile(path, System.Text.Encoding.UTF8.GetBytes(content));

    public FakeSystemEnvironment AddFile(string path, byte[] content)
    {
        _files[path] = content;
        return this;
    }

    /// <summary>The file exists but reading it fails with "permission denied".</summary>
    public FakeSystemEnvironment AddUnreadableFile(string path)
    {
        _files[path] = Array.Empty<byte>();
        _unreadable.Add(path);
        return this;
    }

    public List<string> FilesRead { get; } = new();

    public string? GetEnvironmentVariable(string name) => _variables.GetValueOrDefault(name);

    public bool FileExists(string path) => _files.ContainsKey(path) || (UseDisk && File.Exists(path));

    public byte[] ReadAllBytes(string path)
    {
        lock (FilesRead)
        {
            FilesRead.Add(path);
        }

        if (_unreadable.Contains(path))
        {
            throw new UnauthorizedAccessException($"Access to the path '{path}' is denied.");
        }

        if (_files.TryGetValue(path, out var content))
        {
            return content;
        }

        if (UseDisk)
        {
            return File.ReadAllBytes(path);
        }

        throw new FileNotFoundException($"Could not find file '{path}'.", path);
    }
}
