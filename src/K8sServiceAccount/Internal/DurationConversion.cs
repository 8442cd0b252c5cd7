using System.Globalization;
using K8sServiceAccount.Client;
using K8sServiceAccount.Client.Api;

namespace K8sServiceAccount.Internal;

/// <summary>
/// What <see cref="DurationTransformationAttribute"/> does to an argument, free of PowerShell types so it can be
/// tested without a runspace.
/// </summary>
internal static class DurationConversion
{
    /// <summary>
    /// Text and numbers become a TimeSpan through <see cref="DurationArgument"/>; anything else, TimeSpan and null
    /// included, is returned as it is for PowerShell's own binding. A number is read as it was typed when PowerShell
    /// kept that (<paramref name="typedText"/>): in argument mode 3600s and 90us are number literals (Int16 and
    /// UInt16 suffixes), so they arrive as the numbers 3600 and 90 with the typed text beside them. Otherwise a number
    /// is read as its invariant text, so 3600 is refused for lack of a unit exactly as "3600" is, and 0 means zero.
    /// Throws <see cref="ArgumentException"/> with a message naming the value.
    /// </summary>
    internal static object? Convert(object? value, string? typedText = null)
    {
        var text = value switch
        {
            string s => s,
            sbyte or byte or short or ushort or int or uint or long or ulong or float or double or decimal =>
                typedText ?? System.Convert.ToString(value, CultureInfo.InvariantCulture),
            _ => null,
        };
        if (text is null)
        {
            return value;
        }

        try
        {
            return DurationArgument.Parse(text);
        }
        catch (K8sClientException e)
        {
            throw new ArgumentException(e.Message, e);
        }
    }

    /// <summary>
    /// What <see cref="RequestTimeoutTransformationAttribute"/> does: as <see cref="Convert"/>, but a whole number is
    /// seconds, as kubectl's --request-timeout reads it (<see cref="DurationArgument.ParseRequestTimeout"/>), and a
    /// negative value, a TimeSpan included, is refused. Throws <see cref="ArgumentException"/> naming the value.
    /// </summary>
    internal static object? ConvertRequestTimeout(object? value, string? typedText = null)
    {
        try
        {
            return value switch
            {
                TimeSpan timeSpan => DurationArgument.CheckRequestTimeout(timeSpan),
                string s => DurationArgument.ParseRequestTimeout(s),
                sbyte or byte or short or ushort or int or uint or long or ulong or float or double or decimal =>
                    DurationArgument.ParseRequestTimeout(typedText ?? System.Convert.ToString(value, CultureInfo.InvariantCulture)!),
                _ => value,
            };
        }
        catch (K8sClientException e)
        {
            throw new ArgumentException(e.Message, e);
        }
    }
}
