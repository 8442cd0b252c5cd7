using K8sServiceAccount.Client.Models;

namespace K8sServiceAccount.Client.Rbac;

/// <summary>Small helpers to build, copy and compare PolicyRules.</summary>
public static class PolicyRules
{
    /// <summary>A resource rule: <paramref name="verbs"/> on <paramref name="resources"/> in <paramref name="apiGroups"/>.</summary>
    public static PolicyRule Resource(IEnumerable<string> verbs, IEnumerable<string> apiGroups, IEnumerable<string> resources, IEnumerable<string>? resourceNames = null)
        => new()
        {
            Verbs = [.. verbs],
            ApiGroups = [.. apiGroups],
            Resources = [.. resources],
            ResourceNames = resourceNames is null ? null : [.. resourceNames],
        };

    /// <summary>A non-resource rule: <paramref name="verbs"/> on <paramref name="urls"/>.</summary>
    public static PolicyRule NonResource(IEnumerable<string> verbs, IEnumerable<string> urls)
        => new() { Verbs = [.. verbs], NonResourceURLs = [.. urls] };

    /// <summary>A deep copy.</summary>
    public static PolicyRule Clone(PolicyRule rule) => new()
    {
        Verbs = Copy(rule.Verbs),
        ApiGroups = Copy(rule.ApiGroups),
        Resources = Copy(rule.Resources),
        ResourceNames = Copy(rule.ResourceNames),
        NonResourceURLs = Copy(rule.NonResourceURLs),
    };

    /// <summary>True when both rules list the same values in the same order (a null list equals an empty one).</summary>
    public static bool AreEqual(PolicyRule a, PolicyRule b)
        => SameList(a.Verbs, b.Verbs)
        && SameList(a.ApiGroups, b.ApiGroups)
        && SameList(a.Resources, b.Resources)
        && SameList(a.ResourceNames, b.ResourceNames)
        && SameList(a.NonResourceURLs, b.NonResourceURLs);

    private static List<string>? Copy(List<string>? values) => values is null ? null : [.. values];

    private static bool SameList(List<string>? a, List<string>? b)
    {
        var countA = a?.Count ?? 0;
        if (countA != (b?.Count ?? 0))
        {
            return false;
        }
        for (var i = 0; i < countA; i++)
        {
            if (!string.Equals(a![i], b![i], StringComparison.Ordinal))
            {
                return false;
            }
        }
        return true;
    }
}
