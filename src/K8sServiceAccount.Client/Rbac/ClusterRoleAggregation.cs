using K8sServiceAccount.Client.Models;

namespace K8sServiceAccount.Client.Rbac;

/// <summary>
/// What kube-controller-manager's cluster-role aggregation controller writes into an aggregated ClusterRole
/// (K8S-SEMANTICS §1.5): for each <c>clusterRoleSelectors</c> entry, every other ClusterRole whose labels match, in name order,
/// contributes its rules, exact duplicates dropped. The result replaces the role's own rules. The authorizer itself never reads
/// <c>aggregationRule</c>, so offline evaluation must apply this first.
/// </summary>
public static class ClusterRoleAggregation
{
    /// <summary>
    /// The rules the controller computes for <paramref name="target"/> from <paramref name="all"/> ClusterRoles. Chains
    /// (admin ← edit ← view) are followed, as the controller's repeated passes converge to the same result; a role met again
    /// while its own rules are being computed contributes its rules as written. A ClusterRole without aggregationRule
    /// keeps its rules.
    /// </summary>
    /// <exception cref="K8sClientException">A selector uses an unknown operator (ErrorId <c>InvalidLabelSelector</c>).</exception>
    public static IReadOnlyList<PolicyRule> Aggregate(ClusterRole target, IEnumerable<ClusterRole> all)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(all);
        var byName = new SortedDictionary<string, ClusterRole>(StringComparer.Ordinal);
        foreach (var role in all)
        {
            if (role.Metadata.Name is { } name)
            {
                byName[name] = role;
            }
        }
        return Aggregate(target, byName, new HashSet<string>(StringComparer.Ordinal), new Dictionary<string, IReadOnlyList<PolicyRule>>(StringComparer.Ordinal));
    }

    /// <summary>
    /// <paramref name="roles"/> as a cluster shows them once the controller has run: every ClusterRole with an aggregationRule
    /// is replaced by a new ClusterRole object (same metadata object, copied rules) whose rules are the aggregated ones; the
    /// input objects are not modified, and roles without aggregationRule are returned as they are.
    /// </summary>
    public static IReadOnlyList<ClusterRole> ApplyAll(IEnumerable<ClusterRole> roles)
    {
        var list = roles.ToList();
        var result = new List<ClusterRole>(list.Count);
        foreach (var role in list)
        {
            if (role.AggregationRule is null)
            {
                result.Add(role);
                continue;
            }
            result.Add(new ClusterRole
            {
                ApiVersion = role.ApiVersion,
                Kind = role.Kind,
                Metadata = role.Metadata,
                AggregationRule = role.AggregationRule,
                Rules = Aggregate(role, list).Select(PolicyRules.Clone).ToList(),
            });
        }
        return result;
    }

    private static IReadOnlyList<PolicyRule> Aggregate(
        ClusterRole target,
        SortedDictionary<string, ClusterRole> byName,
        HashSet<string> inProgress,
        Dictionary<string, IReadOnlyList<PolicyRule>> done)
    {
        var targetName = target.Metadata.Name ?? "";
        if (target.AggregationRule is null)
        {
            return (IReadOnlyList<PolicyRule>?)target.Rules ?? [];
        }
        if (done.TryGetValue(targetName, out var cached))
        {
            return cached;
        }
        inProgress.Add(targetName);
        var result = new List<PolicyRule>();
        foreach (var selector in target.AggregationRule.ClusterRoleSelectors ?? [])
        {
            foreach (var (name, candidate) in byName)
            {
                if (name == targetName || !LabelSelectors.Matches(selector, candidate.Metadata.Labels))
                {
                    continue;
                }
                var rules = candidate.AggregationRule is not null && !inProgress.Contains(name)
                    ? Aggregate(candidate, byName, inProgress, done)
                    : (IReadOnlyList<PolicyRule>?)candidate.Rules ?? [];
                foreach (var rule in rules)
                {
                    if (!result.Exists(existing => PolicyRules.AreEqual(existing, rule)))
                    {
                        result.Add(rule);
                    }
                }
            }
        }
        inProgress.Remove(targetName);
        done[targetName] = result;
        return result;
    }
}

/// <summary>Kubernetes label selector matching (matchLabels AND matchExpressions; an empty selector matches everything).</summary>
public static class LabelSelectors
{
    /// <summary>True when <paramref name="labels"/> satisfy <paramref name="selector"/>.</summary>
    /// <exception cref="K8sClientException">Unknown operator, or In/NotIn without values, or Exists/DoesNotExist with values (ErrorId <c>InvalidLabelSelector</c>).</exception>
    public static bool Matches(LabelSelector? selector, IReadOnlyDictionary<string, string>? labels)
    {
        if (selector is null)
        {
            // A nil selector selects nothing (metav1.LabelSelectorAsSelector).
            return false;
        }
        labels ??= new Dictionary<string, string>();
        foreach (var (key, value) in selector.MatchLabels ?? [])
        {
            if (!labels.TryGetValue(key, out var actual) || actual != value)
            {
                return false;
            }
        }
        foreach (var requirement in selector.MatchExpressions ?? [])
        {
            var key = requirement.Key ?? "";
            var values = requirement.Values ?? [];
            var has = labels.TryGetValue(key, out var actual);
            switch (requirement.Operator)
            {
                case "In":
                    RequireValues(requirement, values, true);
                    if (!has || !values.Contains(actual!)) return false;
                    break;
                case "NotIn":
                    RequireValues(requirement, values, true);
                    if (has && values.Contains(actual!)) return false;
                    break;
                case "Exists":
                    RequireValues(requirement, values, false);
                    if (!has) return false;
                    break;
                case "DoesNotExist":
                    RequireValues(requirement, values, false);
                    if (has) return false;
                    break;
                default:
                    throw new K8sClientException("InvalidLabelSelector", K8sErrorCategory.InvalidData,
                        $"matchExpressions: Invalid value: \"{requirement.Operator}\": not a valid selector operator (key \"{key}\"); use In, NotIn, Exists or DoesNotExist.");
            }
        }
        return true;
    }

    private static void RequireValues(LabelSelectorRequirement requirement, List<string> values, bool required)
    {
        if (required && values.Count == 0)
        {
            throw new K8sClientException("InvalidLabelSelector", K8sErrorCategory.InvalidData,
                $"matchExpressions: the operator {requirement.Operator} on key \"{requirement.Key}\" needs at least one value.");
        }
        if (!required && values.Count > 0)
        {
            throw new K8sClientException("InvalidLabelSelector", K8sErrorCategory.InvalidData,
                $"matchExpressions: the operator {requirement.Operator} on key \"{requirement.Key}\" takes no values.");
        }
    }
}
