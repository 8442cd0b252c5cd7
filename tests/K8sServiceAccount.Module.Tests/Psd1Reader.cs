using System.Text.RegularExpressions;

namespace K8sServiceAccount.Module.Tests;

/// <summary>
/// Reads the top-level keys of the module manifest without PowerShell: single-quoted strings and @( ... ) arrays
/// of single-quoted strings, which is all this project's manifest uses. Anything else fails the test rather
/// than being guessed at.
/// </summary>
internal static partial class Psd1Reader
{
    internal static IReadOnlyDictionary<string, object> Read(string path)
    {
        var text = string.Join("\n", File.ReadAllLines(path).Select(StripComment));
        var result = new Dictionary<string, object>(StringComparer.OrdinalIgnoreCase);
        foreach (Match entry in TopLevelEntry().Matches(text))
        {
            var key = entry.Groups["key"].Value;
            var value = entry.Groups["value"].Value.Trim();
            if (value.StartsWith("@(", StringComparison.Ordinal))
            {
                var close = value.IndexOf(')');
                Assert.True(close > 0, $"{path}: unterminated array for {key}");
                result[key] = QuotedString().Matches(value[2..close]).Select(m => m.Groups["s"].Value.Replace("''", "'")).ToArray();
            }
            else if (QuotedString().Match(value) is { Success: true, Index: 0 } quoted)
            {
                result[key] = quoted.Groups["s"].Value.Replace("''", "'");
            }
        }

        return result;
    }

    internal static string String(IReadOnlyDictionary<string, object> manifest, string key)
    {
        Assert.True(manifest.TryGetValue(key, out var value), $"manifest has no {key}");
        return Assert.IsType<string>(value);
    }

    internal static string[] Array(IReadOnlyDictionary<string, object> manifest, string key)
    {
        Assert.True(manifest.TryGetValue(key, out var value), $"manifest has no {key}");
        return Assert.IsType<string[]>(value);
    }

    private static string StripComment(string line)
    {
        // A '#' outside single quotes starts a comment.
        var inQuote = false;
        for (var i = 0; i < line.Length; i++)
        {
            if (line[i] == '\'')
            {
                inQuote = !inQuote;
            }
            else if (line[i] == '#' && !inQuote)
            {
                return line[..i];
            }
        }

        return line;
    }

    // Keys at four spaces of indentation are the manifest's own; PrivateData's nested keys are deeper.
    [GeneratedRegex(@"^    (?<key>[A-Za-z]+)\s*=\s*(?<value>@\([^)]*\)|'(?:[^']|'')*'|@\{)", RegexOptions.Multiline)]
    private static partial Regex TopLevelEntry();

    [GeneratedRegex(@"'(?<s>(?:[^']|'')*)'")]
    private static partial Regex QuotedString();
}
