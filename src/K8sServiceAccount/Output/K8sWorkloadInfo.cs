namespace K8sServiceAccount;

/// <summary>
/// A workload (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob) or Pod, as Get-K8sWorkload returns it:
/// which ServiceAccount its Pods run as and whether they get its token mounted. Kind, Name and Namespace pipe into
/// Set-K8sWorkloadServiceAccount by property name.
/// </summary>
public sealed class K8sWorkloadInfo
{
    /// <summary>Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob or Pod.</summary>
    public string Kind { get; init; } = string.Empty;

    /// <summary>The namespace the object lives in (its Pods run as a ServiceAccount of this namespace).</summary>
    public string Namespace { get; init; } = string.Empty;

    /// <summary>The object's name.</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>The ServiceAccount its Pods run as, NAMESPACE/NAME; the namespace's default one when the Pod spec names none.</summary>
    public string ServiceAccount { get; init; } = string.Empty;

    /// <summary>The ServiceAccount's name as the Pod spec gives it; 'default' when the spec names none (see ServiceAccountSpecified).</summary>
    public string ServiceAccountName { get; init; } = string.Empty;

    /// <summary>False when the Pod spec names no ServiceAccount (its Pods run as the namespace's 'default').</summary>
    public bool ServiceAccountSpecified { get; init; }

    /// <summary>Whether its Pods get the ServiceAccount's token mounted: the Pod spec's automountServiceAccountToken, else the ServiceAccount's, else true.</summary>
    public bool AutomountServiceAccountToken { get; init; }

    /// <summary>Where AutomountServiceAccountToken comes from: PodSpec, ServiceAccount or Default.</summary>
    public string AutomountSource { get; init; } = string.Empty;

    /// <summary>False when the ServiceAccount does not exist (new Pods of the workload cannot be created).</summary>
    public bool ServiceAccountExists { get; init; }

    /// <summary>The user the Pods' API requests are made as: system:serviceaccount:NAMESPACE:NAME.</summary>
    public string User => "system:serviceaccount:" + ServiceAccount.Replace('/', ':');

    /// <summary>When the object was created, in UTC.</summary>
    public DateTime? CreationTimestamp { get; init; }

    /// <summary>"Kind namespace/name".</summary>
    public override string ToString() => $"{Kind} {Namespace}/{Name}";
}
