namespace K8sServiceAccount.LocalApiServer.Api;

/// <summary>A parsed label selector (equality-based and set-based requirements, AND-ed).</summary>
public sealed class LabelSelectorQuery
{
    private readonly List<Func<IReadOnlyDictionary<string, string>, bool>> _requirements = new();

    public static LabelSelectorQuery Everything { get; } = new();

    /// <summary>Parses the labelSelector query parameter; 400 BadRequest when malformed.</summary>
    public static LabelSelectorQuery Parse(string? selector)
    {
        var query = new LabelSelectorQuery();
        if (string.IsNullOrWhiteSpace(selector)) return query;
        foreach (string raw in SplitTopLevel(selector))
        {
            string term = raw.Trim();
            if (term.Length == 0) throw Invalid(selector, "found '', expected: identifier");
            int open = term.IndexOf('(');
            if (open > 0)
            {
                if (!term.EndsWith(')')) throw Invalid(selector, "found '', expected: ')'");
                string head = term[..open].Trim();
                string[] values = term[(open + 1)..^1].Split(',').Select(v => v.Trim()).ToArray();
                bool notIn = head.EndsWith(" notin", StringComparison.Ordinal);
                bool isIn = head.EndsWith(" in", StringComparison.Ordinal);
                if (!notIn && !isIn) throw Invalid(selector, "expected: in, notin");
                string key = head[..head.LastIndexOf(' ')].Trim();
                var set = values.ToHashSet(StringComparer.Ordinal);
                query._requirements.Add(notIn
                    ? labels => !labels.TryGetValue(key, out string? v) || !set.Contains(v)
                    : labels => labels.TryGetValue(key, out string? v) && set.Contains(v));
            }
            else if (term.Contains("!="))
            {
                (string key, string value) = SplitPair(term, "!=");
                query._requirements.Add(labels => !labels.TryGetValue(key, out string? v) || v != value);
            }
            else if (term.Contains("=="))
            {
                (string key, string value) = SplitPair(term, "==");
                query._requirements.Add(labels => labels.TryGetValue(key, out string? v) && v == value);
            }
            else if (term.Contains('='))
            {
                (string key, string value) = SplitPair(term, "=");
                query._requirements.Add(labels => labels.TryGetValue(key, out string? v) && v == value);
            }
            else if (term.StartsWith('!'))
            {
                string key = term[1..].Trim();
                query._requirements.Add(labels => !labels.ContainsKey(key));
            }
            else
            {
                string key = term;
                if (key.Contains(' ')) throw Invalid(selector, $"found '{key[(key.IndexOf(' ') + 1)..]}', expected: in, notin, =, ==, !=, gt, lt");
                query._requirements.Add(labels => labels.ContainsKey(key));
            }
        }
        return query;
    }

    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        foreach (var requirement in _requirements)
        {
            if (!requirement(labels)) return false;
        }
        return true;
    }

    private static (string Key, string Value) SplitPair(string term, string op)
    {
        int at = term.IndexOf(op, StringComparison.Ordinal);
        return (term[..at].Trim(), term[(at + op.Length)..].Trim());
    }

    private static IEnumerable<string> SplitTopLevel(string selector)
    {
        int depth = 0, start = 0;
        for (int i = 0; i < selector.Length; i++)
        {
            if (selector[i] == '(') depth++;
            else if (selector[i] == ')') depth--;
            else if (selector[i] == ',' && depth == 0)
            {
                yield return selector[start..i];
                start = i + 1;
            }
        }
        yield return selector[start..];
    }

    private static ApiError Invalid(string selector, string detail) =>
        ApiError.BadRequest($"unable to parse requirement: {detail} (selector \"{selector}\")");
}

/// <summary>The field selectors every resource supports: metadata.name and metadata.namespace (=, ==, !=).</summary>
public sealed class FieldSelectorQuery
{
    private readonly List<(string Field, string Value, bool Equal)> _terms = new();

    public static FieldSelectorQuery Parse(string? selector)
    {
        var query = new FieldSelectorQuery();
        if (string.IsNullOrWhiteSpace(selector)) return query;
        foreach (string raw in selector.Split(','))
        {
            string term = raw.Trim();
            string op = term.Contains("!=") ? "!=" : term.Contains("==") ? "==" : "=";
            int at = term.IndexOf(op, StringComparison.Ordinal);
            if (at <= 0) throw ApiError.BadRequest($"invalid selector: '{selector}'; can't understand '{term}'");
            string field = term[..at].Trim();
            if (field is not ("metadata.name" or "metadata.namespace"))
            {
                throw ApiError.BadRequest($"field label not supported: {field}");
            }
            query._terms.Add((field, term[(at + op.Length)..].Trim(), op != "!="));
        }
        return query;
    }

    public bool Matches(string ns, string name)
    {
        foreach ((string field, string value, bool equal) in _terms)
        {
            string actual = field == "metadata.name" ? name : ns;
            if ((actual == value) != equal) return false;
        }
        return true;
    }
}
