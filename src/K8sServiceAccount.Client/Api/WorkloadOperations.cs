using K8sServiceAccount.Client.Http;
using K8sServiceAccount.Client.Models;

namespace K8sServiceAccount.Client.Api;

/// <summary>A kind of workload: where it is served and where its Pod spec sits.</summary>
public sealed record WorkloadKind(string Kind, string Group, string Resource)
{
    public static readonly WorkloadKind Deployment = new("Deployment", "apps", "deployments");
    public static readonly WorkloadKind StatefulSet = new("StatefulSet", "apps", "statefulsets");
    public static readonly WorkloadKind DaemonSet = new("DaemonSet", "apps", "daemonsets");
    public static readonly WorkloadKind ReplicaSet = new("ReplicaSet", "apps", "replicasets");
    public static readonly WorkloadKind Job = new("Job", "batch", "jobs");
    public static readonly WorkloadKind CronJob = new("CronJob", "batch", "cronjobs");
    public static readonly WorkloadKind Pod = new("Pod", "", "pods");

    /// <summary>Every kind, in the order Get-K8sWorkload lists them.</summary>
    public static readonly IReadOnlyList<WorkloadKind> All = [Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, Pod];

    /// <summary>
    /// The kind named as kubectl takes it: Kind, plural resource, short name or resource.group, case-insensitive
    /// (deployment, deployments, deploy, deployments.apps, Deployment); null when unknown.
    /// </summary>
    public static WorkloadKind? Find(string text)
    {
        var lower = text.Trim().ToLowerInvariant();
        return All.FirstOrDefault(k =>
            lower == k.Kind.ToLowerInvariant() || lower == k.Resource || (k.Group.Length > 0 && lower == k.Resource + "." + k.Group) ||
            lower == k.ShortName);
    }

    public string? ShortName => Kind switch
    {
        "Deployment" => "deploy",
        "StatefulSet" => "sts",
        "DaemonSet" => "ds",
        "ReplicaSet" => "rs",
        "CronJob" => "cj",
        "Pod" => "po",
        _ => null,
    };

    /// <summary>The collection or object path.</summary>
    public string Path(string? @namespace, string? name = null)
    {
        if (Group.Length == 0)
        {
            return ApiPath.Core(Resource, @namespace, name);
        }

        var path = $"/apis/{Group}/v1";
        if (@namespace is not null) path += "/namespaces/" + Uri.EscapeDataString(@namespace);
        path += "/" + Resource;
        return name is null ? path : path + "/" + Uri.EscapeDataString(name);
    }

    /// <summary>The Pod spec of an object of this kind (null when it has none).</summary>
    public WorkloadSpec? PodSpecOf(Workload workload) =>
        this == Pod ? workload.Spec
        : this == CronJob ? workload.Spec?.JobTemplate?.Spec?.Template?.Spec
        : workload.Spec?.Template?.Spec;

    /// <summary>A strategic merge patch that sets the Pod spec's serviceAccountName, as kubectl set serviceaccount sends it.</summary>
    public Workload ServiceAccountPatch(string serviceAccount)
    {
        var podSpec = new WorkloadSpec { ServiceAccountName = serviceAccount };
        var template = new PodTemplate { Spec = podSpec };
        return new Workload
        {
            Spec = this == CronJob
                ? new WorkloadSpec { JobTemplate = new JobTemplate { Spec = new WorkloadSpec { Template = template } } }
                : new WorkloadSpec { Template = template },
        };
    }

    public override string ToString() => Kind;
}

/// <summary>
/// The workload calls behind Get-K8sWorkload and Set-K8sWorkloadServiceAccount: list the workloads and Pods of a kind
/// (page by page), and set the ServiceAccount of a workload's Pod template with the strategic merge patch kubectl
/// set serviceaccount sends.
/// </summary>
public sealed class WorkloadOperations
{
    public const string StrategicMergePatch = "application/strategic-merge-patch+json";

    private readonly IKubernetesTransport transport;
    private readonly IClientLog log;

    public WorkloadOperations(IKubernetesTransport transport, IClientLog? log = null)
    {
        this.transport = transport ?? throw new ArgumentNullException(nameof(transport));
        this.log = log ?? NullClientLog.Instance;
    }

    /// <summary>Lists the objects of one kind in a namespace, or everywhere when <paramref name="namespace"/> is null.</summary>
    public IAsyncEnumerable<Workload> ListAsync(WorkloadKind kind, string? @namespace, int pageSize = ServiceAccountOperations.DefaultPageSize, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(kind);
        return ListPager.ListAsync(
            transport, kind.Path(@namespace), null, null, pageSize,
            KubeJsonContext.Default.WorkloadList, l => l.Items, l => l.Metadata, cancellationToken);
    }

    /// <summary>Reads one object; a missing one is the server's 404 (KubernetesNotFound).</summary>
    public Task<Workload> GetAsync(WorkloadKind kind, string @namespace, string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(kind);
        return transport.GetAsync(kind.Path(@namespace, name), KubeJsonContext.Default.Workload, cancellationToken);
    }

    /// <summary>
    /// Sets spec.template.spec.serviceAccountName (a CronJob's in its job template) with a strategic merge patch; the
    /// server starts new Pods with it. A Pod's ServiceAccount cannot be changed (the server refuses the update).
    /// </summary>
    public Task<Workload> SetServiceAccountAsync(WorkloadKind kind, string @namespace, string name, string serviceAccount, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(kind);
        NameValidation.ValidateServiceAccountName(serviceAccount);
        log.Verbose($"Setting the ServiceAccount of {kind.Kind} {@namespace}/{name} to {serviceAccount}.");
        return transport.SendAsync(
            HttpMethod.Patch,
            ApiPath.WithQuery(kind.Path(@namespace, name), ("fieldManager", ApiPath.FieldManager)),
            kind.ServiceAccountPatch(serviceAccount),
            KubeJsonContext.Default.Workload,
            KubeJsonContext.Default.Workload,
            cancellationToken,
            StrategicMergePatch);
    }
}
