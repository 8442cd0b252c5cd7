using System.Text.Json.Nodes;
using K8sServiceAccount.LocalApiServer.Store;

namespace K8sServiceAccount.LocalApiServer.Api;

/// <summary>One field error of an Invalid (422) Status: the cause list entry and its rendering in the message.</summary>
public sealed record FieldError(string Type, string Field, string Detail, string? BadValue = null, bool BadValueIsNumber = false)
{
    /// <summary>Field error reason names as Kubernetes serializes them in Status causes.</summary>
    public const string Invalid = "FieldValueInvalid";
    public const string Required = "FieldValueRequired";
    public const string NotSupported = "FieldValueNotSupported";
    public const string Forbidden = "FieldValueForbidden";

    public static FieldError InvalidValue(string field, string value, string detail) => new(Invalid, field, detail, value);
    public static FieldError InvalidNumber(string field, long value, string detail) => new(Invalid, field, detail, value.ToString(System.Globalization.CultureInfo.InvariantCulture), true);
    public static FieldError RequiredValue(string field, string detail = "") => new(Required, field, detail);
    public static FieldError ForbiddenValue(string field, string detail) => new(Forbidden, field, detail);
    public static FieldError Unsupported(string field, string value, params string[] supported) =>
        new(NotSupported, field, "supported values: " + string.Join(", ", supported.Select(s => $"\"{s}\"")), value);

    /// <summary>The cause message: the error without the field path.</summary>
    public string CauseMessage
    {
        get
        {
            string body = Type switch
            {
                Invalid => "Invalid value: " + RenderValue(),
                Required => "Required value",
                NotSupported => "Unsupported value: " + RenderValue(),
                Forbidden => "Forbidden",
                _ => Type,
            };
            return Detail.Length == 0 ? body : $"{body}: {Detail}";
        }
    }

    /// <summary>The full error: field path, then the cause message.</summary>
    public override string ToString() => $"{Field}: {CauseMessage}";

    private string RenderValue() => BadValueIsNumber ? BadValue ?? "0" : $"\"{BadValue}\"";
}

/// <summary>
/// A failure answered with a Kubernetes Status body. Messages and reasons follow
/// apimachinery's pkg/api/errors constructors so clients that match on them behave as against a real server.
/// </summary>
public sealed class ApiError : Exception
{
    public ApiError(int code, string reason, string message) : base(message)
    {
        Code = code;
        Reason = reason;
    }

    public int Code { get; }
    public string Reason { get; }
    public string? DetailName { get; init; }
    public string? DetailGroup { get; init; }
    public string? DetailKind { get; init; }
    public string? DetailUid { get; init; }
    public IReadOnlyList<FieldError>? Causes { get; init; }
    public int? RetryAfterSeconds { get; init; }

    public static ApiError NotFound(ResourceType type, string name) =>
        new(404, "NotFound", $"{type.QualifiedResource} \"{name}\" not found")
        { DetailName = name, DetailGroup = type.Group, DetailKind = type.Resource };

    public static ApiError PathNotFound() =>
        new(404, "NotFound", "the server could not find the requested resource");

    public static ApiError AlreadyExists(ResourceType type, string name) =>
        new(409, "AlreadyExists", $"{type.QualifiedResource} \"{name}\" already exists")
        { DetailName = name, DetailGroup = type.Group, DetailKind = type.Resource };

    public static ApiError Conflict(ResourceType type, string name, string detail) =>
        new(409, "Conflict", $"Operation cannot be fulfilled on {type.QualifiedResource} \"{name}\": {detail}")
        { DetailName = name, DetailGroup = type.Group, DetailKind = type.Resource };

    public static ApiError StaleResourceVersion(ResourceType type, string name) =>
        Conflict(type, name, "the object has been modified; please apply your changes to the latest version and try again");

    public static ApiError Invalid(string kind, string group, string name, IReadOnlyList<FieldError> errors)
    {
        string qualifiedKind = group.Length == 0 ? kind : $"{kind}.{group}";
        var distinct = errors.Select(e => e.ToString()).Distinct().ToList();
        string body = distinct.Count == 1 ? distinct[0] : "[" + string.Join(", ", distinct) + "]";
        return new ApiError(422, "Invalid", $"{qualifiedKind} \"{name}\" is invalid: {body}")
        {
            DetailName = name, DetailGroup = group, DetailKind = kind, Causes = errors,
        };
    }

    public static ApiError BadRequest(string message) => new(400, "BadRequest", message);

    /// <summary>403 on a resource: "qualified-resource ["name"] is forbidden: message".</summary>
    public static ApiError Forbidden(string resource, string group, string name, string message) =>
        new(403, "Forbidden", name.Length == 0
            ? $"{Qualified(resource, group)} is forbidden: {message}"
            : $"{Qualified(resource, group)} \"{name}\" is forbidden: {message}")
        { DetailName = name, DetailGroup = group, DetailKind = resource };

    public static ApiError Unauthorized() => new(401, "Unauthorized", "Unauthorized");

    public static ApiError MethodNotSupported(string resource, string group, string verb) =>
        new(405, "MethodNotAllowed", $"{verb} is not supported on resources of kind \"{Qualified(resource, group)}\"")
        { DetailGroup = group, DetailKind = resource };

    public static ApiError UnsupportedMediaType(IEnumerable<string> accepted) =>
        new(415, "UnsupportedMediaType",
            $"the body of the request was in an unknown format - accepted media types include: {string.Join(", ", accepted)}");

    public static ApiError NotAcceptable(IEnumerable<string> accepted) =>
        new(406, "NotAcceptable", $"only the following media types are accepted: {string.Join(", ", accepted)}");

    public static ApiError RequestEntityTooLarge(long limit) =>
        new(413, "RequestEntityTooLarge", $"Request entity too large: limit is {limit}");

    public static ApiError Gone(string message) => new(410, "Expired", message);

    public static ApiError TooManyRequests(string message, int retryAfterSeconds) =>
        new(429, "TooManyRequests", message) { RetryAfterSeconds = retryAfterSeconds };

    public static ApiError Internal(string message) =>
        new(500, "InternalError", $"Internal error occurred: {message}");

    private static string Qualified(string resource, string group) => group.Length == 0 ? resource : $"{resource}.{group}";

    /// <summary>The Status body, keys in the order the API server writes them.</summary>
    public JsonObject ToStatus()
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = Message,
            ["reason"] = Reason,
        };
        var details = new JsonObject();
        if (!string.IsNullOrEmpty(DetailName)) details["name"] = DetailName;
        if (!string.IsNullOrEmpty(DetailGroup)) details["group"] = DetailGroup;
        if (!string.IsNullOrEmpty(DetailKind)) details["kind"] = DetailKind;
        if (!string.IsNullOrEmpty(DetailUid)) details["uid"] = DetailUid;
        if (Causes is { Count: > 0 })
        {
            var causes = new JsonArray();
            foreach (FieldError cause in Causes)
            {
                causes.Add(new JsonObject { ["reason"] = cause.Type, ["message"] = cause.CauseMessage, ["field"] = cause.Field });
            }
            details["causes"] = causes;
        }
        if (RetryAfterSeconds is > 0) details["retryAfterSeconds"] = RetryAfterSeconds.Value;
        if (details.Count > 0) status["details"] = details;
        status["code"] = Code;
        return status;
    }
}
