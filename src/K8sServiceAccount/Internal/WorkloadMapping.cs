using K8sServiceAccount.Client.Api;
using K8sServiceAccount.Client.Models;

namespace K8sServiceAccount.Internal;

/// <summary>Client workloads to <see cref="K8sWorkloadInfo"/>, with the effective automountServiceAccountToken.</summary>
internal static class WorkloadMapping
{
    /// <summary>The ServiceAccount the object's Pods run as: the Pod spec's serviceAccountName (or deprecated serviceAccount), else default.</summary>
    internal static string ServiceAccountName(WorkloadKind kind, Workload workload, out bool specified)
    {
        var spec = kind.PodSpecOf(workload);
        var name = string.IsNullOrEmpty(spec?.ServiceAccountName) ? spec?.ServiceAccount : spec!.ServiceAccountName;
        specified = !string.IsNullOrEmpty(name);
        return specified ? name! : "default";
    }

    /// <summary>The row Get-K8sWorkload writes for one workload.</summary>
    /// <param name="kind">The workload's kind, which says where its Pod template is.</param>
    /// <param name="workload">The workload as read from the API server.</param>
    /// <param name="account">The ServiceAccount it runs as, null when it does not exist.</param>
    internal static K8sWorkloadInfo ToInfo(WorkloadKind kind, Workload workload, ServiceAccount? account)
    {
        var ns = workload.Metadata?.Namespace ?? string.Empty;
        var name = ServiceAccountName(kind, workload, out var specified);
        var podValue = kind.PodSpecOf(workload)?.AutomountServiceAccountToken;
        var (automount, source) = podValue is { } p ? (p, "PodSpec")
            : account?.AutomountServiceAccountToken is { } a ? (a, "ServiceAccount")
            : (true, "Default");
        return new K8sWorkloadInfo
        {
            Kind = kind.Kind,
            Namespace = ns,
            Name = workload.Metadata?.Name ?? string.Empty,
            ServiceAccount = ns + "/" + name,
            ServiceAccountName = name,
            ServiceAccountSpecified = specified,
            AutomountServiceAccountToken = automount,
            AutomountSource = source,
            ServiceAccountExists = account is not null,
            CreationTimestamp = workload.Metadata?.CreationTimestamp?.UtcDateTime,
        };
    }
}
