namespace K8sServiceAccount.Completion;

/// <summary>Matching and quoting of completion candidates, free of PowerShell types so it is testable without a runspace.</summary>
internal static class CompletionText
{
    /// <summary>
    /// The candidates that start with the word being completed (case-insensitively, as PowerShell completes),
    /// once each, in their original order, with the text to insert quoted when needed.
    /// </summary>
    internal static IEnumerable<(string CompletionText, string ListItemText)> Complete(IEnumerable<string> candidates, string? wordToComplete)
    {
        var prefix = Unquote(wordToComplete ?? string.Empty);
        return candidates
            .Where(c => !string.IsNullOrEmpty(c) && c.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            .Distinct(StringComparer.Ordinal)
            .Select(c => (Quote(c), c));
    }

    /// <summary>
    /// The text PowerShell reads back as exactly <paramref name="value"/>: bare when it is a plain word,
    /// else single-quoted with embedded single quotes (including typographic ones) doubled. A leading digit
    /// is quoted too, since an argument such as 1kb or 0x10 would be read as a number.
    /// </summary>
    internal static string Quote(string value)
    {
        if (value.Length > 0 && (char.IsAsciiLetter(value[0]) || value[0] == '_') && value.All(IsBareWordChar))
        {
            return value;
        }

        var escaped = new System.Text.StringBuilder(value.Length + 2).Append('\'');
        foreach (var c in value)
        {
            if (IsSingleQuote(c))
            {
                escaped.Append(c);
            }

            escaped.Append(c);
        }

        return escaped.Append('\'').ToString();
    }

    /// <summary>The word without the opening (and any closing) quote the user already typed.</summary>
    internal static string Unquote(string word)
    {
        if (word.Length > 0 && (IsSingleQuote(word[0]) || word[0] == '"'))
        {
            var open = word[0];
            word = word[1..];
            if (word.Length > 0 && word[^1] == open)
            {
                word = word[..^1];
            }
        }

        return word;
    }

    // Characters that never change the meaning of a bare argument. Kubernetes names add ':' (EKS ARNs),
    // '/', '@' (user@cluster) and '.', all safe after a leading letter.
    private static bool IsBareWordChar(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':' or '/' or '@' or '+' or '=';

    private static bool IsSingleQuote(char c) => c is '\'' or '\u2018' or '\u2019' or '\u201A' or '\u201B';
}
