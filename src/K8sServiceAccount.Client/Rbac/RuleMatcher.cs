using System.Runtime.CompilerServices;
using K8sServiceAccount.Client.Models;

namespace K8sServiceAccount.Client.Rbac;

/// <summary>
/// Whether one PolicyRule allows one request, exactly as the Kubernetes RBAC authorizer decides it (K8S-SEMANTICS §1.2).
/// All comparisons are ordinal and case-sensitive. <c>*</c> is the only wildcard, except <c>*/sub</c> for a subresource
/// and a trailing <c>*</c> in nonResourceURLs; <c>pods/*</c> and <c>*/*</c> are literals.
/// </summary>
public static class RuleMatcher
{
    /// <summary>The wildcard accepted in verbs, apiGroups, resources and nonResourceURLs.</summary>
    public const string All = "*";

    /// <summary>True when <paramref name="rule"/> allows <paramref name="request"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool Allows(PolicyRule rule, AccessRequest request)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(request);
        if (request.IsResourceRequest)
        {
            return VerbMatches(rule, request.Verb)
                && ApiGroupMatches(rule, request.ApiGroup)
                && ResourceMatches(rule, request.Resource, request.Subresource)
                && ResourceNameMatches(rule, request.Name);
        }
        return VerbMatches(rule, request.Verb) && NonResourceUrlMatches(rule, request.Path);
    }

    /// <summary>Some rule verb is <c>*</c> or equals <paramref name="verb"/>. A requested <c>*</c> is matched only by <c>*</c>.</summary>
    public static bool VerbMatches(PolicyRule rule, string verb) => ContainsOrWildcard(rule.Verbs, verb);

    /// <summary>Some rule apiGroup is <c>*</c> or equals <paramref name="apiGroup"/> (<c>""</c> is the core group).</summary>
    public static bool ApiGroupMatches(PolicyRule rule, string apiGroup) => ContainsOrWildcard(rule.ApiGroups, apiGroup);

    /// <summary>
    /// Some rule resource is <c>*</c>, equals <c>resource</c> or <c>resource/subresource</c>, or, when a subresource
    /// is requested, is exactly <c>*/subresource</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool ResourceMatches(PolicyRule rule, string resource, string subresource)
    {
        var ruleResources = rule.Resources;
        if (ruleResources is null)
        {
            return false;
        }
        for (var i = 0; i < ruleResources.Count; i++)
        {
            var candidate = ruleResources[i];
            if (candidate == All)
            {
                return true;
            }
            if (subresource.Length == 0)
            {
                if (string.Equals(candidate, resource, StringComparison.Ordinal))
                {
                    return true;
                }
                continue;
            }
            // Compare against "resource/subresource" without building the string.
            if (candidate.Length == resource.Length + 1 + subresource.Length
                && candidate[resource.Length] == '/'
                && candidate.StartsWith(resource, StringComparison.Ordinal)
                && candidate.EndsWith(subresource, StringComparison.Ordinal))
            {
                return true;
            }
            if (candidate.Length == subresource.Length + 2
                && candidate[0] == '*' && candidate[1] == '/'
                && candidate.EndsWith(subresource, StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// The rule lists no resourceNames, or lists <paramref name="name"/>. A request without a name (create on a collection,
    /// list, watch, deletecollection) never matches a rule that lists names.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool ResourceNameMatches(PolicyRule rule, string name)
    {
        var names = rule.ResourceNames;
        if (names is null || names.Count == 0)
        {
            return true;
        }
        if (name.Length == 0)
        {
            return false;
        }
        for (var i = 0; i < names.Count; i++)
        {
            if (string.Equals(names[i], name, StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// Some rule nonResourceURL is <c>*</c>, equals <paramref name="path"/>, or ends in <c>*</c> and <paramref name="path"/>
    /// starts with it once all trailing <c>*</c> are removed (<c>/healthz/*</c> covers <c>/healthz/etcd</c>, not <c>/healthz</c>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool NonResourceUrlMatches(PolicyRule rule, string path)
    {
        var urls = rule.NonResourceURLs;
        if (urls is null)
        {
            return false;
        }
        for (var i = 0; i < urls.Count; i++)
        {
            if (NonResourceUrlCovers(urls[i], path))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>One nonResourceURL pattern against one path (also used by the escalation check).</summary>
    internal static bool NonResourceUrlCovers(string pattern, string path)
    {
        if (pattern == All || string.Equals(pattern, path, StringComparison.Ordinal))
        {
            return true;
        }
        if (pattern.Length == 0 || pattern[^1] != '*')
        {
            return false;
        }
        var prefix = pattern.AsSpan().TrimEnd('*');
        return path.AsSpan().StartsWith(prefix, StringComparison.Ordinal);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool ContainsOrWildcard(List<string>? values, string requested)
    {
        if (values is null)
        {
            return false;
        }
        for (var i = 0; i < values.Count; i++)
        {
            var value = values[i];
            if (value == All || string.Equals(value, requested, StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }
}
