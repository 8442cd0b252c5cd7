using K8sServiceAccount.Client.Models;

namespace K8sServiceAccount.Client.Rbac;

/// <summary>A rule that overlaps a revocation but cannot lose exactly that part: what is left is not a finite list.</summary>
/// <param name="Rule">The role's rule, left as it is.</param>
/// <param name="Revoked">The revoked rule it overlaps.</param>
/// <param name="Field">The field whose wildcard (or empty resourceNames) cannot be narrowed: verbs, apiGroups, resources, resourceNames or nonResourceURLs.</param>
/// <param name="Value">The value that cannot be narrowed, e.g. <c>*</c>.</param>
public sealed record RuleSubtractionConflict(PolicyRule Rule, PolicyRule Revoked, string Field, string Value)
{
    /// <summary>One line for errors and warnings.</summary>
    public override string ToString()
        => $"the rule {EscalationCheck.CompactString(Rule)} grants {Field} {Value}, and \"{Value} except {EscalationCheck.CompactString(Revoked)}\" cannot be written as RBAC rules";
}

/// <summary>The outcome of <see cref="RuleSubtraction.Subtract"/>.</summary>
public sealed record RuleSubtractionResult
{
    /// <summary>The rules left: untouched rules as they were, overlapping ones split into what remains of them.</summary>
    public required IReadOnlyList<PolicyRule> Remaining { get; init; }

    /// <summary>The parts taken away (the intersections of the rules with the revoked ones).</summary>
    public required IReadOnlyList<PolicyRule> Removed { get; init; }

    /// <summary>Overlaps that could not be subtracted; their rules are in <see cref="Remaining"/> unchanged.</summary>
    public required IReadOnlyList<RuleSubtractionConflict> Conflicts { get; init; }

    /// <summary>True when some rule changed.</summary>
    public bool Changed => Removed.Count > 0;
}

/// <summary>
/// Set subtraction of RBAC rules: what a role grants minus what is revoked, as RBAC rules. A rule is the product of its
/// verbs x apiGroups x resources x resourceNames (or verbs x nonResourceURLs); the part of it a revoked rule covers is cut
/// out by splitting it into at most one rule per field (verbs first, so "get,list pods,secrets" minus "list pods" is
/// "get pods,secrets" and "list secrets"). Rules that do not overlap a revoked rule are kept as they are.
/// </summary>
/// <remarks>
/// A wildcard (<c>*</c>, <c>*/subresource</c>, a nonResourceURL ending in <c>*</c>) or an empty resourceNames (every name)
/// minus something narrower has no finite form ("every verb but list"): such an overlap is a
/// <see cref="RuleSubtractionConflict"/> and the rule is kept whole. Matching is RBAC's (<see cref="RuleMatcher"/>): a value
/// covers another when RBAC would allow the other wherever it allows the value.
/// </remarks>
public static class RuleSubtraction
{
    // Stands for "every name" (an empty resourceNames) inside the algorithm: no object name is empty.
    private const string AnyName = "";

    private delegate bool Covers(string pattern, string value);

    private sealed record Field(string Name, Covers Covers, bool AllowsEmptyAsAll);

    private static readonly Field Verbs = new("verbs", (p, v) => p == RuleMatcher.All || p == v, false);
    private static readonly Field ApiGroups = new("apiGroups", (p, v) => p == RuleMatcher.All || p == v, false);
    private static readonly Field Resources = new("resources", ResourceCovers, false);
    private static readonly Field ResourceNames = new("resourceNames", (p, v) => p == AnyName || p == v, true);
    private static readonly Field Urls = new("nonResourceURLs", UrlCovers, false);

    /// <summary><paramref name="rules"/> minus every rule of <paramref name="revoked"/>.</summary>
    public static RuleSubtractionResult Subtract(IEnumerable<PolicyRule> rules, IEnumerable<PolicyRule> revoked)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(revoked);
        var remaining = rules.Select(PolicyRules.Clone).ToList();
        var removed = new List<PolicyRule>();
        var conflicts = new List<RuleSubtractionConflict>();
        foreach (var cut in revoked)
        {
            var next = new List<PolicyRule>();
            foreach (var rule in remaining)
            {
                next.AddRange(SubtractOne(rule, cut, removed, conflicts));
            }
            remaining = next;
        }
        return new RuleSubtractionResult { Remaining = remaining, Removed = removed, Conflicts = conflicts };
    }

    private static IEnumerable<PolicyRule> SubtractOne(PolicyRule rule, PolicyRule cut, List<PolicyRule> removed, List<RuleSubtractionConflict> conflicts)
    {
        var isUrlRule = IsUrlRule(rule);
        if (isUrlRule != IsUrlRule(cut))
        {
            return [rule];
        }
        var fields = isUrlRule ? new[] { Verbs, Urls } : new[] { Verbs, ApiGroups, Resources, ResourceNames };
        var ruleSets = fields.Select(f => Values(rule, f)).ToArray();
        var cutSets = fields.Select(f => Values(cut, f)).ToArray();

        var parts = new (List<string> Common, List<string> Left, string? Unwritable)[fields.Length];
        for (var i = 0; i < fields.Length; i++)
        {
            parts[i] = Split(ruleSets[i], cutSets[i], fields[i].Covers);
            if (parts[i].Common.Count == 0)
            {
                return [rule];
            }
        }
        for (var i = 0; i < fields.Length; i++)
        {
            if (parts[i].Unwritable is { } value)
            {
                conflicts.Add(new RuleSubtractionConflict(rule, cut, fields[i].Name, value.Length == 0 ? "(every name)" : value));
                return [rule];
            }
        }

        // rule \ cut = for each field i: (common 0..i-1) x (left i) x (rule i+1..).
        var result = new List<PolicyRule>();
        for (var i = 0; i < fields.Length; i++)
        {
            if (parts[i].Left.Count == 0)
            {
                continue;
            }
            var sets = new List<string>[fields.Length];
            for (var j = 0; j < fields.Length; j++)
            {
                sets[j] = j < i ? parts[j].Common : j == i ? parts[i].Left : ruleSets[j];
            }
            result.Add(Build(isUrlRule, fields, sets));
        }
        removed.Add(Build(isUrlRule, fields, parts.Select(p => p.Common).ToArray()));
        return result;
    }

    // A field's values split against the revoked ones: those both grant, those only the rule grants, and the first rule
    // value that the revoked values cover only in part (a wildcard minus something narrower).
    private static (List<string> Common, List<string> Left, string? Unwritable) Split(List<string> values, List<string> cut, Covers covers)
    {
        var common = new List<string>();
        var left = new List<string>();
        string? unwritable = null;
        foreach (var value in values)
        {
            if (cut.Any(c => covers(c, value)))
            {
                AddOnce(common, value);
                continue;
            }
            var narrower = cut.Where(c => covers(value, c)).ToList();
            if (narrower.Count == 0)
            {
                AddOnce(left, value);
                continue;
            }
            foreach (var c in narrower)
            {
                AddOnce(common, c);
            }
            unwritable ??= value;
            AddOnce(left, value);
        }
        return (common, left, unwritable);
    }

    private static void AddOnce(List<string> list, string value)
    {
        if (!list.Contains(value, StringComparer.Ordinal))
        {
            list.Add(value);
        }
    }

    private static bool IsUrlRule(PolicyRule rule) => rule.NonResourceURLs is { Count: > 0 } && rule.Resources is not { Count: > 0 };

    private static List<string> Values(PolicyRule rule, Field field)
    {
        List<string>? values = field == Verbs ? rule.Verbs
            : field == ApiGroups ? rule.ApiGroups
            : field == Resources ? rule.Resources
            : field == ResourceNames ? rule.ResourceNames
            : rule.NonResourceURLs;
        return field.AllowsEmptyAsAll && values is not { Count: > 0 } ? [AnyName] : [.. values ?? []];
    }

    private static PolicyRule Build(bool isUrlRule, Field[] fields, IReadOnlyList<List<string>> sets)
    {
        if (isUrlRule)
        {
            return PolicyRules.NonResource(sets[0], sets[1]);
        }
        var names = sets[3].Contains(AnyName) ? null : sets[3];
        return PolicyRules.Resource(sets[0], sets[1], sets[2], names);
    }

    // RBAC's resource matching between two rule values: * covers all, */sub covers every r/sub (and */sub itself).
    private static bool ResourceCovers(string pattern, string value)
    {
        if (pattern == RuleMatcher.All || pattern == value)
        {
            return true;
        }
        if (pattern.StartsWith("*/", StringComparison.Ordinal))
        {
            var slash = value.IndexOf('/', StringComparison.Ordinal);
            return slash > 0 && string.Equals(value[(slash + 1)..], pattern[2..], StringComparison.Ordinal);
        }
        return false;
    }

    // A nonResourceURL pattern covers a value (itself possibly a pattern) when every path the value matches, it matches.
    private static bool UrlCovers(string pattern, string value)
    {
        if (pattern == RuleMatcher.All || pattern == value)
        {
            return true;
        }
        if (value == RuleMatcher.All)
        {
            return false;
        }
        return RuleMatcher.NonResourceUrlCovers(pattern, value.TrimEnd('*'))
            && (!value.EndsWith('*') || pattern.EndsWith('*'));
    }
}
