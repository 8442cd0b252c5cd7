using System.Collections.Concurrent;

namespace K8sServiceAccount.Client.Tests.Http.Support;

/// <summary>Collects log lines with their level.</summary>
internal sealed class RecordingLog : IClientLog
{
    private readonly ConcurrentQueue<(string Level, string Message)> _lines = new();

    /// <summary>A log that records every level; with false, it declines verbose and debug lines as PowerShell's default preferences do.</summary>
    public RecordingLog(bool verboseAndDebug = true)
    {
        IsVerboseEnabled = verboseAndDebug;
        IsDebugEnabled = verboseAndDebug;
    }

    public bool IsVerboseEnabled { get; }

    public bool IsDebugEnabled { get; }

    public IReadOnlyList<(string Level, string Message)> Lines => _lines.ToArray();

    public IEnumerable<string> WarningLines => Lines.Where(l => l.Level == "Warning").Select(l => l.Message);

    public IEnumerable<string> VerboseLines => Lines.Where(l => l.Level == "Verbose").Select(l => l.Message);

    public IEnumerable<string> DebugLines => Lines.Where(l => l.Level == "Debug").Select(l => l.Message);

    public void Verbose(string message)
    {
        Assert.True(IsVerboseEnabled, $"a verbose line was written to a log that declined them: {message}");
        _lines.Enqueue(("Verbose", message));
    }

    void IClientLog.Debug(string message)
    {
        Assert.True(IsDebugEnabled, $"a debug line was written to a log that declined them: {message}");
        _lines.Enqueue(("Debug", message));
    }

    public void Warning(string message) => _lines.Enqueue(("Warning", message));

    /// <summary>Fails when any line contains any of the secrets.</summary>
    public void AssertNoSecrets(params string[] secrets)
    {
        foreach (var (level, message) in Lines)
        {
            foreach (var secret in secrets)
            {
                Assert.False(message.Contains(secret, StringComparison.Ordinal), $"{level} line leaks a secret: {message}");
            }
        }
    }
}
