using K8sServiceAccount.Client.Models;
using K8sServiceAccount.Client.Rbac;
using static K8sServiceAccount.Client.Tests.Rbac.R;

namespace K8sServiceAccount.Client.Tests.Rbac;

public sealed class ClusterRoleAggregationTests
{
    private static ClusterRole Labeled(string name, Dictionary<string, string> labels, params PolicyRule[] rules)
        => new() { Metadata = new ObjectMeta { Name = name, Labels = labels }, Rules = [.. rules] };

    private static ClusterRole Aggregating(string name, params LabelSelector[] selectors)
        => new() { Metadata = new ObjectMeta { Name = name }, AggregationRule = new AggregationRule { ClusterRoleSelectors = [.. selectors] }, Rules = [Rule("delete", "", "everything")] };

    [Fact]
    public void Rules_of_matching_roles_in_name_order_replace_the_own_rules_without_duplicates()
    {
        var target = Aggregating("agg", new LabelSelector { MatchLabels = new() { ["team"] = "a" } });
        var roles = new[]
        {
            target,
            Labeled("b-role", new() { ["team"] = "a" }, Rule("get", "", "pods"), Rule("list", "", "pods")),
            Labeled("a-role", new() { ["team"] = "a" }, Rule("get", "", "secrets"), Rule("get", "", "pods")),
            Labeled("c-role", new() { ["team"] = "b" }, Rule("get", "", "nodes")),
        };
        var rules = ClusterRoleAggregation.Aggregate(target, roles);
        Assert.Equal(["secrets", "pods", "pods"], rules.Select(r => r.Resources![0]));
        Assert.Equal(["get", "get", "list"], rules.Select(r => r.Verbs![0]));
    }

    [Fact]
    public void Selectors_are_ORed_and_the_target_never_selects_itself()
    {
        var target = Aggregating("agg",
            new LabelSelector { MatchLabels = new() { ["x"] = "1" } },
            new LabelSelector { MatchLabels = new() { ["y"] = "1" } });
        target.Metadata.Labels = new() { ["x"] = "1" };
        var roles = new[] { target, Labeled("r1", new() { ["x"] = "1" }, Rule("get", "", "a")), Labeled("r2", new() { ["y"] = "1" }, Rule("get", "", "b")) };
        Assert.Equal(["a", "b"], ClusterRoleAggregation.Aggregate(target, roles).Select(r => r.Resources![0]));
    }

    [Fact]
    public void Empty_selector_matches_every_other_role()
    {
        var target = Aggregating("agg", new LabelSelector());
        var roles = new[] { target, Labeled("r1", new(), Rule("get", "", "a")), Labeled("r2", new() { ["k"] = "v" }, Rule("get", "", "b")) };
        Assert.Equal(2, ClusterRoleAggregation.Aggregate(target, roles).Count);
    }

    [Fact]
    public void Chains_are_followed_and_cycles_terminate()
    {
        var top = Aggregating("top", new LabelSelector { MatchLabels = new() { ["to-top"] = "true" } });
        var middle = Aggregating("middle", new LabelSelector { MatchLabels = new() { ["to-middle"] = "true" } });
        middle.Metadata.Labels = new() { ["to-top"] = "true" };
        var leaf = Labeled("leaf", new() { ["to-middle"] = "true" }, Rule("get", "", "pods"));
        Assert.Equal(["pods"], ClusterRoleAggregation.Aggregate(top, [top, middle, leaf]).Select(r => r.Resources![0]));

        var a = Aggregating("a", new LabelSelector { MatchLabels = new() { ["g"] = "1" } });
        var b = Aggregating("b", new LabelSelector { MatchLabels = new() { ["g"] = "1" } });
        a.Metadata.Labels = new() { ["g"] = "1" };
        b.Metadata.Labels = new() { ["g"] = "1" };
        Assert.NotNull(ClusterRoleAggregation.Aggregate(a, [a, b]));
    }

    public static TheoryData<string, LabelSelector, bool> SelectorCases => new()
    {
        { "matchLabels equal", new LabelSelector { MatchLabels = new() { ["app"] = "web" } }, true },
        { "matchLabels differ", new LabelSelector { MatchLabels = new() { ["app"] = "db" } }, false },
        { "matchLabels missing key", new LabelSelector { MatchLabels = new() { ["zone"] = "a" } }, false },
        { "In", Expr("app", "In", "web", "api"), true },
        { "In not listed", Expr("app", "In", "db"), false },
        { "In missing key", Expr("zone", "In", "a"), false },
        { "NotIn", Expr("app", "NotIn", "db"), true },
        { "NotIn listed", Expr("app", "NotIn", "web"), false },
        { "NotIn missing key", Expr("zone", "NotIn", "a"), true },
        { "Exists", Expr("tier", "Exists"), true },
        { "Exists missing", Expr("zone", "Exists"), false },
        { "DoesNotExist", Expr("zone", "DoesNotExist"), true },
        { "DoesNotExist present", Expr("tier", "DoesNotExist"), false },
        { "labels and expressions ANDed", new LabelSelector { MatchLabels = new() { ["app"] = "web" }, MatchExpressions = [new() { Key = "tier", Operator = "In", Values = ["back"] }] }, false },
        { "empty selector", new LabelSelector(), true },
    };

    private static LabelSelector Expr(string key, string op, params string[] values)
        => new() { MatchExpressions = [new LabelSelectorRequirement { Key = key, Operator = op, Values = values.Length == 0 ? null : [.. values] }] };

    [Theory]
    [MemberData(nameof(SelectorCases))]
    public void Label_selector_matching(string description, LabelSelector selector, bool expected)
    {
        var labels = new Dictionary<string, string> { ["app"] = "web", ["tier"] = "front" };
        Assert.True(LabelSelectors.Matches(selector, labels) == expected, description);
    }

    [Fact]
    public void Invalid_selectors_are_rejected_with_a_clear_error()
    {
        var labels = new Dictionary<string, string>();
        var bad = Assert.Throws<K8sClientException>(() => LabelSelectors.Matches(Expr("a", "Equals", "b"), labels));
        Assert.Equal("InvalidLabelSelector", bad.ErrorId);
        Assert.Contains("Equals", bad.Message);
        Assert.Throws<K8sClientException>(() => LabelSelectors.Matches(Expr("a", "In"), labels));
        Assert.Throws<K8sClientException>(() => LabelSelectors.Matches(Expr("a", "Exists", "x"), labels));
    }
}
