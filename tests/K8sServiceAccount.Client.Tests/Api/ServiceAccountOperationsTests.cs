using K8sServiceAccount.Client.Api;
using K8sServiceAccount.Client.Http;
using K8sServiceAccount.Client.Models;

namespace K8sServiceAccount.Client.Tests.Api;

public class ServiceAccountOperationsTests
{
    private const string CreatePath = "/api/v1/namespaces/ns1/serviceaccounts?fieldManager=K8sServiceAccount&fieldValidation=Strict";

    private static string Sa(string name, string ns = "ns1", string rv = "1", string? labels = null) =>
        "{\"apiVersion\":\"v1\",\"kind\":\"ServiceAccount\",\"metadata\":{\"name\":\"" + name + "\",\"namespace\":\"" + ns +
        "\",\"uid\":\"uid-" + name + "\",\"resourceVersion\":\"" + rv + "\"" + (labels is null ? "" : ",\"labels\":" + labels) + "}}";

    private static string Page(string? continueToken, params string[] names) =>
        "{\"apiVersion\":\"v1\",\"kind\":\"ServiceAccountList\",\"metadata\":{\"resourceVersion\":\"9\"" +
        (continueToken is null ? "" : ",\"continue\":\"" + continueToken + "\"") + "},\"items\":[" + string.Join(",", names.Select(n => Sa(n))) + "]}";

    [Fact]
    public async Task Create_posts_the_object_with_field_manager_and_strict_validation()
    {
        var transport = new FakeTransport().Reply(Sa("app"));
        var operations = new ServiceAccountOperations(transport);

        var created = await operations.CreateAsync(new ServiceAccountDefinition
        {
            Namespace = "ns1",
            Name = "app",
            Labels = new Dictionary<string, string> { ["team"] = "a" },
            Annotations = new Dictionary<string, string> { ["owner"] = "me" },
            ImagePullSecrets = new[] { "registry" },
            AutomountServiceAccountToken = false,
        });

        Assert.Equal("uid-app", created.Metadata.Uid);
        var request = Assert.Single(transport.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal(CreatePath, request.Path);
        Assert.Equal(
            """{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"app","namespace":"ns1","labels":{"team":"a"},"annotations":{"owner":"me"}},"imagePullSecrets":[{"name":"registry"}],"automountServiceAccountToken":false}""",
            request.Body);
    }

    [Fact]
    public async Task Create_minimal_sends_only_name_and_namespace()
    {
        var transport = new FakeTransport().Reply(Sa("app"));
        await new ServiceAccountOperations(transport).CreateAsync(new ServiceAccountDefinition { Namespace = "ns1", Name = "app" });
        Assert.Equal("""{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"app","namespace":"ns1"}}""", transport.Requests[0].Body);
    }

    [Theory]
    [InlineData("Bad_Name", "ns1", "InvalidServiceAccountName")]
    [InlineData("", "ns1", "InvalidServiceAccountName")]
    [InlineData("app", "My_NS", "InvalidNamespaceName")]
    [InlineData("app", "a.b", "InvalidNamespaceName")]
    public async Task Create_validates_before_any_request(string name, string ns, string errorId)
    {
        var transport = new FakeTransport();
        var e = await Assert.ThrowsAsync<K8sClientException>(() =>
            new ServiceAccountOperations(transport).CreateAsync(new ServiceAccountDefinition { Namespace = ns, Name = name }));
        Assert.Equal(errorId, e.ErrorId);
        Assert.Empty(transport.Requests);
    }

    [Fact]
    public async Task Create_of_existing_name_keeps_the_servers_AlreadyExists()
    {
        var transport = new FakeTransport().Fail(409, "AlreadyExists", "serviceaccounts \"app\" already exists");
        var e = await Assert.ThrowsAsync<KubernetesApiException>(() =>
            new ServiceAccountOperations(transport).CreateAsync(new ServiceAccountDefinition { Namespace = "ns1", Name = "app" }));
        Assert.Equal("KubernetesAlreadyExists", e.ErrorId);
        Assert.Equal(K8sErrorCategory.ResourceExists, e.Category);
        Assert.Equal("serviceaccounts \"app\" already exists", e.Message);
    }

    [Fact]
    public async Task CreateOrGet_reads_the_existing_object_and_says_it_existed()
    {
        var transport = new FakeTransport()
            .Fail(409, "AlreadyExists", "serviceaccounts \"app\" already exists")
            .Reply(Sa("app", rv: "77"));

        var result = await new ServiceAccountOperations(transport).CreateOrGetAsync(new ServiceAccountDefinition { Namespace = "ns1", Name = "app" });

        Assert.True(result.AlreadyExisted);
        Assert.Equal("77", result.ServiceAccount.Metadata.ResourceVersion);
        Assert.Equal(new[] { "POST", "GET" }, transport.Requests.Select(r => r.Method));
        Assert.Equal("/api/v1/namespaces/ns1/serviceaccounts/app", transport.Requests[1].Path);
    }

    [Fact]
    public async Task CreateOrGet_of_a_new_name_is_one_request()
    {
        var transport = new FakeTransport().Reply(Sa("app"));
        var result = await new ServiceAccountOperations(transport).CreateOrGetAsync(new ServiceAccountDefinition { Namespace = "ns1", Name = "app" });
        Assert.False(result.AlreadyExisted);
        Assert.Single(transport.Requests);
    }

    [Fact]
    public async Task Create_into_a_missing_namespace_keeps_the_servers_NotFound()
    {
        var transport = new FakeTransport().Fail(404, "NotFound", "namespaces \"nope\" not found");
        var e = await Assert.ThrowsAsync<KubernetesApiException>(() =>
            new ServiceAccountOperations(transport).CreateAsync(new ServiceAccountDefinition { Namespace = "nope", Name = "app" }));
        Assert.True(e.IsNotFound);
        Assert.Equal("namespaces \"nope\" not found", e.Message);
    }

    [Fact]
    public async Task Get_is_one_GET_and_NotFound_surfaces()
    {
        var transport = new FakeTransport().Reply(Sa("app")).Fail(404, "NotFound", "serviceaccounts \"gone\" not found");
        var operations = new ServiceAccountOperations(transport);

        Assert.Equal("app", (await operations.GetAsync("ns1", "app")).Metadata.Name);
        var e = await Assert.ThrowsAsync<KubernetesApiException>(() => operations.GetAsync("ns1", "gone"));
        Assert.Equal("KubernetesNotFound", e.ErrorId);
        Assert.Equal(K8sErrorCategory.ObjectNotFound, e.Category);
        Assert.Equal("/api/v1/namespaces/ns1/serviceaccounts/gone", transport.Requests[1].Path);
    }

    [Fact]
    public async Task List_streams_each_page_and_fetches_the_next_once_the_first_item_is_taken()
    {
        var transport = new FakeTransport()
            .Reply(Page("c1/2+x=", "a", "b"))
            .Reply(Page(null, "c"));
        var operations = new ServiceAccountOperations(transport);

        await using var items = operations.ListAsync("ns1", pageSize: 2).GetAsyncEnumerator();
        Assert.True(await items.MoveNextAsync());
        Assert.Equal("a", items.Current.Metadata.Name);
        // The first object is out after one round trip; nothing more is asked for yet.
        Assert.Single(transport.Requests);
        Assert.True(await items.MoveNextAsync());
        Assert.Equal("b", items.Current.Metadata.Name);
        // The caller wanted more than the first item: the next page is fetched while it works through this one.
        Assert.Equal(2, transport.Requests.Count);
        Assert.True(await items.MoveNextAsync());
        Assert.Equal("c", items.Current.Metadata.Name);
        Assert.False(await items.MoveNextAsync());

        Assert.Equal(
            new[] { "/api/v1/namespaces/ns1/serviceaccounts?limit=2", "/api/v1/namespaces/ns1/serviceaccounts?continue=c1%2F2%2Bx%3D&limit=2" },
            transport.Requests.Select(r => r.Path));
    }

    [Fact]
    public async Task A_caller_that_stops_early_asks_for_no_further_page()
    {
        var transport = new FakeTransport()
            .Reply(Page("c1", "a", "b"))
            .Reply(Page("c2", "c", "d"))
            .Reply(Page(null, "e"));

        await foreach (var item in new ServiceAccountOperations(transport).ListAsync("ns1", pageSize: 2))
        {
            if (item.Metadata.Name == "b")
            {
                break;
            }
        }

        // Page 2 was prefetched while "b" was taken; page 3 never was.
        Assert.Equal(2, transport.Requests.Count);
    }

    [Fact]
    public async Task The_next_page_is_asked_for_only_once_the_caller_has_taken_half_a_page()
    {
        var names = Enumerable.Range(0, 500).Select(i => "sa-" + i).ToArray();
        var transport = new FakeTransport().Reply(Page("c1", names)).Reply(Page(null, "last"));

        // Select-Object -First 10: one page served, none asked for beyond it.
        var taken = 0;
        await foreach (var item in new ServiceAccountOperations(transport).ListAsync(null, pageSize: 500))
        {
            if (++taken == 10)
            {
                break;
            }
        }

        Assert.Single(transport.Requests);

        // A caller going through the whole list: the second page is requested when it takes item 251, not at the end.
        transport = new FakeTransport().Reply(Page("c1", names)).Reply(Page(null, "last"));
        taken = 0;
        await foreach (var item in new ServiceAccountOperations(transport).ListAsync(null, pageSize: 500))
        {
            taken++;
            Assert.Equal(taken <= 250 ? 1 : 2, transport.Requests.Count);
        }

        Assert.Equal(501, taken);
    }

    [Fact]
    public async Task Expired_continue_token_stops_the_stream_with_a_clear_error()
    {
        var transport = new FakeTransport()
            .Reply(Page("c1", "a", "b"))
            .Fail(410, "Expired", "The provided continue parameter is too old to display a consistent list result.");
        var seen = new List<string>();

        var e = await Assert.ThrowsAsync<K8sClientException>(async () =>
        {
            await foreach (var item in new ServiceAccountOperations(transport).ListAsync("ns1", pageSize: 2))
            {
                seen.Add(item.Metadata.Name!);
            }
        });

        Assert.Equal(new[] { "a", "b" }, seen);
        Assert.Equal("ListContinueExpired", e.ErrorId);
        Assert.Contains("after 2 items", e.Message);
        Assert.Contains("too old to display a consistent list result", e.Message);
    }

    [Fact]
    public async Task List_all_namespaces_with_label_selector_uses_the_cluster_collection()
    {
        var transport = new FakeTransport().Reply(Page(null, "a"));
        var names = await new ServiceAccountOperations(transport).ListAsync(null, "app=web,tier!=fe").Select(s => s.Metadata.Name).ToListAsync();
        Assert.Equal(new[] { "a" }, names);
        Assert.Equal("/api/v1/serviceaccounts?labelSelector=app%3Dweb%2Ctier%21%3Dfe&limit=500", transport.Requests[0].Path);
    }

    [Fact]
    public async Task Find_with_a_plain_name_in_a_namespace_is_one_GET()
    {
        var transport = new FakeTransport().Reply(Sa("app"));
        var found = await new ServiceAccountOperations(transport).FindAsync("ns1", NamePattern.Parse("app")).ToListAsync();
        Assert.Single(found);
        Assert.Equal(new[] { "GET /api/v1/namespaces/ns1/serviceaccounts/app" }, transport.Requests.Select(r => $"{r.Method} {r.Path}"));
    }

    [Fact]
    public async Task Find_with_a_plain_missing_name_is_NotFound()
    {
        var transport = new FakeTransport().Fail(404, "NotFound", "serviceaccounts \"nope\" not found");
        await Assert.ThrowsAsync<KubernetesApiException>(async () =>
            await new ServiceAccountOperations(transport).FindAsync("ns1", NamePattern.Parse("nope")).ToListAsync());
    }

    [Fact]
    public async Task Find_with_a_plain_name_across_namespaces_lets_the_server_filter_on_metadata_name()
    {
        var transport = new FakeTransport().Reply(Page(null, "app"));
        var found = await new ServiceAccountOperations(transport).FindAsync(null, NamePattern.Parse("app")).ToListAsync();
        Assert.Single(found);
        Assert.Equal("/api/v1/serviceaccounts?fieldSelector=metadata.name%3Dapp&limit=500", transport.Requests[0].Path);
    }

    [Fact]
    public async Task Find_with_a_wildcard_filters_every_page_here()
    {
        var transport = new FakeTransport()
            .Reply(Page("next", "app-web", "db"))
            .Reply(Page(null, "app-worker", "cache"));
        var found = await new ServiceAccountOperations(transport).FindAsync("ns1", NamePattern.Parse("app-*")).Select(s => s.Metadata.Name).ToListAsync();
        Assert.Equal(new[] { "app-web", "app-worker" }, found);
        Assert.Equal("/api/v1/namespaces/ns1/serviceaccounts?limit=500", transport.Requests[0].Path);
    }

    [Fact]
    public async Task Find_with_a_wildcard_matching_nothing_yields_nothing()
    {
        var transport = new FakeTransport().Reply(Page(null, "db"));
        Assert.Empty(await new ServiceAccountOperations(transport).FindAsync("ns1", NamePattern.Parse("zz*")).ToListAsync());
    }

    [Fact]
    public async Task Update_puts_the_changed_object_with_its_resourceVersion()
    {
        var transport = new FakeTransport().Reply(Sa("app", rv: "5", labels: """{"keep":"1","drop":"2"}""")).Reply(Sa("app", rv: "6"));
        var changes = new ServiceAccountChanges
        {
            Labels = new Dictionary<string, string?> { ["team"] = "a", ["drop"] = null },
            AutomountServiceAccountToken = false,
            ImagePullSecrets = new[] { "reg" },
        };

        var updated = await new ServiceAccountOperations(transport).UpdateAsync("ns1", "app", changes);

        Assert.Equal("6", updated.Metadata.ResourceVersion);
        var put = transport.Requests[1];
        Assert.Equal("PUT", put.Method);
        Assert.Equal("/api/v1/namespaces/ns1/serviceaccounts/app?fieldManager=K8sServiceAccount&fieldValidation=Strict", put.Path);
        Assert.Equal(
            """{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"app","namespace":"ns1","uid":"uid-app","resourceVersion":"5","labels":{"keep":"1","team":"a"}},"imagePullSecrets":[{"name":"reg"}],"automountServiceAccountToken":false}""",
            put.Body);
    }

    [Fact]
    public async Task Update_on_conflict_rereads_and_reapplies_to_the_latest_version()
    {
        var transport = new FakeTransport()
            .Reply(Sa("app", rv: "5"))
            .Fail(409, "Conflict", "Operation cannot be fulfilled on serviceaccounts \"app\": the object has been modified; please apply your changes to the latest version and try again")
            .Reply(Sa("app", rv: "6", labels: """{"other":"x"}"""))
            .Reply(Sa("app", rv: "7"));
        var log = new RecordingLog();

        var updated = await new ServiceAccountOperations(transport, log).UpdateAsync(
            "ns1", "app", new ServiceAccountChanges { Labels = new Dictionary<string, string?> { ["team"] = "a" } });

        Assert.Equal("7", updated.Metadata.ResourceVersion);
        Assert.Equal(new[] { "GET", "PUT", "GET", "PUT" }, transport.Requests.Select(r => r.Method));
        Assert.Contains("\"resourceVersion\":\"6\"", transport.Requests[3].Body);
        Assert.Contains("\"labels\":{\"other\":\"x\",\"team\":\"a\"}", transport.Requests[3].Body);
        Assert.Contains(log.Verbose, line => line.Contains("attempt 1 of 5"));
    }

    [Fact]
    public async Task Update_gives_up_after_the_bounded_attempts()
    {
        var transport = new FakeTransport();
        for (var i = 0; i < 3; i++)
        {
            transport.Reply(Sa("app", rv: i.ToString())).Fail(409, "Conflict", "the object has been modified");
        }

        var e = await Assert.ThrowsAsync<K8sClientException>(() => new ServiceAccountOperations(transport).UpdateAsync(
            "ns1", "app", new ServiceAccountChanges { AutomountServiceAccountToken = true }, maxAttempts: 3));

        Assert.Equal("UpdateConflict", e.ErrorId);
        Assert.Contains("3 attempts", e.Message);
        Assert.Contains("the object has been modified", e.Message);
        Assert.Equal(6, transport.Requests.Count);
    }

    [Fact]
    public async Task Update_that_changes_nothing_sends_no_write()
    {
        var transport = new FakeTransport().Reply(Sa("app", labels: """{"team":"a"}"""));
        await new ServiceAccountOperations(transport).UpdateAsync(
            "ns1", "app", new ServiceAccountChanges { Labels = new Dictionary<string, string?> { ["team"] = "a" } });
        Assert.Equal(new[] { "GET" }, transport.Requests.Select(r => r.Method));
    }

    [Fact]
    public async Task Update_of_a_missing_account_is_NotFound_without_retry()
    {
        var transport = new FakeTransport().Fail(404, "NotFound", "serviceaccounts \"app\" not found");
        await Assert.ThrowsAsync<KubernetesApiException>(() =>
            new ServiceAccountOperations(transport).UpdateAsync("ns1", "app", new ServiceAccountChanges { AutomountServiceAccountToken = true }));
        Assert.Single(transport.Requests);
    }

    [Fact]
    public async Task Delete_returns_the_deleted_object()
    {
        var transport = new FakeTransport().Reply(Sa("app"));
        var deleted = await new ServiceAccountOperations(transport).DeleteAsync("ns1", "app");
        Assert.Equal("app", deleted.Metadata.Name);
        Assert.Equal(new RecordedRequest("DELETE", "/api/v1/namespaces/ns1/serviceaccounts/app", null), transport.Requests[0]);
    }

    [Fact]
    public async Task Delete_with_uid_sends_a_precondition()
    {
        var transport = new FakeTransport().Reply(Sa("app"));
        await new ServiceAccountOperations(transport).DeleteAsync("ns1", "app", uid: "uid-app");
        Assert.Equal("""{"apiVersion":"v1","kind":"DeleteOptions","preconditions":{"uid":"uid-app"}}""", transport.Requests[0].Body);
    }

    [Fact]
    public void Changes_with_empty_image_pull_secrets_clear_them()
    {
        var account = new ServiceAccount { ImagePullSecrets = new List<LocalObjectReference> { new() { Name = "x" } } };
        new ServiceAccountChanges { ImagePullSecrets = Array.Empty<string>() }.ApplyTo(account);
        Assert.Null(account.ImagePullSecrets);
    }
}
