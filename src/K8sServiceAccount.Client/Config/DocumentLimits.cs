using System.Text.Json;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace K8sServiceAccount.Client.Config;

/// <summary>
/// The limits every YAML and JSON reader of the client keeps, so a hostile kubeconfig, policy file, token or plugin output
/// fails fast with a typed error instead of overflowing the stack (deep nesting), eating gigabytes (alias bombs) or throwing
/// an untyped exception (bad surrogates, duplicate keys). No Kubernetes object comes near these limits.
/// </summary>
internal static class DocumentLimits
{
    /// <summary>The deepest nesting of maps and lists (System.Text.Json's default; RBAC objects and kubeconfigs use under 10).</summary>
    public const int MaxDepth = 64;

    /// <summary>How many nodes aliases may add to a YAML stream when expanded (a billion-laughs file adds billions).</summary>
    public const long MaxAliasNodes = 10_000;

    /// <summary>Options for JSON files people write (policy files): comments and trailing commas allowed, depth bounded.</summary>
    public static JsonDocumentOptions JsonOptions { get; } = new() { MaxDepth = MaxDepth, CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary>Options for JSON programs write (token claims, exec plugin output): strict, depth bounded.</summary>
    public static JsonDocumentOptions StrictJsonOptions { get; } = new() { MaxDepth = MaxDepth };

    /// <summary>A YAML stream loaded through <see cref="GuardedParser"/>.</summary>
    /// <exception cref="YamlException">Syntax errors, and the limits above (with the position).</exception>
    public static YamlStream LoadYaml(TextReader reader)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new GuardedParser(new Parser(reader)));
        }
        catch (Exception e) when (e is not YamlException and (InvalidOperationException or ArgumentException or FormatException or OverflowException or KeyNotFoundException))
        {
            // YamlDotNet's own untyped failures carry no position; keep them typed, saying what they mean.
            var reason = e switch
            {
                ArgumentOutOfRangeException => "a string holds an invalid Unicode surrogate pair (such as \\ud800\\ud800)",
                ArgumentException when e.Message.Contains("same key", StringComparison.Ordinal) => "a mapping defines the same key twice",
                _ => "the YAML cannot be read (" + e.GetType().Name + ")",
            };
            throw new YamlException(Mark.Empty, Mark.Empty, reason, e);
        }
        return stream;
    }

    /// <summary>
    /// The first problem JSON readers would only meet later as an untyped exception: a duplicate key in one object, or text
    /// that is not valid Unicode (a lone surrogate escape). Null when there is none. Names the place as a JSON path.
    /// </summary>
    public static string? FindJsonProblem(JsonElement element, string path = "$")
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var property in element.EnumerateObject())
                {
                    string name;
                    try
                    {
                        name = property.Name;
                    }
                    catch (InvalidOperationException)
                    {
                        return $"{path}: a key is not valid Unicode (a lone surrogate escape)";
                    }
                    if (!seen.Add(name))
                    {
                        return $"{path}: the key \"{MessageText.Untrusted(name, 40)}\" appears twice";
                    }
                    if (FindJsonProblem(property.Value, $"{path}.{MessageText.Untrusted(name, 40)}") is { } inner)
                    {
                        return inner;
                    }
                }
                return null;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (FindJsonProblem(item, $"{path}[{index++}]") is { } inner)
                    {
                        return inner;
                    }
                }
                return null;
            case JsonValueKind.String:
                try
                {
                    _ = element.GetString();
                    return null;
                }
                catch (InvalidOperationException)
                {
                    return $"{path}: the text is not valid Unicode (a lone surrogate escape)";
                }
            default:
                return null;
        }
    }

    /// <summary>
    /// Passes the parser's events on, failing (as a YamlException with the position) on nesting deeper than
    /// <see cref="MaxDepth"/>, on aliases that would expand to more than <see cref="MaxAliasNodes"/> nodes or that refer to
    /// a node containing them. The count is arithmetic, so an alias bomb fails at its
    /// first excessive alias without expanding anything; the depth is checked before the representation model recurses.
    /// </summary>
    private sealed class GuardedParser(IParser inner) : IParser
    {
        private readonly Stack<Open> _open = new();
        private readonly Dictionary<string, (long Nodes, int Depth)> _anchors = new(StringComparer.Ordinal);
        private long _nodes;
        private long _aliasNodes;

        public ParsingEvent? Current => inner.Current;

        public bool MoveNext()
        {
            if (!inner.MoveNext())
            {
                return false;
            }
            var current = inner.Current!;
            switch (current)
            {
                case DocumentStart:
                    _anchors.Clear();
                    break;
                case Scalar scalar:
                    Node(1);
                    if (!scalar.Anchor.IsEmpty)
                    {
                        _anchors[scalar.Anchor.Value] = (1, 1);
                    }
                    break;
                case NodeEvent { } start and (SequenceStart or MappingStart):
                    if (_open.Count >= MaxDepth)
                    {
                        throw Fail(current, $"the document is nested more than {MaxDepth} levels deep");
                    }
                    var depth = _open.Count + 1;
                    Touch(depth);
                    _nodes++;
                    _open.Push(new Open(start.Anchor.IsEmpty ? null : start.Anchor.Value, _nodes, depth));
                    break;
                case SequenceEnd or MappingEnd when _open.Count > 0:
                    var done = _open.Pop();
                    if (_open.TryPeek(out var parent))
                    {
                        parent.MaxDepth = Math.Max(parent.MaxDepth, done.MaxDepth);
                    }
                    if (done.Anchor is not null)
                    {
                        _anchors[done.Anchor] = (_nodes - done.NodesAtStart + 1, done.MaxDepth - done.Depth + 1);
                    }
                    break;
                case AnchorAlias alias:
                    if (_open.Any(o => o.Anchor == alias.Value.Value))
                    {
                        throw Fail(current, $"the alias *{alias.Value.Value} refers to a node that contains it");
                    }
                    if (_anchors.TryGetValue(alias.Value.Value, out var target))
                    {
                        _aliasNodes += target.Nodes;
                        if (_aliasNodes > MaxAliasNodes)
                        {
                            throw Fail(current, $"aliases expand to more than {MaxAliasNodes:N0} nodes (an alias bomb?)");
                        }
                        if (_open.Count + target.Depth > MaxDepth)
                        {
                            throw Fail(current, $"the document is nested more than {MaxDepth} levels deep once aliases are expanded");
                        }
                        Touch(_open.Count + target.Depth);
                        _nodes += target.Nodes;
                    }
                    break;
            }
            return true;
        }

        private void Node(int count)
        {
            Touch(_open.Count + 1);
            _nodes += count;
        }

        private void Touch(int depth)
        {
            if (_open.TryPeek(out var top))
            {
                top.MaxDepth = Math.Max(top.MaxDepth, depth);
            }
        }

        private static YamlException Fail(ParsingEvent at, string reason) => new(at.Start, at.End, reason);

        private sealed class Open(string? anchor, long nodesAtStart, int depth)
        {
            public string? Anchor { get; } = anchor;
            public long NodesAtStart { get; } = nodesAtStart;
            public int Depth { get; } = depth;
            public int MaxDepth { get; set; } = depth;
        }
    }
}
