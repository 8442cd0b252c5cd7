using K8sServiceAccount.Client;
using K8sServiceAccount.Client.Api;
using K8sServiceAccount.Client.Http;
using K8sServiceAccount.Client.Models;

namespace K8sServiceAccount.Integration.Tests.Api;

/// <summary>ServiceAccountOperations against the local API server.</summary>
public sealed class ServiceAccountApiTests(LocalServerFixture fixture) : IClassFixture<LocalServerFixture>
{
    private readonly ServiceAccountOperations accounts = new(fixture.Transport);

    [Fact]
    public async Task Create_get_update_delete_round_trip()
    {
        var ns = await fixture.NewNamespaceAsync("sa-crud");
        var created = await accounts.CreateAsync(new ServiceAccountDefinition
        {
            Namespace = ns,
            Name = "app",
            Labels = new Dictionary<string, string> { ["team"] = "a" },
            ImagePullSecrets = new[] { "registry" },
            AutomountServiceAccountToken = false,
        });
        Assert.False(string.IsNullOrEmpty(created.Metadata.Uid));
        Assert.Equal("a", created.Metadata.Labels!["team"]);
        Assert.Equal("registry", Assert.Single(created.ImagePullSecrets!).Name);
        Assert.False(created.AutomountServiceAccountToken);

        var read = await accounts.GetAsync(ns, "app");
        Assert.Equal(created.Metadata.Uid, read.Metadata.Uid);

        var updated = await accounts.UpdateAsync(ns, "app", new ServiceAccountChanges
        {
            Labels = new Dictionary<string, string?> { ["team"] = null, ["tier"] = "web" },
            AutomountServiceAccountToken = true,
        });
        Assert.Equal(new Dictionary<string, string> { ["tier"] = "web" }, updated.Metadata.Labels);
        Assert.True(updated.AutomountServiceAccountToken);
        Assert.NotEqual(read.Metadata.ResourceVersion, updated.Metadata.ResourceVersion);

        var deleted = await accounts.DeleteAsync(ns, "app", uid: created.Metadata.Uid);
        Assert.Equal("app", deleted.Metadata.Name);
        var gone = await Assert.ThrowsAsync<KubernetesApiException>(() => accounts.GetAsync(ns, "app"));
        Assert.Equal($"serviceaccounts \"app\" not found", gone.Message);
    }

    [Fact]
    public async Task Existing_name_is_AlreadyExists_and_CreateOrGet_returns_the_existing_object()
    {
        var ns = await fixture.NewNamespaceAsync("sa-exists");
        var first = await fixture.NewServiceAccountAsync(ns, "app");

        var e = await Assert.ThrowsAsync<KubernetesApiException>(() =>
            accounts.CreateAsync(new ServiceAccountDefinition { Namespace = ns, Name = "app" }));
        Assert.True(e.IsAlreadyExists);
        Assert.Equal("serviceaccounts \"app\" already exists", e.Message);

        var result = await accounts.CreateOrGetAsync(new ServiceAccountDefinition { Namespace = ns, Name = "app" });
        Assert.True(result.AlreadyExisted);
        Assert.Equal(first.Metadata.Uid, result.ServiceAccount.Metadata.Uid);
    }

    [Fact]
    public async Task Missing_namespace_is_the_servers_NotFound()
    {
        var e = await Assert.ThrowsAsync<KubernetesApiException>(() =>
            accounts.CreateAsync(new ServiceAccountDefinition { Namespace = "no-such-namespace", Name = "app" }));
        Assert.True(e.IsNotFound);
        Assert.Equal("namespaces \"no-such-namespace\" not found", e.Message);
    }

    [Theory]
    [InlineData("Bad_Name")]
    [InlineData("-dash")]
    [InlineData("a..b")]
    public async Task Client_side_name_check_says_exactly_what_the_server_says(string name)
    {
        var ns = await fixture.NewNamespaceAsync("sa-names");
        var ours = await Assert.ThrowsAsync<K8sClientException>(() =>
            accounts.CreateAsync(new ServiceAccountDefinition { Namespace = ns, Name = name }));
        Assert.Equal("InvalidServiceAccountName", ours.ErrorId);

        // The same object sent without our check: the server's 422 must carry the same text.
        var theirs = await Assert.ThrowsAsync<KubernetesApiException>(() => fixture.Transport.SendAsync(
            HttpMethod.Post,
            $"/api/v1/namespaces/{ns}/serviceaccounts",
            new ServiceAccount { Metadata = new ObjectMeta { Name = name } },
            KubeJsonContext.Default.ServiceAccount,
            KubeJsonContext.Default.ServiceAccount,
            CancellationToken.None));
        Assert.True(theirs.IsInvalid);
        Assert.Equal(theirs.Message, ours.Message);
    }

    [Fact]
    public async Task List_pages_through_everything_and_wildcards_filter()
    {
        var ns = await fixture.NewNamespaceAsync("sa-list");
        foreach (var name in new[] { "app-a", "app-b", "app-c", "db", "cache" })
        {
            await fixture.NewServiceAccountAsync(ns, name);
        }

        var all = await accounts.ListAsync(ns, pageSize: 2).Select(s => s.Metadata.Name!).ToListAsync();
        Assert.Equal(new[] { "app-a", "app-b", "app-c", "cache", "db", "default" }, all.Order(StringComparer.Ordinal));

        var apps = await accounts.FindAsync(ns, NamePattern.Parse("app-*"), pageSize: 2).Select(s => s.Metadata.Name!).ToListAsync();
        Assert.Equal(new[] { "app-a", "app-b", "app-c" }, apps.Order(StringComparer.Ordinal));

        Assert.Empty(await accounts.FindAsync(ns, NamePattern.Parse("zz*")).ToListAsync());

        var everywhere = await accounts.FindAsync(null, NamePattern.Parse("cache")).ToListAsync();
        Assert.Contains(everywhere, s => s.Metadata.Namespace == ns);
    }

    [Fact]
    public async Task Label_selector_is_applied_by_the_server()
    {
        var ns = await fixture.NewNamespaceAsync("sa-labels");
        await accounts.CreateAsync(new ServiceAccountDefinition { Namespace = ns, Name = "web", Labels = new Dictionary<string, string> { ["tier"] = "web" } });
        await fixture.NewServiceAccountAsync(ns, "other");

        var found = await accounts.ListAsync(ns, "tier=web").Select(s => s.Metadata.Name).ToListAsync();
        Assert.Equal(new[] { "web" }, found);
    }

    [Fact]
    public async Task Update_survives_a_concurrent_change_by_rereading()
    {
        var ns = await fixture.NewNamespaceAsync("sa-conflict");
        await fixture.NewServiceAccountAsync(ns, "app");
        var attempts = 0;

        var updated = await accounts.UpdateAsync(ns, "app", account =>
        {
            if (++attempts == 1)
            {
                // Someone else writes between our read and our write: our PUT carries a stale resourceVersion.
                accounts.UpdateAsync(ns, "app", new ServiceAccountChanges { Annotations = new Dictionary<string, string?> { ["other"] = "x" } })
                    .GetAwaiter().GetResult();
            }

            account.Metadata.Labels = new Dictionary<string, string> { ["mine"] = "y" };
        });

        Assert.Equal(2, attempts);
        Assert.Equal("y", updated.Metadata.Labels!["mine"]);
        Assert.Equal("x", updated.Metadata.Annotations!["other"]);
    }

    [Fact]
    public async Task WhoAmI_reports_the_admin_identity()
    {
        var me = await new AuthenticationOperations(fixture.Transport).WhoAmIAsync();
        Assert.Equal("admin", me.Username);
        Assert.Contains("system:masters", me.Groups);
    }
}
