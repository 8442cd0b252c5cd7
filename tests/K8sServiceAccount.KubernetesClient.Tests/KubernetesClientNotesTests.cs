using k8s;
using k8s.Models;

namespace K8sServiceAccount.KubernetesClient.Tests;

/// <summary>
/// DELETEs whose OpenAPI answer type is Status while a real kube-apiserver answers an object or a list (see
/// KUBERNETESCLIENT-NOTES.md). The local server answers as the real one does; KubernetesClient exposes an object
/// through V1Status.HasObject/ObjectView&lt;T&gt;, but reads a list as a Status and loses its items.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class KubernetesClientNotesTests(KubernetesClientFixture fixture)
{
    [Fact]
    public async Task Deleting_a_namespace_answers_the_Terminating_namespace()
    {
        string ns = await fixture.NewNamespaceAsync("note-ns");
        V1Status answer = await fixture.Kc.CoreV1.DeleteNamespaceAsync(ns);
        Assert.True(answer.HasObject);
        V1Namespace terminating = answer.ObjectView<V1Namespace>();
        Assert.Equal(("Namespace", ns, "Terminating"), (terminating.Kind, terminating.Metadata.Name, terminating.Status.Phase));
        Assert.NotNull(terminating.Metadata.DeletionTimestamp);
    }

    [Fact]
    public async Task Deletecollection_answers_the_list_of_deleted_objects()
    {
        string ns = await fixture.NewNamespaceAsync("note-dc");
        await fixture.Kc.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "one", Labels = new Dictionary<string, string> { ["x"] = "y" } } }, ns);
        V1Status answer = await fixture.Kc.CoreV1.DeleteCollectionNamespacedConfigMapAsync(ns, labelSelector: "x=y");
        var wire = fixture.Wire.Last(HttpMethod.Delete, $"/api/v1/namespaces/{ns}/configmaps");
        Assert.Equal("ConfigMapList", wire["kind"]!.GetValue<string>());
        Assert.Equal("one", Assert.Single(wire["items"]!.AsArray())!["metadata"]!["name"]!.GetValue<string>());
        // KubernetesClient's limitation: a list has no field that fails V1Status, so it is read as a Status
        // (HasObject false) and its items are lost.
        Assert.False(answer.HasObject);
        Assert.Equal("ConfigMapList", answer.Kind);
    }
}
