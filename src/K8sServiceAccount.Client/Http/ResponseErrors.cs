using System.Text;
using System.Text.Json;
using K8sServiceAccount.Client.Models;

namespace K8sServiceAccount.Client.Http;

/// <summary>
/// Turns a non-success answer into a <see cref="KubernetesApiException"/>. A Status body is kept whole with
/// the server's message. Anything else (the plain-text 429 of max-in-flight, an HTML page from a proxy) gets
/// client-go's reason and message for the code, with the server's text appended, so ErrorIds stay stable
/// (KubernetesTooManyRequests, not KubernetesHttp429) whatever produced the answer.
/// </summary>
internal static class ResponseErrors
{
    /// <summary>Error bodies longer than this are cut; a Status is never near it.</summary>
    private const int MaxBodyBytes = 1 << 20;

    /// <summary>Plain-text bodies are quoted in messages up to this many characters.</summary>
    private const int MaxQuotedText = 1024;

    public static async Task<KubernetesApiException> ReadAsync(HttpResponseMessage response, HttpMethod method, CancellationToken cancellationToken)
    {
        byte[] body;
        try
        {
            body = await ReadLimitedAsync(response.Content, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            body = [];
        }

        var retryAfter = RetryPolicy.RetryAfter(response);
        return FromBody((int)response.StatusCode, method, body, retryAfter);
    }

    public static KubernetesApiException FromBody(int statusCode, HttpMethod method, byte[] body, TimeSpan? retryAfter)
    {
        var status = TryParseStatus(body);
        if (status is not null)
        {
            var message = string.IsNullOrWhiteSpace(status.Message) ? GenericMessage(statusCode, method, null).Message : MessageText.Untrusted(status.Message, MessageText.ServerMessageMaxLength);
            return new KubernetesApiException(statusCode, status, message)
            {
                RetryAfterSeconds = RetryAfterSeconds(retryAfter, status),
            };
        }

        var text = PlainText(body);
        var (reason, generic) = GenericMessage(statusCode, method, text);
        var full = statusCode >= 500 || statusCode == 403 || string.IsNullOrEmpty(text) || text == generic
            ? generic
            : $"{generic}: {text}";
        var synthesized = new Status
        {
            Kind = "Status",
            ApiVersion = "v1",
            Outcome = "Failure",
            Message = full,
            Reason = reason,
            Code = statusCode,
        };
        return new KubernetesApiException(statusCode, synthesized, full)
        {
            RetryAfterSeconds = RetryAfterSeconds(retryAfter, synthesized),
        };
    }

    /// <summary>client-go's reason and message for an answer that is not a Status (apimachinery NewGenericServerResponse).</summary>
    private static (string? Reason, string Message) GenericMessage(int code, HttpMethod method, string? serverText) => code switch
    {
        409 when method == HttpMethod.Post => ("AlreadyExists", "the server reported a conflict"),
        409 => ("Conflict", "the server reported a conflict"),
        404 => ("NotFound", "the server could not find the requested resource"),
        400 => ("BadRequest", "the server rejected our request for an unknown reason"),
        401 => ("Unauthorized", "the server has asked for the client to provide credentials"),
        403 => ("Forbidden", string.IsNullOrEmpty(serverText) ? "the server does not allow access to the requested resource" : serverText),
        405 => ("MethodNotAllowed", "the server does not allow this method on the requested resource"),
        422 => ("Invalid", "the server rejected our request due to an error in our request"),
        504 => ("Timeout", "the server was unable to return a response in the time allotted, but may still be processing the request"),
        429 => ("TooManyRequests", "the server has received too many requests and has asked us to try again later"),
        >= 500 => ("InternalError", $"an error on the server (\"{serverText ?? string.Empty}\") has prevented the request from succeeding"),
        _ => (null, $"the server responded with the status code {code} but did not return more information"),
    };

    /// <summary>The reason client-go gives an answer with this code and no Status, or null when it gives none.</summary>
    internal static string? ReasonForCode(int code) => GenericMessage(code, HttpMethod.Get, null).Reason;

    private static Status? TryParseStatus(byte[] body)
    {
        var span = body.AsSpan().TrimStart(" \t\r\n"u8);
        if (span.IsEmpty || span[0] != (byte)'{')
        {
            return null;
        }

        try
        {
            var status = JsonSerializer.Deserialize(span, KubeJsonContext.Default.Status);
            return status is not null && (status.Kind == "Status" || status.Code is not null) ? status : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? PlainText(byte[] body)
    {
        if (body.Length == 0)
        {
            return null;
        }

        var text = Encoding.UTF8.GetString(body).Trim();
        return text.Length == 0 ? null : MessageText.Untrusted(text, MaxQuotedText);
    }

    private static int? RetryAfterSeconds(TimeSpan? header, Status status) =>
        header is { } wait ? (int)wait.TotalSeconds
        : status.Details?.RetryAfterSeconds is > 0 and var seconds ? seconds
        : null;

    internal static async Task<byte[]> ReadLimitedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while (buffer.Length < MaxBodyBytes && (read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
