using System.Text;

namespace K8sServiceAccount.Client.Http;

/// <summary>
/// Parses RFC 7234 Warning header values as the API server writes them: <c>299 - "text"</c> (optionally
/// followed by a quoted date), several per header separated by commas. Only code 299 (a persistent
/// miscellaneous warning, the only one Kubernetes sends) is reported, as client-go does.
/// </summary>
internal static class WarningHeader
{
    /// <summary>The texts of the 299 warnings in one header value; malformed parts are skipped.</summary>
    public static IEnumerable<string> ParseTexts(string headerValue)
    {
        var position = 0;
        while (position < headerValue.Length)
        {
            SkipSeparators(headerValue, ref position);
            if (position >= headerValue.Length)
            {
                yield break;
            }

            var code = ReadToken(headerValue, ref position);
            SkipSpaces(headerValue, ref position);
            ReadToken(headerValue, ref position); // agent, "-" from the API server
            SkipSpaces(headerValue, ref position);
            var text = ReadQuoted(headerValue, ref position);
            SkipSpaces(headerValue, ref position);
            if (position < headerValue.Length && headerValue[position] == '"')
            {
                ReadQuoted(headerValue, ref position); // warn-date
            }

            // Skip anything malformed up to the next warning.
            while (position < headerValue.Length && headerValue[position] != ',')
            {
                position++;
            }

            if (code == "299" && !string.IsNullOrEmpty(text))
            {
                yield return text;
            }
        }
    }

    private static void SkipSeparators(string value, ref int position)
    {
        while (position < value.Length && (value[position] == ',' || value[position] == ' ' || value[position] == '\t'))
        {
            position++;
        }
    }

    private static void SkipSpaces(string value, ref int position)
    {
        while (position < value.Length && (value[position] == ' ' || value[position] == '\t'))
        {
            position++;
        }
    }

    private static string ReadToken(string value, ref int position)
    {
        var start = position;
        while (position < value.Length && value[position] is not (' ' or '\t' or ',' or '"'))
        {
            position++;
        }

        return value[start..position];
    }

    private static string? ReadQuoted(string value, ref int position)
    {
        if (position >= value.Length || value[position] != '"')
        {
            return null;
        }

        position++;
        var text = new StringBuilder();
        while (position < value.Length)
        {
            var c = value[position++];
            if (c == '"')
            {
                return text.ToString();
            }

            if (c == '\\' && position < value.Length)
            {
                c = value[position++];
            }

            text.Append(c);
        }

        return null; // unterminated
    }
}
