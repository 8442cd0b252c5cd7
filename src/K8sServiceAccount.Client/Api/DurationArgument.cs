using System.Globalization;

namespace K8sServiceAccount.Client.Api;

/// <summary>
/// Reads a duration typed on a command line: a Go duration, as kubectl's --duration takes it ("30m", "1h30m",
/// "3600s", see <see cref="GoDuration"/>), or TimeSpan text with a colon ("01:30:00", "1.00:00:00"). A number
/// without a unit is refused, as Go refuses it: "3600" would be seconds to a kubectl user, days to
/// TimeSpan.Parse and ticks to PowerShell's number conversion. Only "0" needs no unit, as in Go.
/// Checks that depend on what the duration is for (a token lifetime is whole seconds, at least 10 minutes) are
/// the caller's, e.g. <see cref="TokenRequestOptions.Validate"/>.
/// </summary>
public static class DurationArgument
{
    /// <summary>What the error messages suggest.</summary>
    public const string Examples = "a Go duration such as 90s, 30m or 1h30m (units ns, us, \u00B5s, ms, s, m, h), or a TimeSpan such as 01:30:00";

    /// <summary>
    /// The duration <paramref name="text"/> stands for. Throws <see cref="K8sClientException"/> InvalidDuration,
    /// naming the text and Go's reason (e.g. time: missing unit in duration "3600").
    /// </summary>
    public static TimeSpan Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Contains(':', StringComparison.Ordinal))
        {
            return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var timeSpan)
                ? timeSpan
                : throw Invalid(text, "it is not a TimeSpan ([-][d.]hh:mm[:ss[.fffffff]])");
        }

        if (!GoDuration.TryParse(text, out var nanoseconds, out var error))
        {
            var bareNumber = error.StartsWith("time: missing unit", StringComparison.Ordinal)
                && text.All(c => char.IsAsciiDigit(c) || c is '.' or '-' or '+');
            throw Invalid(text, bareNumber ? error + "; a number needs a unit, e.g. " + text + "s for seconds" : error);
        }

        // A TimeSpan counts 100 ns ticks; rounding would turn a value that is not whole seconds into one that is.
        return nanoseconds % 100 == 0
            ? TimeSpan.FromTicks(nanoseconds / 100)
            : throw Invalid(text, "a TimeSpan counts in steps of 100 ns and cannot hold it exactly");
    }

    /// <summary>What the request timeout's error messages suggest.</summary>
    public const string RequestTimeoutExamples = "a whole number of seconds (0: no timeout), " + Examples;

    /// <summary>
    /// Reads a request timeout as kubectl's --request-timeout does (client-go's clientcmd.ParseTimeout): a whole number
    /// is seconds ("0" means no timeout), anything else a duration as <see cref="Parse"/> reads it. A negative value is
    /// refused (kubectl would take a negative duration and time out every request at once). Throws
    /// <see cref="K8sClientException"/> InvalidDuration naming the text.
    /// </summary>
    public static TimeSpan ParseRequestTimeout(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        if (trimmed.Length > 0 && trimmed.All(char.IsAsciiDigit))
        {
            return long.TryParse(trimmed, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds <= (long)TimeSpan.MaxValue.TotalSeconds
                ? TimeSpan.FromSeconds(seconds)
                : throw InvalidRequestTimeout(text, "it is too large");
        }

        if (trimmed.Length > 1 && trimmed[0] == '-' && trimmed.Skip(1).All(char.IsAsciiDigit))
        {
            throw InvalidRequestTimeout(text, "it is negative");
        }

        TimeSpan timeout;
        try
        {
            timeout = Parse(trimmed);
        }
        catch (K8sClientException e) when (e.ErrorId == "InvalidDuration")
        {
            throw InvalidRequestTimeout(text, e.Message);
        }

        return CheckRequestTimeout(timeout, text);
    }

    /// <summary>A request timeout given as a TimeSpan: refused when negative (zero means none).</summary>
    public static TimeSpan CheckRequestTimeout(TimeSpan timeout, string? text = null) =>
        timeout < TimeSpan.Zero ? throw InvalidRequestTimeout(text ?? timeout.ToString(), "it is negative") : timeout;

    private static K8sClientException InvalidRequestTimeout(string text, string reason) =>
        reason.StartsWith("Cannot read", StringComparison.Ordinal)
            ? new("InvalidDuration", K8sErrorCategory.InvalidArgument,
                $"Cannot read \"{text}\" as a request timeout: {reason.Substring(reason.IndexOf(": ", StringComparison.Ordinal) + 2).Replace(Examples, RequestTimeoutExamples, StringComparison.Ordinal)}")
            : new("InvalidDuration", K8sErrorCategory.InvalidArgument,
                $"Cannot read \"{text}\" as a request timeout: {reason}. Write {RequestTimeoutExamples}.");

    private static K8sClientException Invalid(string text, string reason) =>
        new("InvalidDuration", K8sErrorCategory.InvalidArgument, $"Cannot read \"{text}\" as a duration: {reason}. Write {Examples}.");
}
