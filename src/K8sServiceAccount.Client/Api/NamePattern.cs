using System.Text;
using System.Text.RegularExpressions;

namespace K8sServiceAccount.Client.Api;

/// <summary>
/// A -Name value with PowerShell wildcard semantics (WildcardPattern with IgnoreCase): <c>*</c> any run,
/// <c>?</c> one character, <c>[abc]</c> / <c>[a-z]</c> one of a set, a backtick escapes the next character.
/// A value without wildcards names exactly one object, which callers fetch with one GET instead of a list.
/// </summary>
public sealed class NamePattern
{
    private readonly Regex? regex;

    private NamePattern(string text, string? literal, Regex? regex)
    {
        Text = text;
        Literal = literal;
        this.regex = regex;
    }

    /// <summary>The pattern as given.</summary>
    public string Text { get; }

    /// <summary>True when the pattern contains an unescaped wildcard character.</summary>
    public bool IsWildcard => regex is not null;

    /// <summary>The exact name (escapes removed) when <see cref="IsWildcard"/> is false; otherwise null.</summary>
    public string? Literal { get; }

    /// <summary>Parses a pattern. Throws K8sClientException (InvalidNamePattern) for an unclosed <c>[</c>.</summary>
    public static NamePattern Parse(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        var regexText = new StringBuilder("^");
        var literal = new StringBuilder();
        var wildcard = false;
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            switch (c)
            {
                case '`' when i + 1 < pattern.Length:
                    i++;
                    literal.Append(pattern[i]);
                    regexText.Append(Regex.Escape(pattern[i].ToString()));
                    break;
                case '*':
                    wildcard = true;
                    regexText.Append(".*");
                    break;
                case '?':
                    wildcard = true;
                    regexText.Append('.');
                    break;
                case '[':
                    wildcard = true;
                    i = AppendBracket(pattern, i, regexText);
                    break;
                default:
                    literal.Append(c);
                    regexText.Append(Regex.Escape(c.ToString()));
                    break;
            }
        }

        regexText.Append('$');
        return wildcard
            ? new NamePattern(pattern, null, new Regex(regexText.ToString(), RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Singleline))
            : new NamePattern(pattern, literal.ToString(), null);
    }

    /// <summary>Whether a name matches: case-insensitively, as PowerShell's Get-* cmdlets match.</summary>
    public bool IsMatch(string name) =>
        regex?.IsMatch(name) ?? string.Equals(name, Literal, StringComparison.OrdinalIgnoreCase);

    /// <inheritdoc />
    public override string ToString() => Text;

    // Translates "[...]" starting at pattern[start] into a regex class; returns the index of the closing bracket.
    private static int AppendBracket(string pattern, int start, StringBuilder regexText)
    {
        var set = new StringBuilder();
        for (var i = start + 1; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '`' && i + 1 < pattern.Length)
            {
                i++;
                set.Append(EscapeInClass(pattern[i]));
            }
            else if (c == ']' && set.Length > 0)
            {
                regexText.Append('[').Append(set).Append(']');
                return i;
            }
            else if (c == '-' && set.Length > 0 && i + 1 < pattern.Length && pattern[i + 1] != ']')
            {
                set.Append('-');
            }
            else
            {
                set.Append(EscapeInClass(c));
            }
        }

        throw new K8sClientException(
            "InvalidNamePattern",
            K8sErrorCategory.InvalidArgument,
            $"The name pattern \"{pattern}\" is not valid: the '[' at position {start} is not closed by ']'.")
        {
            Target = pattern,
        };
    }

    private static string EscapeInClass(char c) => c is '\\' or ']' or '[' or '^' or '-' ? "\\" + c : c.ToString();
}
