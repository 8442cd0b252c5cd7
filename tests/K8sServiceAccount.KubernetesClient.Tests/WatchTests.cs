using k8s;
using k8s.Models;

namespace K8sServiceAccount.KubernetesClient.Tests;

/// <summary>
/// A watch of every stored kind through KubernetesClient's WatchList*Async: the existing object as ADDED (a watch
/// without resourceVersion starts with the current state), then MODIFIED on a replace and DELETED on a delete,
/// each object typed, within a bounded time.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class WatchTests(KubernetesClientFixture fixture)
{
    [Theory]
    [MemberData(nameof(KindCases.Kinds), MemberType = typeof(KindCases))]
    public async Task Watch_sees_added_modified_deleted(string kind)
    {
        IKindCase kindCase = KindCases.Get(kind);
        IKubernetes k = fixture.Kc;
        string ns = await fixture.NewNamespaceAsync("watch-" + kind.ToLowerInvariant());
        string run = fixture.Unique("w");
        string name = run + "-x";
        await kindCase.CreateAsync(k, kindCase.New(ns, name, new Dictionary<string, string> { ["kc-run"] = run }), ns);

        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var seen = new List<(WatchEventType Type, IKubernetesObject<V1ObjectMeta> Object)>();
        await using IAsyncEnumerator<(WatchEventType, IKubernetesObject<V1ObjectMeta>)> events =
            kindCase.WatchAsync(k, ns, "kc-run=" + run, 15, cancel.Token).GetAsyncEnumerator(cancel.Token);

        async Task<(WatchEventType Type, IKubernetesObject<V1ObjectMeta> Object)> NextAsync()
        {
            Assert.True(await events.MoveNextAsync(), $"the {kind} watch ended early after {string.Join(", ", seen.Select(e => e.Type))}");
            seen.Add(events.Current);
            return events.Current;
        }

        (WatchEventType added, IKubernetesObject<V1ObjectMeta> addedObject) = await NextAsync();
        Assert.Equal(WatchEventType.Added, added);
        Assert.Equal(kind, addedObject.Kind);
        Assert.Equal(name, addedObject.Metadata.Name);

        IKubernetesObject<V1ObjectMeta> current = await kindCase.ReadAsync(k, ns, name);
        current.Metadata.Labels["changed"] = "yes";
        IKubernetesObject<V1ObjectMeta> replaced = await kindCase.ReplaceAsync(k, current, ns, name);
        (WatchEventType modified, IKubernetesObject<V1ObjectMeta> modifiedObject) = await NextAsync();
        Assert.Equal(WatchEventType.Modified, modified);
        Assert.Equal("yes", modifiedObject.Metadata.Labels["changed"]);
        Assert.Equal(replaced.Metadata.ResourceVersion, modifiedObject.Metadata.ResourceVersion);

        await kindCase.DeleteAsync(k, ns, name);
        (WatchEventType type, IKubernetesObject<V1ObjectMeta> last) = await NextAsync();
        while (kind == "Namespace" && type == WatchEventType.Modified) (type, last) = await NextAsync(); // Terminating first
        Assert.Equal(WatchEventType.Deleted, type);
        Assert.Equal(name, last.Metadata.Name);
        Assert.Equal(kind, last.Kind);
    }
}
