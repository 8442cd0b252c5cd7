namespace K8sServiceAccount.Client.Models;

/// <summary>
/// The part of a workload (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob) or a Pod that says which
/// ServiceAccount it runs as: a Pod's spec is the Pod spec, the others carry it in spec.template.spec (a CronJob in
/// spec.jobTemplate.spec.template.spec). The same type serves as a strategic merge patch body (nulls are not written).
/// </summary>
public sealed class Workload
{
    public string? ApiVersion { get; set; }
    public string? Kind { get; set; }
    public ObjectMeta? Metadata { get; set; }
    public WorkloadSpec? Spec { get; set; }
}

/// <summary>Workload spec and Pod spec fields together (a Pod's spec has no template).</summary>
public sealed class WorkloadSpec
{
    public PodTemplate? Template { get; set; }
    public JobTemplate? JobTemplate { get; set; }
    public string? ServiceAccountName { get; set; }
    public string? ServiceAccount { get; set; }
    public bool? AutomountServiceAccountToken { get; set; }
}

public sealed class PodTemplate
{
    public WorkloadSpec? Spec { get; set; }
}

public sealed class JobTemplate
{
    public WorkloadSpec? Spec { get; set; }
}

public sealed class WorkloadList
{
    public string? ApiVersion { get; set; }
    public string? Kind { get; set; }
    public ListMeta? Metadata { get; set; }
    public List<Workload> Items { get; set; } = new();
}
