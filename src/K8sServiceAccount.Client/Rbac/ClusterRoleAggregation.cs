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
    /// <exception cref="K8sClientException">A selector uses an unknown operator (ErrorId <c>InvalidLabelSelector</c>); more than
    /// 1,000 aggregated roles in one chain (ErrorId <c>ClusterRoleAggregationTooDeep</c>).</exception>
    public static IReadOnlyList<PolicyRule> Aggregate(ClusterRole target, IEnumerable<ClusterRole> all)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(all);
        return new Aggregator(all).RulesOf(target);
    }

    /// <summary>
    /// <paramref name="roles"/> as a cluster shows them once the controller has run: every ClusterRole with an aggregationRule
    /// is replaced by a new ClusterRole object (same metadata object, copied rules) whose rules are the aggregated ones; the
    /// input objects are not modified, and roles without aggregationRule are returned as they are.
    /// </summary>
    public static IReadOnlyList<ClusterRole> ApplyAll(IEnumerable<ClusterRole> roles)
    {
        var list = roles.ToList();
        var aggregator = new Aggregator(list);
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
                Rules = aggregator.RulesOf(role).Select(PolicyRules.Clone).ToList(),
            });
        }
        return result;
    }

    /// <summary>
    /// One set of ClusterRoles, indexed once. A role's aggregated rules are computed once and shared by every role that
    /// aggregates it, unless a cycle was met below it (then they depend on where the walk started, and are kept only for
    /// that walk), so chains and wide selectors cost about the size of their result instead of growing with its square.
    /// </summary>
    private sealed class Aggregator
    {
        /// <summary>The longest chain of aggregated roles followed (real ones have 3: admin, edit, view).</summary>
        private const int MaxChain = 1000;

        private readonly List<(string Name, ClusterRole Role)> _byName;
        private readonly Dictionary<(string Key, string Value), List<(string Name, ClusterRole Role)>> _byLabel = new();
        private readonly Dictionary<string, List<PolicyRule>> _shared = new(StringComparer.Ordinal);

        public Aggregator(IEnumerable<ClusterRole> all)
        {
            var byName = new SortedDictionary<string, ClusterRole>(StringComparer.Ordinal);
            foreach (var role in all)
            {
                if (role.Metadata.Name is { } name)
                {
                    byName[name] = role;
                }
            }
            _byName = byName.Select(p => (p.Key, p.Value)).ToList();
            foreach (var entry in _byName)
            {
                foreach (var label in entry.Role.Metadata.Labels ?? new Dictionary<string, string>())
                {
                    if (!_byLabel.TryGetValue((label.Key, label.Value), out var list))
                    {
                        _byLabel[(label.Key, label.Value)] = list = [];
                    }
                    list.Add(entry); // in name order, as _byName is
                }
            }
        }

        public IReadOnlyList<PolicyRule> RulesOf(ClusterRole target) =>
            target.AggregationRule is null
                ? (IReadOnlyList<PolicyRule>?)target.Rules ?? []
                : Aggregate(target, new HashSet<string>(StringComparer.Ordinal), new Dictionary<string, List<PolicyRule>>(StringComparer.Ordinal), out _);

        /// <summary>The roles a selector can match, in name order: those with its first matchLabels pair, or all.</summary>
        private IReadOnlyList<(string Name, ClusterRole Role)> Candidates(LabelSelector? selector)
        {
            if (selector?.MatchLabels is { Count: > 0 } labels)
            {
                var first = labels.First();
                return _byLabel.TryGetValue((first.Key, first.Value), out var list) ? list : [];
            }
            return _byName;
        }

        private List<PolicyRule> Aggregate(ClusterRole target, HashSet<string> inProgress, Dictionary<string, List<PolicyRule>> local, out bool cyclic)
        {
            var targetName = target.Metadata.Name ?? "";
            cyclic = false;
            if (_shared.TryGetValue(targetName, out var shared))
            {
                return shared;
            }
            if (local.TryGetValue(targetName, out var cached))
            {
                cyclic = true;
                return cached;
            }
            if (inProgress.Count >= MaxChain)
            {
                // Each link is a nested call: a hostile chain of 100,000 roles must not overflow the stack.
                throw new K8sClientException("ClusterRoleAggregationTooDeep", K8sErrorCategory.InvalidData,
                    $"ClusterRole \"{targetName}\": more than {MaxChain} ClusterRoles aggregate each other in one chain.");
            }
            inProgress.Add(targetName);
            var result = new List<PolicyRule>();
            var seen = new HashSet<PolicyRule>(RuleComparer.Instance);
            foreach (var selector in target.AggregationRule!.ClusterRoleSelectors ?? [])
            {
                foreach (var (name, candidate) in Candidates(selector))
                {
                    if (name == targetName || !LabelSelectors.Matches(selector, candidate.Metadata.Labels))
                    {
                        continue;
                    }
                    IReadOnlyList<PolicyRule> rules;
                    if (candidate.AggregationRule is null)
                    {
                        rules = (IReadOnlyList<PolicyRule>?)candidate.Rules ?? [];
                    }
                    else if (inProgress.Contains(name))
                    {
                        // A role met again while its own rules are being computed contributes its rules as written.
                        rules = (IReadOnlyList<PolicyRule>?)candidate.Rules ?? [];
                        cyclic = true;
                    }
                    else
                    {
                        rules = Aggregate(candidate, inProgress, local, out var below);
                        cyclic |= below;
                    }
                    foreach (var rule in rules)
                    {
                        if (seen.Add(rule))
                        {
                            result.Add(rule);
                        }
                    }
                }
            }
            inProgress.Remove(targetName);
            (cyclic ? local : _shared)[targetName] = result;
            return result;
        }
    }

    /// <summary>Rule equality of <see cref="PolicyRules.AreEqual"/>, with a hash over the same lists.</summary>
    private sealed class RuleComparer : IEqualityComparer<PolicyRule>
    {
        public static readonly RuleComparer Instance = new();

        public bool Equals(PolicyRule? x, PolicyRule? y) => ReferenceEquals(x, y) || (x is not null && y is not null && PolicyRules.AreEqual(x, y));

        public int GetHashCode(PolicyRule rule)
        {
            var hash = new HashCode();
            foreach (var list in new[] { rule.Verbs, rule.ApiGroups, rule.Resources, rule.ResourceNames, rule.NonResourceURLs })
            {
                hash.Add(list?.Count ?? 0);
                foreach (var value in list ?? [])
                {
                    hash.Add(value, StringComparer.Ordinal);
                }
            }
            return hash.ToHashCode();
        }
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
