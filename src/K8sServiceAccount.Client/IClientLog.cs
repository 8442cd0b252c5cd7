namespace K8sServiceAccount.Client;

/// <summary>
/// Where the client writes what a user may want to see (-Verbose, -Debug, warnings). The cmdlet layer
/// implements it over WriteVerbose/WriteDebug/WriteWarning; tests collect the lines. Implementations
/// receive only text that is already free of tokens, keys and passwords.
/// </summary>
public interface IClientLog
{
    /// <summary>
    /// Whether verbose lines are wanted. Callers skip formatting a line per request when they are not: a batch of
    /// thousands of checks would otherwise build and hand over two lines per check that PowerShell then drops.
    /// </summary>
    bool IsVerboseEnabled => true;

    /// <summary>Whether debug lines are wanted (see <see cref="IsVerboseEnabled"/>).</summary>
    bool IsDebugEnabled => true;

    void Verbose(string message);

    void Debug(string message);

    void Warning(string message);
}

/// <summary>A log that drops everything.</summary>
public sealed class NullClientLog : IClientLog
{
    public static readonly NullClientLog Instance = new();

    /// <inheritdoc />
    public bool IsVerboseEnabled => false;

    /// <inheritdoc />
    public bool IsDebugEnabled => false;

    public void Verbose(string message) { }

    public void Debug(string message) { }

    public void Warning(string message) { }
}
