using K8sServiceAccount.Client.Permissions;

namespace K8sServiceAccount.Client.Tests.Permissions;

public sealed class ResourceNameResolverTests
{
    private static (ResourceNameResolver Resolver, WarningLog Log, FakeKubernetes Fake) NewResolver()
    {
        var fake = new FakeKubernetes(r => DiscoveryFixture.Answer(r.Path) ?? throw FakeKubernetes.Error(404, "NotFound", "the server could not find the requested resource"));
        var log = new WarningLog();
        return (new ResourceNameResolver(fake, log), log, fake);
    }

    private static Task<ResolvedResource> Resolve(ResourceNameResolver resolver, string resource, string ns = "ns1", string? group = null, string? subresource = null, string verb = "get")
        => resolver.ResolveAsync(new PermissionCheck { Verb = verb, Resource = resource, Namespace = ns, Group = group, Subresource = subresource }, CancellationToken.None);

    [Theory]
    [InlineData("pods", "pods", "", "v1")]
    [InlineData("pod", "pods", "", "v1")]
    [InlineData("Pod", "pods", "", "v1")]
    [InlineData("po", "pods", "", "v1")]
    [InlineData("sa", "serviceaccounts", "", "v1")]
    [InlineData("ServiceAccount", "serviceaccounts", "", "v1")]
    [InlineData("deploy", "deployments", "apps", "v1")]
    [InlineData("deployment", "deployments", "apps", "v1")]
    [InlineData("deployments.apps", "deployments", "apps", "v1")]
    [InlineData("deployments.v1.apps", "deployments", "apps", "v1")]
    [InlineData("rs.apps", "replicasets", "apps", "v1")]
    [InlineData("hpa", "horizontalpodautoscalers", "autoscaling", "v2")]
    [InlineData("hpa.autoscal", "horizontalpodautoscalers", "autoscaling", "v2")]
    [InlineData("horizontalpodautoscalers.v1.autoscaling", "horizontalpodautoscalers", "autoscaling", "v1")]
    [InlineData("events", "events", "", "v1")]
    [InlineData("events.events.k8s.io", "events", "events.k8s.io", "v1")]
    [InlineData("crontab", "crontabs", "stable.example.com", "v1")]
    [InlineData("ct", "crontabs", "stable.example.com", "v1")]
    [InlineData("roles.rbac.authorization.k8s.io", "roles", "rbac.authorization.k8s.io", "v1")]
    public async Task Resolves_like_kubectl(string text, string resource, string group, string version)
    {
        var (resolver, log, _) = NewResolver();
        var resolved = await Resolve(resolver, text);
        Assert.True(resolved.Found);
        Assert.Equal((resource, group, version, ""), (resolved.Resource, resolved.Group, resolved.Version, resolved.Subresource));
        Assert.Empty(log.Warnings);
    }

    [Fact]
    public async Task Type_slash_sub_is_a_subresource()
    {
        var (resolver, _, _) = NewResolver();
        var resolved = await Resolve(resolver, "deploy/scale");
        Assert.Equal(("deployments", "apps", "scale"), (resolved.Resource, resolved.Group, resolved.Subresource));
        Assert.Equal("log", (await Resolve(resolver, "pods", subresource: "log")).Subresource);
    }

    [Fact]
    public async Task Conflicting_subresources_and_groups_are_argument_errors()
    {
        var (resolver, _, _) = NewResolver();
        var sub = await Assert.ThrowsAsync<K8sClientException>(() => Resolve(resolver, "deployments/scale", subresource: "status"));
        Assert.Equal("InvalidSubresource", sub.ErrorId);
        var group = await Assert.ThrowsAsync<K8sClientException>(() => Resolve(resolver, "deployments.apps", group: "extensions"));
        // The API group is -ApiGroup to the user; InvalidGroup is a subject's group (-Group).
        Assert.Equal(("InvalidApiGroup", "ApiGroup"), (group.ErrorId, group.Target));
        Assert.Contains("-ApiGroup is \"extensions\"", group.Message);
        var form = await Assert.ThrowsAsync<K8sClientException>(() => Resolve(resolver, "a/b/c"));
        Assert.Equal("InvalidResource", form.ErrorId);
    }

    [Fact]
    public async Task An_explicit_core_group_is_a_group_not_any_group()
    {
        // -ApiGroup core (""): deployments is not in the core group, so it must not resolve to apps/deployments.
        var (resolver, log, _) = NewResolver();
        var deployments = await Resolve(resolver, "deployments", group: "");
        Assert.Equal((false, "deployments", ""), (deployments.Found, deployments.Resource, deployments.Group));
        Assert.Equal(["the server doesn't have a resource type 'deployments'"], log.Warnings);
        var deploy = await Resolve(resolver, "deploy", group: "");
        Assert.Equal((false, ""), (deploy.Found, deploy.Group));

        var pods = await Resolve(resolver, "po", group: "");
        Assert.Equal((true, "pods", ""), (pods.Found, pods.Resource, pods.Group));
        var events = await Resolve(resolver, "events", group: "");
        Assert.Equal((true, "events", ""), (events.Found, events.Resource, events.Group));
    }

    [Fact]
    public async Task Unknown_type_warns_once_and_uses_the_raw_word_with_no_group()
    {
        var (resolver, log, _) = NewResolver();
        var first = await Resolve(resolver, "Widgets.example.org");
        var second = await Resolve(resolver, "Widgets.example.org");
        Assert.False(first.Found);
        Assert.Equal(("Widgets.example.org", ""), (first.Resource, first.Group));
        Assert.Equal(first, second with { Warnings = first.Warnings });
        Assert.Equal(["the server doesn't have a resource type 'widgets' in group 'example.org'"], log.Warnings);

        await Resolve(resolver, "gadgets");
        Assert.Contains("the server doesn't have a resource type 'gadgets'", log.Warnings);
    }

    [Fact]
    public async Task Users_and_groups_are_not_warned_about()
    {
        var (resolver, log, _) = NewResolver();
        var users = await Resolve(resolver, "users", verb: "impersonate", ns: "");
        Assert.Equal("users", users.Resource);
        Assert.Empty(log.Warnings);
    }

    [Fact]
    public async Task Cluster_scoped_type_in_a_namespace_warns()
    {
        var (resolver, log, _) = NewResolver();
        var nodes = await Resolve(resolver, "no");
        Assert.Equal(("nodes", false), (nodes.Resource, nodes.Namespaced));
        await Resolve(resolver, "clusterroles.rbac.authorization.k8s.io");
        await Resolve(resolver, "nodes", ns: "");
        Assert.Equal(
            ["resource 'nodes' is not namespace scoped", "resource 'clusterroles' is not namespace scoped in group 'rbac.authorization.k8s.io'"],
            log.Warnings);
    }

    [Fact]
    public async Task Unknown_verb_warns_and_star_needs_no_discovery()
    {
        var (resolver, log, fake) = NewResolver();
        var star = await Resolve(resolver, "*", verb: "frobnicate");
        Assert.Equal(("*", ""), (star.Resource, star.Group));
        Assert.Equal(["verb 'frobnicate' is not a known verb"], log.Warnings);
        Assert.Empty(fake.Requests);
    }

    [Fact]
    public async Task Discovery_is_read_once_per_connection()
    {
        var (resolver, _, fake) = NewResolver();
        await Resolve(resolver, "pods");
        var afterFirst = fake.Requests.Count;
        await Resolve(resolver, "deploy");
        await new ResourceNameResolver(fake).ResolveAsync(new PermissionCheck { Verb = "get", Resource = "sa" }, CancellationToken.None);
        Assert.Equal(afterFirst, fake.Requests.Count);
        Assert.Equal(9, afterFirst); // /api, /apis and seven group versions
    }

    [Fact]
    public async Task Failed_discovery_degrades_to_the_unknown_type_warning()
    {
        var fake = new FakeKubernetes(r => r.Path == "/apis" ? throw FakeKubernetes.Error(503, "ServiceUnavailable", "etcd is down") : DiscoveryFixture.Answer(r.Path)!);
        var log = new WarningLog();
        var resolved = await new ResourceNameResolver(fake, log).ResolveAsync(new PermissionCheck { Verb = "get", Resource = "deploy", Namespace = "a" }, CancellationToken.None);
        Assert.Equal(("deploy", ""), (resolved.Resource, resolved.Group));
        Assert.Contains("discovery failed: etcd is down", log.Warnings);
        Assert.Contains("the server doesn't have a resource type 'deploy'", log.Warnings);
    }

    [Fact]
    public async Task Without_discovery_only_the_syntax_is_resolved()
    {
        var resolver = ResourceNameResolver.WithoutDiscovery();
        var resolved = await resolver.ResolveAsync(new PermissionCheck { Verb = "get", Resource = "deployments.apps/scale" }, CancellationToken.None);
        Assert.Equal(("deployments", "apps", "scale", false), (resolved.Resource, resolved.Group, resolved.Subresource, resolved.Found));
        Assert.Empty(resolved.Warnings);
    }
}
