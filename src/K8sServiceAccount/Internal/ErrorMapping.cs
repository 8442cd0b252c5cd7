using K8sServiceAccount.Client;

namespace K8sServiceAccount.Internal;

/// <summary>
/// An ErrorRecord as plain data: the stable id, the name of the ErrorCategory and the target object.
/// Computed without PowerShell so it can be tested without a runspace.
/// </summary>
internal readonly record struct ErrorDescription(string ErrorId, string CategoryName, object? Target);

/// <summary>Maps exceptions to stable ErrorRecord ids and categories.</summary>
internal static class ErrorMapping
{
    /// <summary>
    /// Client exceptions carry their own id and a category named as PowerShell's ErrorCategory; the client's
    /// target (a file, a context) wins over the cmdlet's, which is the fallback.
    /// </summary>
    internal static ErrorDescription Describe(Exception exception, object? fallbackTarget) => exception switch
    {
        K8sClientException client => new(client.ErrorId, client.Category.ToString(), (object?)client.Target ?? fallbackTarget),
        OperationCanceledException => new("OperationCanceled", nameof(K8sErrorCategory.OperationStopped), fallbackTarget),
        TimeoutException => new("OperationTimedOut", nameof(K8sErrorCategory.OperationTimeout), fallbackTarget),
        ArgumentException => new("InvalidArgument", nameof(K8sErrorCategory.InvalidArgument), fallbackTarget),
        UnauthorizedAccessException => new("AccessDenied", nameof(K8sErrorCategory.PermissionDenied), fallbackTarget),
        IOException => new("IOError", nameof(K8sErrorCategory.ReadError), fallbackTarget),
        // Anything else is a defect; PowerShell itself would use the exception type name as the id.
        _ => new(exception.GetType().Name, nameof(K8sErrorCategory.NotSpecified), fallbackTarget),
    };
}
