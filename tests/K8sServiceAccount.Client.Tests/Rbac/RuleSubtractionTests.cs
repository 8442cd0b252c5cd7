using K8sServiceAccount.Client.Models;
using K8sServiceAccount.Client.Rbac;

namespace K8sServiceAccount.Client.Tests.Rbac;

public sealed class RuleSubtractionTests
{
    private static readonly UserInfo Anyone = new("u", null, []);

    private static PolicyRule R(string verbs, string resources, string groups = "", string? names = null)
        => PolicyRules.Resource(verbs.Split(','), groups.Split(','), resources.Split(','), names?.Split(','));

    private static PolicyRule U(string verbs, string urls) => PolicyRules.NonResource(verbs.Split(','), urls.Split(','));

    private static string Show(IEnumerable<PolicyRule> rules) => string.Join(" ", rules.Select(EscalationCheck.CompactString));

    [Fact]
    public void Revoking_list_from_get_and_list_leaves_get()
    {
        var result = RuleSubtraction.Subtract([R("get,list", "pods")], [R("list", "pods")]);
        Assert.Equal(Show([R("get", "pods")]), Show(result.Remaining));
        Assert.Equal(Show([R("list", "pods")]), Show(result.Removed));
        Assert.Empty(result.Conflicts);
    }

    [Fact]
    public void A_rule_is_split_verbs_first_and_rules_that_do_not_overlap_are_kept_as_written()
    {
        var other = R("get", "deployments", "apps");
        var result = RuleSubtraction.Subtract([R("get,list", "pods,secrets"), other], [R("list", "pods")]);
        Assert.Equal(Show([R("get", "pods,secrets"), R("list", "secrets"), other]), Show(result.Remaining));
    }

    [Fact]
    public void Revoking_everything_a_rule_grants_removes_it()
    {
        var result = RuleSubtraction.Subtract([R("get", "pods")], [R("get,list", "pods,secrets")]);
        Assert.Empty(result.Remaining);
        Assert.True(result.Changed);
    }

    [Fact]
    public void Resource_names_are_subtracted_and_every_name_covers_listed_names()
    {
        Assert.Equal(Show([R("get", "secrets", names: "b")]), Show(RuleSubtraction.Subtract([R("get", "secrets", names: "a,b")], [R("get", "secrets", names: "a")]).Remaining));
        Assert.Empty(RuleSubtraction.Subtract([R("get", "secrets", names: "a,b")], [R("get", "secrets")]).Remaining);
    }

    [Fact]
    public void Non_resource_urls_are_subtracted_and_never_touch_resource_rules()
    {
        var pods = R("get", "pods");
        var result = RuleSubtraction.Subtract([U("get,post", "/healthz,/metrics"), pods], [U("get", "/metrics")]);
        Assert.Equal(Show([U("post", "/healthz,/metrics"), U("get", "/healthz"), pods]), Show(result.Remaining));
        Assert.Empty(RuleSubtraction.Subtract([U("get", "/healthz/etcd")], [U("get", "/healthz/*")]).Remaining);
    }

    [Theory]
    [InlineData("*", "pods", "", null, "list", "pods", "", null, "verbs", "*")]
    [InlineData("get", "*", "", null, "get", "pods", "", null, "resources", "*")]
    [InlineData("get", "*/scale", "apps", null, "get", "deployments/scale", "apps", null, "resources", "*/scale")]
    [InlineData("get", "pods", "*", null, "get", "pods", "", null, "apiGroups", "*")]
    [InlineData("get", "secrets", "", null, "get", "secrets", "", "a", "resourceNames", "(every name)")]
    public void A_wildcard_that_would_have_to_be_narrowed_is_a_conflict_and_the_rule_is_kept(
        string verbs, string resources, string groups, string? names, string cutVerbs, string cutResources, string cutGroups, string? cutNames, string field, string value)
    {
        var rule = R(verbs, resources, groups, names);
        var result = RuleSubtraction.Subtract([rule], [R(cutVerbs, cutResources, cutGroups, cutNames)]);
        var conflict = Assert.Single(result.Conflicts);
        Assert.Equal(field, conflict.Field);
        Assert.Equal(value, conflict.Value);
        Assert.Equal(Show([rule]), Show(result.Remaining));
        Assert.False(result.Changed);
    }

    [Fact]
    public void A_url_wildcard_minus_a_narrower_url_is_a_conflict()
    {
        var result = RuleSubtraction.Subtract([U("get", "/healthz/*")], [U("get", "/healthz/etcd")]);
        Assert.Equal("nonResourceURLs", Assert.Single(result.Conflicts).Field);
    }

    [Fact]
    public void Wildcards_revoked_whole_cover_narrower_rules()
    {
        Assert.Empty(RuleSubtraction.Subtract([R("get,list", "pods", "", "a"), U("get", "/x")], [R("*", "*", "*"), U("*", "*")]).Remaining);
        Assert.Empty(RuleSubtraction.Subtract([R("*", "pods")], [R("*", "pods")]).Remaining);
        Assert.Empty(RuleSubtraction.Subtract([R("get", "deployments/scale", "apps")], [R("get", "*/scale", "*")]).Remaining);
    }

    // Every atomic request of a small universe: what remains allows exactly what the rules allowed and the revoked rules
    // do not (or, on a conflict, exactly what the rules allowed: nothing changed).
    private static readonly string[] VerbUniverse = ["get", "list", "*"];
    private static readonly string[] GroupUniverse = ["", "apps", "*"];
    private static readonly string[] ResourceUniverse = ["pods", "secrets", "pods/log", "*/log", "*"];
    private static readonly string?[] NameUniverse = [null, "a", "b", "a,b"];
    private static readonly string[] UrlUniverse = ["/healthz", "/healthz/*", "/metrics", "*"];

    private static IEnumerable<AccessRequest> Atoms()
    {
        foreach (var verb in new[] { "get", "list", "watch" })
        {
            foreach (var group in new[] { "", "apps", "batch" })
            {
                foreach (var (resource, sub) in new[] { ("pods", ""), ("secrets", ""), ("pods", "log"), ("deployments", "log"), ("nodes", "") })
                {
                    foreach (var name in new[] { "", "a", "b", "c" })
                    {
                        yield return AccessRequest.ForResource(Anyone, verb, resource, apiGroup: group, subresource: sub, name: name);
                    }
                }
            }
            foreach (var path in new[] { "/healthz", "/healthz/etcd", "/metrics", "/other" })
            {
                yield return AccessRequest.ForPath(Anyone, verb, path);
            }
        }
    }

    private static PolicyRule RandomRule(Random random)
    {
        string Pick(string[] values) => values[random.Next(values.Length)];
        string Some(string[] values) => string.Join(",", values.Where(_ => random.Next(2) == 0).DefaultIfEmpty(Pick(values)).Distinct());
        return random.Next(5) == 0
            ? U(Some(VerbUniverse), Some(UrlUniverse))
            : R(Some(VerbUniverse), Some(ResourceUniverse), Some(GroupUniverse), NameUniverse[random.Next(NameUniverse.Length)]);
    }

    [Fact]
    public void Subtraction_is_exact_over_every_request_of_a_small_universe()
    {
        var random = new Random(14);
        var atoms = Atoms().ToList();
        var conflicts = 0;
        for (var round = 0; round < 3000; round++)
        {
            var rules = Enumerable.Range(0, random.Next(1, 4)).Select(_ => RandomRule(random)).ToList();
            var cut = Enumerable.Range(0, random.Next(1, 3)).Select(_ => RandomRule(random)).ToList();
            var result = RuleSubtraction.Subtract(rules, cut);
            foreach (var atom in atoms)
            {
                var before = rules.Any(r => RuleMatcher.Allows(r, atom));
                var after = result.Remaining.Any(r => RuleMatcher.Allows(r, atom));
                var revoked = cut.Any(r => RuleMatcher.Allows(r, atom));
                if (result.Conflicts.Count == 0)
                {
                    Assert.True(after == (before && !revoked), $"{Show(rules)} minus {Show(cut)} = {Show(result.Remaining)}: {atom}");
                }
                else
                {
                    // The conflicting rules are kept whole; every other rule is still subtracted exactly.
                    Assert.True(!after || before, $"{Show(rules)} minus {Show(cut)} grew: {atom}");
                }
            }
            conflicts += result.Conflicts.Count > 0 ? 1 : 0;
            Assert.All(result.Remaining, r => Assert.True(r.Verbs is { Count: > 0 }));
        }
        Assert.InRange(conflicts, 1, 2999); // both paths were exercised
    }
}
