using System.Globalization;
using System.Text;

namespace K8sServiceAccount.Client;

/// <summary>
/// The one way a value from outside (a token claim, a server's answer, a file, a plugin's stderr) goes into an
/// error, warning or verbose message: cut to a bounded length (saying how long it was) and with control
/// characters (C0 incl. ESC/CR/LF/NUL, DEL, C1) and bidi overrides escaped visibly, so it can neither flood
/// the terminal nor forge a prompt, a WARNING line or reordered text.
/// </summary>
public static class MessageText
{
    /// <summary>Default length for values from tokens and files.</summary>
    public const int DefaultMaxLength = 200;

    /// <summary>Server Status messages list field errors and are longer; still bounded.</summary>
    public const int ServerMessageMaxLength = 1000;

    public static string Untrusted(string? value, int maxLength = DefaultMaxLength)
    {
        if (string.IsNullOrEmpty(value))
        {
            return value ?? string.Empty;
        }
        var cut = value.Length > maxLength;
        var shown = cut ? value.AsSpan(0, maxLength) : value.AsSpan();
        if (cut && char.IsHighSurrogate(shown[^1]))
        {
            shown = shown[..^1];
        }
        StringBuilder? builder = null;
        for (var i = 0; i < shown.Length; i++)
        {
            var c = shown[i];
            var escape = NeedsEscape(c);
            if (escape && builder is null)
            {
                builder = new StringBuilder(shown.Length + 16).Append(shown[..i]);
            }
            if (builder is null)
            {
                continue;
            }
            if (!escape)
            {
                builder.Append(c);
                continue;
            }
            builder.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                '\0' => "\\0",
                '\x1b' => "\\e",
                _ => "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture),
            });
        }
        var text = builder?.ToString() ?? shown.ToString();
        return cut
            ? text + "… (" + value.Length.ToString(CultureInfo.InvariantCulture) + " characters)"
            : text;
    }

    /// <summary>Control characters and the bidirectional formatting characters (LRE..RLO, LRI..PDI, LRM, RLM, ALM).</summary>
    public static bool NeedsEscape(char c) =>
        char.IsControl(c) || c is >= '\u202a' and <= '\u202e' or >= '\u2066' and <= '\u2069' or '\u200e' or '\u200f' or '\u061c';
}
