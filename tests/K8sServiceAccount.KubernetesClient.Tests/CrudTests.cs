using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using K8sServiceAccount.LocalApiServer.Store;

namespace K8sServiceAccount.KubernetesClient.Tests;

/// <summary>
/// Every kind the server stores: create, read, list in pages, replace, delete through KubernetesClient's typed
/// calls; what KubernetesClient's models read must be exactly what the server sent (nothing dropped as unknown,
/// nothing invented), so a field the real API does not have, or has under another name or type, shows up here.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class CrudTests(KubernetesClientFixture fixture)
{
    [Fact]
    public void Every_persisted_kind_of_the_server_has_a_case()
    {
        string[] served = ResourceType.All.Where(t => t.Persisted).Select(t => t.Kind).Order().ToArray();
        Assert.Equal(served, KindCases.All.Select(c => c.Kind).Order().ToArray());
    }

    [Theory]
    [MemberData(nameof(KindCases.Kinds), MemberType = typeof(KindCases))]
    public async Task Create_read_list_replace_delete(string kind)
    {
        IKindCase kindCase = KindCases.Get(kind);
        IKubernetes k = fixture.Kc;
        string ns = await fixture.NewNamespaceAsync("crud-" + kind.ToLowerInvariant());
        string run = fixture.Unique("run");
        var labels = new Dictionary<string, string> { ["kc-run"] = run };
        string[] names = new[] { "a", "b", "c" }.Select(s => $"{run}-{s}").ToArray();
        ResourceType type = ResourceType.All.Single(t => t.Kind == kind);

        // Create
        var created = new List<IKubernetesObject<V1ObjectMeta>>();
        foreach (string name in names)
        {
            IKubernetesObject<V1ObjectMeta> obj = await kindCase.CreateAsync(k, kindCase.New(ns, name, labels), ns);
            Assert.Equal(kind, obj.Kind);
            Assert.Equal(type.GroupVersion, obj.ApiVersion);
            Assert.Equal(name, obj.Metadata.Name);
            Assert.Equal(kindCase.Namespaced ? ns : null, obj.Metadata.NamespaceProperty);
            Assert.False(string.IsNullOrEmpty(obj.Metadata.Uid));
            Assert.False(string.IsNullOrEmpty(obj.Metadata.ResourceVersion));
            Assert.NotNull(obj.Metadata.CreationTimestamp);
            Assert.Equal(run, obj.Metadata.Labels["kc-run"]);
            created.Add(obj);
        }
        HttpOperationException exists = await Assert.ThrowsAsync<HttpOperationException>(() => kindCase.CreateAsync(k, kindCase.New(ns, names[0], labels), ns));
        Assert.Equal(HttpStatusCode.Conflict, exists.Response.StatusCode);
        Assert.Contains("AlreadyExists", exists.Response.Content);

        // Read, and the model against the wire: nothing dropped, nothing invented.
        using HttpClient raw = fixture.Server.CreateHttpClient("admin", "system:masters");
        for (int i = 0; i < names.Length; i++)
        {
            IKubernetesObject<V1ObjectMeta> read = await kindCase.ReadAsync(k, ns, names[i]);
            Assert.Equal(created[i].Metadata.Uid, read.Metadata.Uid);
            Assert.Equal(created[i].Metadata.ResourceVersion, read.Metadata.ResourceVersion);
            JsonNode wire = JsonNode.Parse(await raw.GetStringAsync($"{kindCase.CollectionPath(ns)}/{names[i]}"))!;
            JsonNode model = JsonNode.Parse(KubernetesJson.Serialize(read))!;
            JsonCompare.AssertSubset(wire, model, $"{kind} fields the server sent that KubernetesClient's model does not have (or has otherwise)");
            JsonCompare.AssertSubset(model, wire, $"{kind} fields KubernetesClient's model has that the server did not send");
        }

        // List in pages of 2 with continue tokens.
        string selector = $"kc-run={run}";
        (IReadOnlyList<IKubernetesObject<V1ObjectMeta>> first, V1ListMeta firstMeta) = await kindCase.ListAsync(k, ns, selector, 2, null);
        Assert.Equal(2, first.Count);
        Assert.False(string.IsNullOrEmpty(firstMeta.ContinueProperty));
        Assert.Equal(1, firstMeta.RemainingItemCount);
        Assert.False(string.IsNullOrEmpty(firstMeta.ResourceVersion));
        (IReadOnlyList<IKubernetesObject<V1ObjectMeta>> second, V1ListMeta secondMeta) = await kindCase.ListAsync(k, ns, selector, 2, firstMeta.ContinueProperty);
        Assert.Single(second);
        Assert.True(string.IsNullOrEmpty(secondMeta.ContinueProperty));
        Assert.Null(secondMeta.RemainingItemCount);
        Assert.Equal(names, first.Concat(second).Select(o => o.Metadata.Name));
        Assert.All(first.Concat(second), o => Assert.Equal(kindCase.Namespaced ? ns : null, o.Metadata.NamespaceProperty));
        (IReadOnlyList<IKubernetesObject<V1ObjectMeta>> all, _) = await kindCase.ListAsync(k, ns, selector, null, null);
        Assert.Equal(names, all.Select(o => o.Metadata.Name));

        // Replace: the change is kept and the resourceVersion moves; a stale resourceVersion is a 409 Conflict.
        IKubernetesObject<V1ObjectMeta> current = await kindCase.ReadAsync(k, ns, names[1]);
        string before = current.Metadata.ResourceVersion;
        current.Metadata.Labels["changed"] = "yes";
        current.Metadata.Annotations = new Dictionary<string, string> { ["note"] = "replaced by KubernetesClient" };
        IKubernetesObject<V1ObjectMeta> replaced = await kindCase.ReplaceAsync(k, current, ns, names[1]);
        Assert.Equal(kind, replaced.Kind);
        Assert.NotEqual(before, replaced.Metadata.ResourceVersion);
        Assert.Equal(current.Metadata.Uid, replaced.Metadata.Uid);
        Assert.Equal("yes", replaced.Metadata.Labels["changed"]);
        Assert.Equal("replaced by KubernetesClient", (await kindCase.ReadAsync(k, ns, names[1])).Metadata.Annotations["note"]);
        current.Metadata.ResourceVersion = before;
        HttpOperationException conflict = await Assert.ThrowsAsync<HttpOperationException>(() => kindCase.ReplaceAsync(k, current, ns, names[1]));
        Assert.Equal(HttpStatusCode.Conflict, conflict.Response.StatusCode);
        Assert.Contains("the object has been modified", conflict.Response.Content);

        // Delete: gone afterwards (a namespace is Terminating until its controller removes it).
        foreach (string name in names) await kindCase.DeleteAsync(k, ns, name);
        foreach (string name in names)
        {
            if (kind == "Namespace")
            {
                await WaitGoneAsync(() => kindCase.ReadAsync(k, ns, name));
                continue;
            }
            HttpOperationException gone = await Assert.ThrowsAsync<HttpOperationException>(() => kindCase.ReadAsync(k, ns, name));
            Assert.Equal(HttpStatusCode.NotFound, gone.Response.StatusCode);
        }
        HttpOperationException again = await Assert.ThrowsAsync<HttpOperationException>(() => kindCase.DeleteAsync(k, ns, names[0]));
        Assert.Equal(HttpStatusCode.NotFound, again.Response.StatusCode);
        Assert.Empty((await kindCase.ListAsync(k, ns, selector, null, null)).Items);
    }

    [Fact]
    public async Task Paging_across_all_namespaces_visits_every_item_once()
    {
        IKubernetes k = fixture.Kc;
        for (int i = 0; i < 3; i++) await fixture.NewNamespaceAsync("paging"); // a default ServiceAccount in each
        V1ServiceAccountList all = await k.CoreV1.ListServiceAccountForAllNamespacesAsync();
        Assert.Equal("ServiceAccountList", all.Kind);
        var paged = new List<string>();
        string? token = null;
        do
        {
            V1ServiceAccountList page = await k.CoreV1.ListServiceAccountForAllNamespacesAsync(limit: 4, continueParameter: token);
            Assert.InRange(page.Items.Count, 1, 4);
            paged.AddRange(page.Items.Select(s => $"{s.Metadata.NamespaceProperty}/{s.Metadata.Name}"));
            token = page.Metadata.ContinueProperty;
        }
        while (!string.IsNullOrEmpty(token));
        Assert.Equal(all.Items.Select(s => $"{s.Metadata.NamespaceProperty}/{s.Metadata.Name}"), paged);
    }

    private static async Task WaitGoneAsync(Func<Task> read)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                await read();
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
            {
                return;
            }
            Assert.True(DateTime.UtcNow < deadline, "the namespace was not removed within 10 s");
            await Task.Delay(50);
        }
    }
}
