using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using K8sServiceAccount.LocalApiServer.Store;
using WatchEventType = k8s.WatchEventType;

namespace K8sServiceAccount.KubernetesClient.Tests;

/// <summary>
/// Beyond the plain verbs, per kind: Status bodies of errors as KubernetesClient's V1Status reads them,
/// generateName, dryRun, merge and JSON patches, delete preconditions, deletecollection, a watch resumed from
/// a list's resourceVersion; and the scale subresource.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class MoreVerbsTests(KubernetesClientFixture fixture)
{
    private static V1Status StatusOf(HttpOperationException e) => KubernetesJson.Deserialize<V1Status>(e.Response.Content);

    [Theory]
    [MemberData(nameof(KindCases.Kinds), MemberType = typeof(KindCases))]
    public async Task Errors_generateName_dryRun_patch_preconditions_deletecollection(string kind)
    {
        IKindCase kindCase = KindCases.Get(kind);
        IKubernetes k = fixture.Kc;
        ResourceType type = ResourceType.All.Single(t => t.Kind == kind);
        string ns = await fixture.NewNamespaceAsync("more-" + kind.ToLowerInvariant());
        string run = fixture.Unique("m");
        var labels = new Dictionary<string, string> { ["kc-run"] = run };

        // 404 as a Status.
        HttpOperationException notFound = await Assert.ThrowsAsync<HttpOperationException>(() => kindCase.ReadAsync(k, ns, run + "-none"));
        V1Status status = StatusOf(notFound);
        Assert.Equal(("Status", "v1", "Failure", 404, "NotFound"), (status.Kind, status.ApiVersion, status.Status, status.Code, status.Reason));
        Assert.Equal($"{type.QualifiedResource} \"{run}-none\" not found", status.Message);
        Assert.Equal(run + "-none", status.Details.Name);
        Assert.Equal(type.Resource, status.Details.Kind);
        Assert.Equal(type.Group.Length == 0 ? null : type.Group, status.Details.Group);

        // generateName
        IKubernetesObject<V1ObjectMeta> template = kindCase.New(ns, null!, labels);
        template.Metadata.GenerateName = run + "-";
        IKubernetesObject<V1ObjectMeta> generated = await kindCase.CreateAsync(k, template, ns);
        Assert.StartsWith(run + "-", generated.Metadata.Name);
        Assert.Equal(run.Length + 1 + 5, generated.Metadata.Name.Length);
        Assert.Equal(run + "-", generated.Metadata.GenerateName);

        // AlreadyExists as a Status.
        HttpOperationException exists = await Assert.ThrowsAsync<HttpOperationException>(() => kindCase.CreateAsync(k, kindCase.New(ns, generated.Metadata.Name, labels), ns));
        status = StatusOf(exists);
        Assert.Equal((409, "AlreadyExists"), (status.Code, status.Reason));
        Assert.Equal($"{type.QualifiedResource} \"{generated.Metadata.Name}\" already exists", status.Message);
        Assert.Equal(type.Resource, status.Details.Kind);

        // Merge patch and JSON patch through KubernetesClient's V1Patch.
        var merge = new V1Patch("{\"metadata\":{\"labels\":{\"patched\":\"merge\"}}}", V1Patch.PatchType.MergePatch);
        var json = new V1Patch("[{\"op\":\"add\",\"path\":\"/metadata/annotations\",\"value\":{\"patched\":\"json\"}}]", V1Patch.PatchType.JsonPatch);
        IKubernetesObject<V1ObjectMeta> patched = await PatchAsync(k, kind, merge, ns, generated.Metadata.Name);
        Assert.Equal("merge", patched.Metadata.Labels["patched"]);
        Assert.Equal(run, patched.Metadata.Labels["kc-run"]);
        patched = await PatchAsync(k, kind, json, ns, generated.Metadata.Name);
        Assert.Equal("json", patched.Metadata.Annotations["patched"]);
        Assert.Equal(kind, patched.Kind);

        // Delete with a UID precondition that does not hold: 409 Conflict, nothing deleted.
        HttpOperationException precondition = await Assert.ThrowsAsync<HttpOperationException>(() => DeleteWithUidAsync(k, kind, ns, generated.Metadata.Name, "00000000-0000-0000-0000-000000000000"));
        status = StatusOf(precondition);
        Assert.Equal((409, "Conflict"), (status.Code, status.Reason));
        Assert.Contains("Precondition failed: UID in precondition: 00000000-0000-0000-0000-000000000000", status.Message);
        Assert.Equal(generated.Metadata.Uid, (await kindCase.ReadAsync(k, ns, generated.Metadata.Name)).Metadata.Uid);

        if (kind == "Namespace") return; // deletecollection is not served for namespaces by the real API either

        // A watch resumed from a list's resourceVersion sees only what came after it.
        (_, V1ListMeta listed) = await kindCase.ListAsync(k, ns, "kc-run=" + run, null, null);
        await kindCase.CreateAsync(k, kindCase.New(ns, run + "-later", labels), ns);
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await using (IAsyncEnumerator<(WatchEventType, IKubernetesObject<V1ObjectMeta>)> events = WatchFromAsync(k, kind, ns, run, listed.ResourceVersion, cancel.Token).GetAsyncEnumerator(cancel.Token))
        {
            Assert.True(await events.MoveNextAsync());
            Assert.Equal((WatchEventType.Added, run + "-later"), (events.Current.Item1, events.Current.Item2.Metadata.Name));
        }

        // deletecollection by label: both objects gone.
        await DeleteCollectionAsync(k, kind, ns, "kc-run=" + run);
        Assert.Empty((await kindCase.ListAsync(k, ns, "kc-run=" + run, null, null)).Items);
    }

    [Fact]
    public async Task DryRun_creates_answers_the_object_and_stores_nothing()
    {
        IKubernetes k = fixture.Kc;
        string ns = await fixture.NewNamespaceAsync("dryrun");
        V1ServiceAccount sa = await k.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = "ghost" } }, ns, dryRun: "All");
        Assert.Equal(("ServiceAccount", "ghost", ns), (sa.Kind, sa.Metadata.Name, sa.Metadata.NamespaceProperty));
        V1Role role = await k.RbacAuthorizationV1.CreateNamespacedRoleAsync(new V1Role
        {
            Metadata = new V1ObjectMeta { Name = "ghost" },
            Rules = [new V1PolicyRule { ApiGroups = [""], Resources = ["pods"], Verbs = ["get"] }],
        }, ns, dryRun: "All");
        Assert.Equal("Role", role.Kind);
        Assert.DoesNotContain((await k.CoreV1.ListNamespacedServiceAccountAsync(ns)).Items, s => s.Metadata.Name == "ghost");
        Assert.Empty((await k.RbacAuthorizationV1.ListNamespacedRoleAsync(ns)).Items);
    }

    [Fact]
    public async Task Scale_subresource_of_a_deployment()
    {
        IKubernetes k = fixture.Kc;
        string ns = await fixture.NewNamespaceAsync("scale");
        IKindCase deployments = KindCases.Get("Deployment");
        await deployments.CreateAsync(k, deployments.New(ns, "web", new Dictionary<string, string> { ["app"] = "web" }), ns);
        V1Scale scale = await k.AppsV1.ReadNamespacedDeploymentScaleAsync("web", ns);
        fixture.Wire.AssertModelIsWire(scale, HttpMethod.Get, $"/apis/apps/v1/namespaces/{ns}/deployments/web/scale");
        Assert.Equal(("Scale", "autoscaling/v1", 2), (scale.Kind, scale.ApiVersion, scale.Spec.Replicas));
        scale.Spec.Replicas = 5;
        V1Scale replaced = await k.AppsV1.ReplaceNamespacedDeploymentScaleAsync(scale, "web", ns);
        Assert.Equal(5, replaced.Spec.Replicas);
        Assert.Equal(5, (await k.AppsV1.ReadNamespacedDeploymentAsync("web", ns)).Spec.Replicas);
        V1Scale patched = await k.AppsV1.PatchNamespacedDeploymentScaleAsync(new V1Patch("{\"spec\":{\"replicas\":1}}", V1Patch.PatchType.MergePatch), "web", ns);
        Assert.Equal(1, patched.Spec.Replicas);
    }

    private static async Task<IKubernetesObject<V1ObjectMeta>> PatchAsync(IKubernetes k, string kind, V1Patch patch, string ns, string name) => kind switch
    {
        "Namespace" => await k.CoreV1.PatchNamespaceAsync(patch, name),
        "ServiceAccount" => await k.CoreV1.PatchNamespacedServiceAccountAsync(patch, name, ns),
        "Secret" => await k.CoreV1.PatchNamespacedSecretAsync(patch, name, ns),
        "ConfigMap" => await k.CoreV1.PatchNamespacedConfigMapAsync(patch, name, ns),
        "Pod" => await k.CoreV1.PatchNamespacedPodAsync(patch, name, ns),
        "Service" => await k.CoreV1.PatchNamespacedServiceAsync(patch, name, ns),
        "Node" => await k.CoreV1.PatchNodeAsync(patch, name),
        "Event" => await k.CoreV1.PatchNamespacedEventAsync(patch, name, ns),
        "Deployment" => await k.AppsV1.PatchNamespacedDeploymentAsync(patch, name, ns),
        "ReplicaSet" => await k.AppsV1.PatchNamespacedReplicaSetAsync(patch, name, ns),
        "StatefulSet" => await k.AppsV1.PatchNamespacedStatefulSetAsync(patch, name, ns),
        "DaemonSet" => await k.AppsV1.PatchNamespacedDaemonSetAsync(patch, name, ns),
        "Job" => await k.BatchV1.PatchNamespacedJobAsync(patch, name, ns),
        "CronJob" => await k.BatchV1.PatchNamespacedCronJobAsync(patch, name, ns),
        "Role" => await k.RbacAuthorizationV1.PatchNamespacedRoleAsync(patch, name, ns),
        "ClusterRole" => await k.RbacAuthorizationV1.PatchClusterRoleAsync(patch, name),
        "RoleBinding" => await k.RbacAuthorizationV1.PatchNamespacedRoleBindingAsync(patch, name, ns),
        "ClusterRoleBinding" => await k.RbacAuthorizationV1.PatchClusterRoleBindingAsync(patch, name),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    private static Task DeleteWithUidAsync(IKubernetes k, string kind, string ns, string name, string uid)
    {
        var body = new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = uid } };
        return kind switch
        {
            "Namespace" => k.CoreV1.DeleteNamespaceAsync(name, body),
            "ServiceAccount" => k.CoreV1.DeleteNamespacedServiceAccountAsync(name, ns, body),
            "Secret" => k.CoreV1.DeleteNamespacedSecretAsync(name, ns, body),
            "ConfigMap" => k.CoreV1.DeleteNamespacedConfigMapAsync(name, ns, body),
            "Pod" => k.CoreV1.DeleteNamespacedPodAsync(name, ns, body),
            "Service" => k.CoreV1.DeleteNamespacedServiceAsync(name, ns, body),
            "Node" => k.CoreV1.DeleteNodeAsync(name, body),
            "Event" => k.CoreV1.DeleteNamespacedEventAsync(name, ns, body),
            "Deployment" => k.AppsV1.DeleteNamespacedDeploymentAsync(name, ns, body),
            "ReplicaSet" => k.AppsV1.DeleteNamespacedReplicaSetAsync(name, ns, body),
            "StatefulSet" => k.AppsV1.DeleteNamespacedStatefulSetAsync(name, ns, body),
            "DaemonSet" => k.AppsV1.DeleteNamespacedDaemonSetAsync(name, ns, body),
            "Job" => k.BatchV1.DeleteNamespacedJobAsync(name, ns, body),
            "CronJob" => k.BatchV1.DeleteNamespacedCronJobAsync(name, ns, body),
            "Role" => k.RbacAuthorizationV1.DeleteNamespacedRoleAsync(name, ns, body),
            "ClusterRole" => k.RbacAuthorizationV1.DeleteClusterRoleAsync(name, body),
            "RoleBinding" => k.RbacAuthorizationV1.DeleteNamespacedRoleBindingAsync(name, ns, body),
            "ClusterRoleBinding" => k.RbacAuthorizationV1.DeleteClusterRoleBindingAsync(name, body),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        };
    }

    private static Task DeleteCollectionAsync(IKubernetes k, string kind, string ns, string selector) => kind switch
    {
        "ServiceAccount" => k.CoreV1.DeleteCollectionNamespacedServiceAccountAsync(ns, labelSelector: selector),
        "Secret" => k.CoreV1.DeleteCollectionNamespacedSecretAsync(ns, labelSelector: selector),
        "ConfigMap" => k.CoreV1.DeleteCollectionNamespacedConfigMapAsync(ns, labelSelector: selector),
        "Pod" => k.CoreV1.DeleteCollectionNamespacedPodAsync(ns, labelSelector: selector),
        "Service" => k.CoreV1.DeleteCollectionNamespacedServiceAsync(ns, labelSelector: selector),
        "Node" => k.CoreV1.DeleteCollectionNodeAsync(labelSelector: selector),
        "Event" => k.CoreV1.DeleteCollectionNamespacedEventAsync(ns, labelSelector: selector),
        "Deployment" => k.AppsV1.DeleteCollectionNamespacedDeploymentAsync(ns, labelSelector: selector),
        "ReplicaSet" => k.AppsV1.DeleteCollectionNamespacedReplicaSetAsync(ns, labelSelector: selector),
        "StatefulSet" => k.AppsV1.DeleteCollectionNamespacedStatefulSetAsync(ns, labelSelector: selector),
        "DaemonSet" => k.AppsV1.DeleteCollectionNamespacedDaemonSetAsync(ns, labelSelector: selector),
        "Job" => k.BatchV1.DeleteCollectionNamespacedJobAsync(ns, labelSelector: selector),
        "CronJob" => k.BatchV1.DeleteCollectionNamespacedCronJobAsync(ns, labelSelector: selector),
        "Role" => k.RbacAuthorizationV1.DeleteCollectionNamespacedRoleAsync(ns, labelSelector: selector),
        "ClusterRole" => k.RbacAuthorizationV1.DeleteCollectionClusterRoleAsync(labelSelector: selector),
        "RoleBinding" => k.RbacAuthorizationV1.DeleteCollectionNamespacedRoleBindingAsync(ns, labelSelector: selector),
        "ClusterRoleBinding" => k.RbacAuthorizationV1.DeleteCollectionClusterRoleBindingAsync(labelSelector: selector),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    private static async IAsyncEnumerable<(WatchEventType, IKubernetesObject<V1ObjectMeta>)> WatchFromAsync(
        IKubernetes k, string kind, string ns, string run, string resourceVersion,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancel)
    {
        // The resourceVersion form of each kind's WatchList*Async, through the generic case with a query.
        IKindCase kindCase = KindCases.Get(kind);
        await foreach (var e in kindCase.WatchFromAsync(k, ns, "kc-run=" + run, resourceVersion, 10, cancel)) yield return e;
    }
}
