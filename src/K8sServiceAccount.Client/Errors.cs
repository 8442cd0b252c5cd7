namespace K8sServiceAccount.Client;

/// <summary>
/// What kind of failure a client exception is. The cmdlet layer maps each value to the PowerShell
/// ErrorCategory of the same name, so keep the names identical to System.Management.Automation.ErrorCategory.
/// </summary>
public enum K8sErrorCategory
{
    NotSpecified,
    InvalidArgument,
    InvalidData,
    InvalidOperation,
    ObjectNotFound,
    ResourceExists,
    PermissionDenied,
    AuthenticationError,
    SecurityError,
    ConnectionError,
    OperationTimeout,
    ResourceUnavailable,
    LimitsExceeded,
    NotImplemented,
    ReadError,
    WriteError,
    ProtocolError,
    OperationStopped,
}

/// <summary>
/// Base of every exception the client throws on purpose. ErrorId is stable PascalCase (the cmdlet layer
/// uses it as the ErrorRecord id); Message never contains a token, key or password.
/// </summary>
public class K8sClientException : Exception
{
    public K8sClientException(string errorId, K8sErrorCategory category, string message, Exception? inner = null)
        : base(message, inner)
    {
        ErrorId = errorId;
        Category = category;
    }

    public string ErrorId { get; }

    public K8sErrorCategory Category { get; }

    /// <summary>The object the error is about (a file path, a context name, an API object name), when there is one.</summary>
    public string? Target { get; init; }
}
