using k8s;
using k8s.Models;

namespace K8sServiceAccount.KubernetesClient.Tests;

/// <summary>One kind the server serves, through KubernetesClient's typed calls for it.</summary>
public interface IKindCase
{
    string Kind { get; }
    bool Namespaced { get; }
    /// <summary>The REST path of the collection (for raw reads), e.g. /api/v1/namespaces/ns/pods.</summary>
    string CollectionPath(string ns);
    IKubernetesObject<V1ObjectMeta> New(string ns, string name, IDictionary<string, string> labels);
    Task<IKubernetesObject<V1ObjectMeta>> CreateAsync(IKubernetes k, IKubernetesObject<V1ObjectMeta> obj, string ns);
    Task<IKubernetesObject<V1ObjectMeta>> ReadAsync(IKubernetes k, string ns, string name);
    Task<(IReadOnlyList<IKubernetesObject<V1ObjectMeta>> Items, V1ListMeta Metadata)> ListAsync(IKubernetes k, string ns, string labelSelector, int? limit, string? continueToken);
    Task<IKubernetesObject<V1ObjectMeta>> ReplaceAsync(IKubernetes k, IKubernetesObject<V1ObjectMeta> obj, string ns, string name);
    Task DeleteAsync(IKubernetes k, string ns, string name);
    /// <summary>Starts a watch of the collection (label-selected, bounded by timeoutSeconds).</summary>
    IAsyncEnumerable<(WatchEventType, IKubernetesObject<V1ObjectMeta>)> WatchAsync(IKubernetes k, string ns, string labelSelector, int timeoutSeconds, CancellationToken cancel);
    /// <summary>The same, from a resourceVersion (only the changes after it).</summary>
    IAsyncEnumerable<(WatchEventType, IKubernetesObject<V1ObjectMeta>)> WatchFromAsync(IKubernetes k, string ns, string labelSelector, string? resourceVersion, int timeoutSeconds, CancellationToken cancel);
}

public sealed class KindCase<T, TList> : IKindCase
    where T : class, IKubernetesObject<V1ObjectMeta>
    where TList : class, IKubernetesObject<V1ListMeta>, IItems<T>
{
    public required string Kind { get; init; }
    public required string Path { get; init; }
    public bool Namespaced { get; init; } = true;
    public required Func<string, string, IDictionary<string, string>, T> Make { get; init; }
    public required Func<IKubernetes, T, string, Task<T>> Create { get; init; }
    public required Func<IKubernetes, string, string, Task<T>> Read { get; init; }
    public required Func<IKubernetes, string, string, int?, string?, Task<TList>> List { get; init; }
    /// <summary>(client, namespace, labelSelector, resourceVersion or null, timeoutSeconds, cancel)</summary>
    public required Func<IKubernetes, string, string, string?, int, CancellationToken, IAsyncEnumerable<(WatchEventType, T)>> Watch { get; init; }
    public required Func<IKubernetes, T, string, string, Task<T>> Replace { get; init; }
    public required Func<IKubernetes, string, string, Task> Delete { get; init; }

    public override string ToString() => Kind;

    public string CollectionPath(string ns) => Namespaced ? Path.Replace("{ns}", ns) : Path;

    public IKubernetesObject<V1ObjectMeta> New(string ns, string name, IDictionary<string, string> labels) => Make(ns, name, labels);

    public async Task<IKubernetesObject<V1ObjectMeta>> CreateAsync(IKubernetes k, IKubernetesObject<V1ObjectMeta> obj, string ns) => await Create(k, (T)obj, ns);

    public async Task<IKubernetesObject<V1ObjectMeta>> ReadAsync(IKubernetes k, string ns, string name) => await Read(k, ns, name);

    public async Task<(IReadOnlyList<IKubernetesObject<V1ObjectMeta>> Items, V1ListMeta Metadata)> ListAsync(
        IKubernetes k, string ns, string labelSelector, int? limit, string? continueToken)
    {
        TList list = await List(k, ns, labelSelector, limit, continueToken);
        Assert.Equal(Kind + "List", list.Kind);
        return (list.Items.Cast<IKubernetesObject<V1ObjectMeta>>().ToList(), list.Metadata);
    }

    public async Task<IKubernetesObject<V1ObjectMeta>> ReplaceAsync(IKubernetes k, IKubernetesObject<V1ObjectMeta> obj, string ns, string name) =>
        await Replace(k, (T)obj, ns, name);

    public Task DeleteAsync(IKubernetes k, string ns, string name) => Delete(k, ns, name);

    public IAsyncEnumerable<(WatchEventType, IKubernetesObject<V1ObjectMeta>)> WatchAsync(
        IKubernetes k, string ns, string labelSelector, int timeoutSeconds, CancellationToken cancel) =>
        WatchFromAsync(k, ns, labelSelector, null, timeoutSeconds, cancel);

    public async IAsyncEnumerable<(WatchEventType, IKubernetesObject<V1ObjectMeta>)> WatchFromAsync(
        IKubernetes k, string ns, string labelSelector, string? resourceVersion, int timeoutSeconds,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancel)
    {
        await foreach ((WatchEventType type, T item) in Watch(k, ns, labelSelector, resourceVersion, timeoutSeconds, cancel))
        {
            yield return (type, item);
        }
    }
}

/// <summary>Every persisted kind of the local API server, as KubernetesClient creates and reads it.</summary>
public static class KindCases
{
    private static V1ObjectMeta Meta(string ns, string name, IDictionary<string, string> labels, bool namespaced = true) =>
        new() { Name = name, NamespaceProperty = namespaced ? ns : null, Labels = labels };

    private static V1PodSpec PodSpec(string? restartPolicy = null) => new()
    {
        Containers = [new V1Container { Name = "main", Image = "busybox:1.36", Command = ["sleep", "3600"] }],
        RestartPolicy = restartPolicy,
    };

    private static V1PodTemplateSpec Template(string app, string? restartPolicy = null) => new()
    {
        Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = app } },
        Spec = PodSpec(restartPolicy),
    };

    private static V1LabelSelector Selector(string app) => new() { MatchLabels = new Dictionary<string, string> { ["app"] = app } };

    private static readonly List<V1PolicyRule> Rules =
    [
        new() { ApiGroups = [""], Resources = ["configmaps"], Verbs = ["get", "list"], ResourceNames = ["one"] },
        new() { ApiGroups = ["apps"], Resources = ["deployments", "deployments/scale"], Verbs = ["get", "update"] },
    ];

    public static readonly IReadOnlyList<IKindCase> All =
    [
        new KindCase<V1Namespace, V1NamespaceList>
        {
            Kind = "Namespace", Path = "/api/v1/namespaces", Namespaced = false,
            Make = (ns, name, labels) => new V1Namespace { Metadata = Meta(ns, name, labels, false) },
            Create = (k, o, ns) => k.CoreV1.CreateNamespaceAsync(o),
            Read = (k, ns, name) => k.CoreV1.ReadNamespaceAsync(name),
            List = (k, ns, sel, limit, cont) => k.CoreV1.ListNamespaceAsync(labelSelector: sel, limit: limit, continueParameter: cont),
            Watch = (k, ns, sel, rv, t, c) => k.CoreV1.WatchListNamespaceAsync(labelSelector: sel, resourceVersion: rv, timeoutSeconds: t, cancellationToken: c),
            Replace = (k, o, ns, name) => k.CoreV1.ReplaceNamespaceAsync(o, name),
            Delete = (k, ns, name) => k.CoreV1.DeleteNamespaceAsync(name),
        },
        new KindCase<V1ServiceAccount, V1ServiceAccountList>
        {
            Kind = "ServiceAccount", Path = "/api/v1/namespaces/{ns}/serviceaccounts",
            Make = (ns, name, labels) => new V1ServiceAccount
            {
                Metadata = Meta(ns, name, labels),
                AutomountServiceAccountToken = false,
                ImagePullSecrets = [new V1LocalObjectReference { Name = "registry" }],
            },
            Create = (k, o, ns) => k.CoreV1.CreateNamespacedServiceAccountAsync(o, ns),
            Read = (k, ns, name) => k.CoreV1.ReadNamespacedServiceAccountAsync(name, ns),
            List = (k, ns, sel, limit, cont) => k.CoreV1.ListNamespacedServiceAccountAsync(ns, labelSelector: sel, limit: limit, continueParameter: cont),
            Watch = (k, ns, sel, rv, t, c) => k.CoreV1.WatchListNamespacedServiceAccountAsync(ns, labelSelector: sel, resourceVersion: rv, timeoutSeconds: t, cancellationToken: c),
            Replace = (k, o, ns, name) => k.CoreV1.ReplaceNamespacedServiceAccountAsync(o, name, ns),
            Delete = (k, ns, name) => k.CoreV1.DeleteNamespacedServiceAccountAsync(name, ns),
        },
        new KindCase<V1Secret, V1SecretList>
        {
            Kind = "Secret", Path = "/api/v1/namespaces/{ns}/secrets",
            Make = (ns, name, labels) => new V1Secret
            {
                Metadata = Meta(ns, name, labels),
                Type = "Opaque",
                Data = new Dictionary<string, byte[]> { ["password"] = [0, 1, 2, 250, 255] },
            },
            Create = (k, o, ns) => k.CoreV1.CreateNamespacedSecretAsync(o, ns),
            Read = (k, ns, name) => k.CoreV1.ReadNamespacedSecretAsync(name, ns),
            List = (k, ns, sel, limit, cont) => k.CoreV1.ListNamespacedSecretAsync(ns, labelSelector: sel, limit: limit, continueParameter: cont),
            Watch = (k, ns, sel, rv, t, c) => k.CoreV1.WatchListNamespacedSecretAsync(ns, labelSelector: sel, resourceVersion: rv, timeoutSeconds: t, cancellationToken: c),
            Replace = (k, o, ns, name) => k.CoreV1.ReplaceNamespacedSecretAsync(o, name, ns),
            Delete = (k, ns, name) => k.CoreV1.DeleteNamespacedSecretAsync(name, ns),
        },
        new KindCase<V1ConfigMap, V1ConfigMapList>
        {
            Kind = "ConfigMap", Path = "/api/v1/namespaces/{ns}/configmaps",
            Make = (ns, name, labels) => new V1ConfigMap { Metadata = Meta(ns, name, labels), Data = new Dictionary<string, string> { ["key"] = "value" } },
            Create = (k, o, ns) => k.CoreV1.CreateNamespacedConfigMapAsync(o, ns),
            Read = (k, ns, name) => k.CoreV1.ReadNamespacedConfigMapAsync(name, ns),
            List = (k, ns, sel, limit, cont) => k.CoreV1.ListNamespacedConfigMapAsync(ns, labelSelector: sel, limit: limit, continueParameter: cont),
            Watch = (k, ns, sel, rv, t, c) => k.CoreV1.WatchListNamespacedConfigMapAsync(ns, labelSelector: sel, resourceVersion: rv, timeoutSeconds: t, cancellationToken: c),
            Replace = (k, o, ns, name) => k.CoreV1.ReplaceNamespacedConfigMapAsync(o, name, ns),
            Delete = (k, ns, name) => k.CoreV1.DeleteNamespacedConfigMapAsync(name, ns),
        },
        new KindCase<V1Pod, V1PodList>
        {
            Kind = "Pod", Path = "/api/v1/namespaces/{ns}/pods",
            Make = (ns, name, labels) => new V1Pod { Metadata = Meta(ns, name, labels), Spec = PodSpec() },
            Create = (k, o, ns) => k.CoreV1.CreateNamespacedPodAsync(o, ns),
            Read = (k, ns, name) => k.CoreV1.ReadNamespacedPodAsync(name, ns),
            List = (k, ns, sel, limit, cont) => k.CoreV1.ListNamespacedPodAsync(ns, labelSelector: sel, limit: limit, continueParameter: cont),
            Watch = (k, ns, sel, rv, t, c) => k.CoreV1.WatchListNamespacedPodAsync(ns, labelSelector: sel, resourceVersion: rv, timeoutSeconds: t, cancellationToken: c),
            Replace = (k, o, ns, name) => k.CoreV1.ReplaceNamespacedPodAsync(o, name, ns),
            Delete = (k, ns, name) => k.CoreV1.DeleteNamespacedPodAsync(name, ns),
        },
        new KindCase<V1Service, V1ServiceList>
        {
            Kind = "Service", Path = "/api/v1/namespaces/{ns}/services",
            Make = (ns, name, labels) => new V1Service
            {
                Metadata = Meta(ns, name, labels),
                Spec = new V1ServiceSpec { Selector = new Dictionary<string, string> { ["app"] = name }, Ports = [new V1ServicePort { Port = 80, Protocol = "TCP" }] },
            },
            Create = (k, o, ns) => k.CoreV1.CreateNamespacedServiceAsync(o, ns),
            Read = (k, ns, name) => k.CoreV1.ReadNamespacedServiceAsync(name, ns),
            List = (k, ns, sel, limit, cont) => k.CoreV1.ListNamespacedServiceAsync(ns, labelSelector: sel, limit: limit, continueParameter: cont),
            Watch = (k, ns, sel, rv, t, c) => k.CoreV1.WatchListNamespacedServiceAsync(ns, labelSelector: sel, resourceVersion: rv, timeoutSeconds: t, cancellationToken: c),
            Replace = (k, o, ns, name) => k.CoreV1.ReplaceNamespacedServiceAsync(o, name, ns),
            Delete = (k, ns, name) => k.CoreV1.DeleteNamespacedServiceAsync(name, ns),
        },
        new KindCase<V1Node, V1NodeList>
        {
            Kind = "Node", Path = "/api/v1/nodes", Namespaced = false,
            Make = (ns, name, labels) => new V1Node { Metadata = Meta(ns, name, labels, false), Spec = new V1NodeSpec { PodCIDR = "10.244.0.0/24" } },
            Create = (k, o, ns) => k.CoreV1.CreateNodeAsync(o),
            Read = (k, ns, name) => k.CoreV1.ReadNodeAsync(name),
            List = (k, ns, sel, limit, cont) => k.CoreV1.ListNodeAsync(labelSelector: sel, limit: limit, continueParameter: cont),
            Watch = (k, ns, sel, rv, t, c) => k.CoreV1.WatchListNodeAsync(labelSelector: sel, resourceVersion: rv, timeoutSeconds: t, cancellationToken: c),
            Replace = (k, o, ns, name) => k.CoreV1.ReplaceNodeAsync(o, name),
            Delete = (k, ns, name) => k.CoreV1.DeleteNodeAsync(name),
        },
        new KindCase<Corev1Event, Corev1EventList>
        {
            Kind = "Event", Path = "/api/v1/namespaces/{ns}/events",
            Make = (ns, name, labels) => new Corev1Event
            {
                Metadata = Meta(ns, name, labels),
                InvolvedObject = new V1ObjectReference { Kind = "Pod", Name = "web", NamespaceProperty = ns, ApiVersion = "v1" },
                Reason = "Scheduled", Message = "assigned", Type = "Normal", Count = 1,
            },
            Create = (k, o, ns) => k.CoreV1.CreateNamespacedEventAsync(o, ns),
            Read = (k, ns, name) => k.CoreV1.ReadNamespacedEventAsync(name, ns),
            List = (k, ns, sel, limit, cont) => k.CoreV1.ListNamespacedEventAsync(ns, labelSelector: sel, limit: limit, continueParameter: cont),
            Watch = (k, ns, sel, rv, t, c) => k.CoreV1.WatchListNamespacedEventAsync(ns, labelSelector: sel, resourceVersion: rv, timeoutSeconds: t, cancellationToken: c),
            Replace = (k, o, ns, name) => k.CoreV1.ReplaceNamespacedEventAsync(o, name, ns),
            Delete = (k, ns, name) => k.CoreV1.DeleteNamespacedEventAsync(name, ns),
        },
        new KindCase<V1Deployment, V1DeploymentList>
        {
            Kind = "Deployment", Path = "/apis/apps/v1/namespaces/{ns}/deployments",
            Make = (ns, name, labels) => new V1Deployment
            {
                Metadata = Meta(ns, name, labels),
                Spec = new V1DeploymentSpec { Replicas = 2, Selector = Selector(name), Template = Template(name) },
            },
            Create = (k, o, ns) => k.AppsV1.CreateNamespacedDeploymentAsync(o, ns),
            Read = (k, ns, name) => k.AppsV1.ReadNamespacedDeploymentAsync(name, ns),
            List = (k, ns, sel, limit, cont) => k.AppsV1.ListNamespacedDeploymentAsync(ns, labelSelector: sel, limit: limit, continueParameter: cont),
            Watch = (k, ns, sel, rv, t, c) => k.AppsV1.WatchListNamespacedDeploymentAsync(ns, labelSelector: sel, resourceVersion: rv, timeoutSeconds: t, cancellationToken: c),
            Replace = (k, o, ns, name) => k.AppsV1.ReplaceNamespacedDeploymentAsync(o, name, ns),
            Delete = (k, ns, name) => k.AppsV1.DeleteNamespacedDeploymentAsync(name, ns),
        },
        new KindCase<V1ReplicaSet, V1ReplicaSetList>
        {
            Kind = "ReplicaSet", Path = "/apis/apps/v1/namespaces/{ns}/replicasets",
            Make = (ns, name, labels) => new V1ReplicaSet
            {
                Metadata = Meta(ns, name, labels),
                Spec = new V1ReplicaSetSpec { Replicas = 1, Selector = Selector(name), Template = Template(name) },
            },
            Create = (k, o, ns) => k.AppsV1.CreateNamespacedReplicaSetAsync(o, ns),
            Read = (k, ns, name) => k.AppsV1.ReadNamespacedReplicaSetAsync(name, ns),
            List = (k, ns, sel, limit, cont) => k.AppsV1.ListNamespacedReplicaSetAsync(ns, labelSelector: sel, limit: limit, continueParameter: cont),
            Watch = (k, ns, sel, rv, t, c) => k.AppsV1.WatchListNamespacedReplicaSetAsync(ns, labelSelector: sel, resourceVersion: rv, timeoutSeconds: t, cancellationToken: c),
            Replace = (k, o, ns, name) => k.AppsV1.ReplaceNamespacedReplicaSetAsync(o, name, ns),
            Delete = (k, ns, name) => k.AppsV1.DeleteNamespacedReplicaSetAsync(name, ns),
        },
        new KindCase<V1StatefulSet, V1StatefulSetList>
        {
            Kind = "StatefulSet", Path = "/apis/apps/v1/namespaces/{ns}/statefulsets",
            Make = (ns, name, labels) => new V1StatefulSet
            {
                Metadata = Meta(ns, name, labels),
                Spec = new V1StatefulSetSpec { Replicas = 1, ServiceName = name, Selector = Selector(name), Template = Template(name) },
            },
            Create = (k, o, ns) => k.AppsV1.CreateNamespacedStatefulSetAsync(o, ns),
            Read = (k, ns, name) => k.AppsV1.ReadNamespacedStatefulSetAsync(name, ns),
            List = (k, ns, sel, limit, cont) => k.AppsV1.ListNamespacedStatefulSetAsync(ns, labelSelector: sel, limit: limit, continueParameter: cont),
            Watch = (k, ns, sel, rv, t, c) => k.AppsV1.WatchListNamespacedStatefulSetAsync(ns, labelSelector: sel, resourceVersion: rv, timeoutSeconds: t, cancellationToken: c),
            Replace = (k, o, ns, name) => k.AppsV1.ReplaceNamespacedStatefulSetAsync(o, name, ns),
            Delete = (k, ns, name) => k.AppsV1.DeleteNamespacedStatefulSetAsync(name, ns),
        },
        new KindCase<V1DaemonSet, V1DaemonSetList>
        {
            Kind = "DaemonSet", Path = "/apis/apps/v1/namespaces/{ns}/daemonsets",
            Make = (ns, name, labels) => new V1DaemonSet
            {
                Metadata = Meta(ns, name, labels),
                Spec = new V1DaemonSetSpec { Selector = Selector(name), Template = Template(name) },
            },
            Create = (k, o, ns) => k.AppsV1.CreateNamespacedDaemonSetAsync(o, ns),
            Read = (k, ns, name) => k.AppsV1.ReadNamespacedDaemonSetAsync(name, ns),
            List = (k, ns, sel, limit, cont) => k.AppsV1.ListNamespacedDaemonSetAsync(ns, labelSelector: sel, limit: limit, continueParameter: cont),
            Watch = (k, ns, sel, rv, t, c) => k.AppsV1.WatchListNamespacedDaemonSetAsync(ns, labelSelector: sel, resourceVersion: rv, timeoutSeconds: t, cancellationToken: c),
            Replace = (k, o, ns, name) => k.AppsV1.ReplaceNamespacedDaemonSetAsync(o, name, ns),
            Delete = (k, ns, name) => k.AppsV1.DeleteNamespacedDaemonSetAsync(name, ns),
        },
        new KindCase<V1Job, V1JobList>
        {
            Kind = "Job", Path = "/apis/batch/v1/namespaces/{ns}/jobs",
            Make = (ns, name, labels) => new V1Job
            {
                Metadata = Meta(ns, name, labels),
                Spec = new V1JobSpec { BackoffLimit = 1, Template = Template(name, "Never") },
            },
            Create = (k, o, ns) => k.BatchV1.CreateNamespacedJobAsync(o, ns),
            Read = (k, ns, name) => k.BatchV1.ReadNamespacedJobAsync(name, ns),
            List = (k, ns, sel, limit, cont) => k.BatchV1.ListNamespacedJobAsync(ns, labelSelector: sel, limit: limit, continueParameter: cont),
            Watch = (k, ns, sel, rv, t, c) => k.BatchV1.WatchListNamespacedJobAsync(ns, labelSelector: sel, resourceVersion: rv, timeoutSeconds: t, cancellationToken: c),
            Replace = (k, o, ns, name) => k.BatchV1.ReplaceNamespacedJobAsync(o, name, ns),
            Delete = (k, ns, name) => k.BatchV1.DeleteNamespacedJobAsync(name, ns),
        },
        new KindCase<V1CronJob, V1CronJobList>
        {
            Kind = "CronJob", Path = "/apis/batch/v1/namespaces/{ns}/cronjobs",
            Make = (ns, name, labels) => new V1CronJob
            {
                Metadata = Meta(ns, name, labels),
                Spec = new V1CronJobSpec
                {
                    Schedule = "*/5 * * * *",
                    JobTemplate = new V1JobTemplateSpec { Spec = new V1JobSpec { Template = Template(name, "OnFailure") } },
                },
            },
            Create = (k, o, ns) => k.BatchV1.CreateNamespacedCronJobAsync(o, ns),
            Read = (k, ns, name) => k.BatchV1.ReadNamespacedCronJobAsync(name, ns),
            List = (k, ns, sel, limit, cont) => k.BatchV1.ListNamespacedCronJobAsync(ns, labelSelector: sel, limit: limit, continueParameter: cont),
            Watch = (k, ns, sel, rv, t, c) => k.BatchV1.WatchListNamespacedCronJobAsync(ns, labelSelector: sel, resourceVersion: rv, timeoutSeconds: t, cancellationToken: c),
            Replace = (k, o, ns, name) => k.BatchV1.ReplaceNamespacedCronJobAsync(o, name, ns),
            Delete = (k, ns, name) => k.BatchV1.DeleteNamespacedCronJobAsync(name, ns),
        },
        new KindCase<V1Role, V1RoleList>
        {
            Kind = "Role", Path = "/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/roles",
            Make = (ns, name, labels) => new V1Role { Metadata = Meta(ns, name, labels), Rules = Rules },
            Create = (k, o, ns) => k.RbacAuthorizationV1.CreateNamespacedRoleAsync(o, ns),
            Read = (k, ns, name) => k.RbacAuthorizationV1.ReadNamespacedRoleAsync(name, ns),
            List = (k, ns, sel, limit, cont) => k.RbacAuthorizationV1.ListNamespacedRoleAsync(ns, labelSelector: sel, limit: limit, continueParameter: cont),
            Watch = (k, ns, sel, rv, t, c) => k.RbacAuthorizationV1.WatchListNamespacedRoleAsync(ns, labelSelector: sel, resourceVersion: rv, timeoutSeconds: t, cancellationToken: c),
            Replace = (k, o, ns, name) => k.RbacAuthorizationV1.ReplaceNamespacedRoleAsync(o, name, ns),
            Delete = (k, ns, name) => k.RbacAuthorizationV1.DeleteNamespacedRoleAsync(name, ns),
        },
        new KindCase<V1ClusterRole, V1ClusterRoleList>
        {
            Kind = "ClusterRole", Path = "/apis/rbac.authorization.k8s.io/v1/clusterroles", Namespaced = false,
            Make = (ns, name, labels) => new V1ClusterRole
            {
                Metadata = Meta(ns, name, labels, false),
                Rules = [.. Rules, new V1PolicyRule { NonResourceURLs = ["/healthz", "/metrics/*"], Verbs = ["get"] }],
            },
            Create = (k, o, ns) => k.RbacAuthorizationV1.CreateClusterRoleAsync(o),
            Read = (k, ns, name) => k.RbacAuthorizationV1.ReadClusterRoleAsync(name),
            List = (k, ns, sel, limit, cont) => k.RbacAuthorizationV1.ListClusterRoleAsync(labelSelector: sel, limit: limit, continueParameter: cont),
            Watch = (k, ns, sel, rv, t, c) => k.RbacAuthorizationV1.WatchListClusterRoleAsync(labelSelector: sel, resourceVersion: rv, timeoutSeconds: t, cancellationToken: c),
            Replace = (k, o, ns, name) => k.RbacAuthorizationV1.ReplaceClusterRoleAsync(o, name),
            Delete = (k, ns, name) => k.RbacAuthorizationV1.DeleteClusterRoleAsync(name),
        },
        new KindCase<V1RoleBinding, V1RoleBindingList>
        {
            Kind = "RoleBinding", Path = "/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/rolebindings",
            Make = (ns, name, labels) => new V1RoleBinding
            {
                Metadata = Meta(ns, name, labels),
                RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "Role", Name = "reader" },
                Subjects =
                [
                    new Rbacv1Subject { Kind = "ServiceAccount", Name = "app", NamespaceProperty = ns },
                    new Rbacv1Subject { Kind = "User", Name = "jane", ApiGroup = "rbac.authorization.k8s.io" },
                    new Rbacv1Subject { Kind = "Group", Name = "devs", ApiGroup = "rbac.authorization.k8s.io" },
                ],
            },
            Create = (k, o, ns) => k.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(o, ns),
            Read = (k, ns, name) => k.RbacAuthorizationV1.ReadNamespacedRoleBindingAsync(name, ns),
            List = (k, ns, sel, limit, cont) => k.RbacAuthorizationV1.ListNamespacedRoleBindingAsync(ns, labelSelector: sel, limit: limit, continueParameter: cont),
            Watch = (k, ns, sel, rv, t, c) => k.RbacAuthorizationV1.WatchListNamespacedRoleBindingAsync(ns, labelSelector: sel, resourceVersion: rv, timeoutSeconds: t, cancellationToken: c),
            Replace = (k, o, ns, name) => k.RbacAuthorizationV1.ReplaceNamespacedRoleBindingAsync(o, name, ns),
            Delete = (k, ns, name) => k.RbacAuthorizationV1.DeleteNamespacedRoleBindingAsync(name, ns),
        },
        new KindCase<V1ClusterRoleBinding, V1ClusterRoleBindingList>
        {
            Kind = "ClusterRoleBinding", Path = "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", Namespaced = false,
            Make = (ns, name, labels) => new V1ClusterRoleBinding
            {
                Metadata = Meta(ns, name, labels, false),
                RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = "view" },
                Subjects = [new Rbacv1Subject { Kind = "ServiceAccount", Name = "app", NamespaceProperty = ns }],
            },
            Create = (k, o, ns) => k.RbacAuthorizationV1.CreateClusterRoleBindingAsync(o),
            Read = (k, ns, name) => k.RbacAuthorizationV1.ReadClusterRoleBindingAsync(name),
            List = (k, ns, sel, limit, cont) => k.RbacAuthorizationV1.ListClusterRoleBindingAsync(labelSelector: sel, limit: limit, continueParameter: cont),
            Watch = (k, ns, sel, rv, t, c) => k.RbacAuthorizationV1.WatchListClusterRoleBindingAsync(labelSelector: sel, resourceVersion: rv, timeoutSeconds: t, cancellationToken: c),
            Replace = (k, o, ns, name) => k.RbacAuthorizationV1.ReplaceClusterRoleBindingAsync(o, name),
            Delete = (k, ns, name) => k.RbacAuthorizationV1.DeleteClusterRoleBindingAsync(name),
        },
    ];

    public static IKindCase Get(string kind) => All.Single(c => c.Kind == kind);

    public static TheoryData<string> Kinds()
    {
        var data = new TheoryData<string>();
        foreach (IKindCase c in All) data.Add(c.Kind);
        return data;
    }
}
