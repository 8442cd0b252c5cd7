using System.Collections.Concurrent;
using K8sServiceAccount.Client.Config;

namespace K8sServiceAccount.Client.Tests.Http.Support;

/// <summary>An ISystemEnvironment with in-memory files, injectable read failures and a clock the test moves.</summary>
internal sealed class TestEnvironment : ISystemEnvironment
{
    private readonly ConcurrentDictionary<string, byte[]> _files = new();
    private readonly ConcurrentDictionary<string, Exception> _failures = new();

    public DateTimeOffset UtcNow { get; set; } = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public string? HomeDirectory => "/home/test";

    public string CurrentDirectory => "/work";

    public int Reads { get; private set; }

    public void WriteFile(string path, string text)
    {
        _failures.TryRemove(path, out _);
        _files[path] = System.Text.Encoding.UTF8.GetBytes(text);
    }

    public void FailReads(string path, Exception failure) => _failures[path] = failure;

    public void Advance(TimeSpan by) => UtcNow += by;

    public string? GetEnvironmentVariable(string name) => null;

    public bool FileExists(string path) => _files.ContainsKey(path);

    public byte[] ReadAllBytes(string path)
    {
        Reads++;
        if (_failures.TryGetValue(path, out var failure))
        {
            throw failure;
        }

        return _files.TryGetValue(path, out var bytes) ? bytes : throw new FileNotFoundException($"Could not find file '{path}'.", path);
    }
}
