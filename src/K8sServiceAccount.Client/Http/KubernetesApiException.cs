using K8sServiceAccount.Client.Models;

namespace K8sServiceAccount.Client.Http;

/// <summary>
/// A non-success answer from the API server, mapped from its Status object. The server's message is kept
/// as the exception message; ErrorId and Category follow from the reason (or the HTTP code when the body is
/// not a Status), so callers and the cmdlet layer can tell a NotFound from a Forbidden without parsing text.
/// </summary>
public class KubernetesApiException : K8sClientException
{
    public KubernetesApiException(int statusCode, Status? status, string message, Exception? inner = null)
        : base(ErrorIdFor(statusCode, status?.Reason), CategoryFor(statusCode, status?.Reason), message, inner)
    {
        StatusCode = statusCode;
        Status = status;
    }

    /// <summary>The HTTP status code.</summary>
    public int StatusCode { get; }

    /// <summary>The Status body, when the server sent one.</summary>
    public Status? Status { get; }

    /// <summary>The Kubernetes reason (NotFound, AlreadyExists, Forbidden, Invalid, Conflict...), or null.</summary>
    public string? Reason => Status?.Reason;

    /// <summary>Seconds the server asked the client to wait (Retry-After or details.retryAfterSeconds), if any.</summary>
    public int? RetryAfterSeconds { get; init; }

    public bool IsNotFound => StatusCode == 404;

    public bool IsAlreadyExists => StatusCode == 409 && Reason == "AlreadyExists";

    public bool IsConflict => StatusCode == 409 && Reason != "AlreadyExists";

    public bool IsForbidden => StatusCode == 403;

    public bool IsUnauthorized => StatusCode == 401;

    public bool IsInvalid => StatusCode == 422;

    /// <summary>Stable ErrorId: "Kubernetes" + the reason (e.g. KubernetesNotFound), or + the HTTP code.</summary>
    /// <remarks>
    /// The reason comes from the server: one that is not a CamelCase word (escape sequences, spaces, a novel) would
    /// make an id no script can match, so it gives way to the usual reason for the code.
    /// </remarks>
    public static string ErrorIdFor(int statusCode, string? reason) =>
        "Kubernetes" + (IsReasonWord(reason) ? reason : ResponseErrors.ReasonForCode(statusCode) ?? "Http" + statusCode);

    private static bool IsReasonWord(string? reason) =>
        reason is { Length: > 0 and <= 64 } && char.IsAsciiLetterUpper(reason[0]) && reason.All(char.IsAsciiLetter);

    public static K8sErrorCategory CategoryFor(int statusCode, string? reason) => (statusCode, reason) switch
    {
        (409, "AlreadyExists") => K8sErrorCategory.ResourceExists,
        (409, _) => K8sErrorCategory.InvalidOperation,
        (404, _) => K8sErrorCategory.ObjectNotFound,
        (403, _) => K8sErrorCategory.PermissionDenied,
        (401, _) => K8sErrorCategory.AuthenticationError,
        (422, _) or (400, _) => K8sErrorCategory.InvalidArgument,
        (413, _) => K8sErrorCategory.LimitsExceeded,
        (415, _) => K8sErrorCategory.InvalidData,
        (429, _) => K8sErrorCategory.LimitsExceeded,
        (504, _) => K8sErrorCategory.OperationTimeout,
        (>= 500, _) => K8sErrorCategory.ResourceUnavailable,
        // Any other client error; a 1xx or 3xx as the final answer (a redirect is never followed) breaks the protocol.
        (>= 400, _) => K8sErrorCategory.InvalidOperation,
        _ => K8sErrorCategory.ProtocolError,
    };
}
