namespace K8sServiceAccount.Client.Permissions;

/// <summary>
/// The resource types every Kubernetes 1.28 API server serves, with their API groups and kubectl short names, for building
/// rules without a cluster (New-K8sPolicyRule): <c>deployments</c> is apps/deployments and <c>deploy</c> is deployments, as
/// kubectl create role resolves them through discovery. Custom resources and aggregated APIs are not here; give their
/// group (<c>crontabs.stable.example.com</c>).
/// </summary>
public static class BuiltInResourceTypes
{
    // resource -> group, in discovery priority: the core group first, so events resolves to core events as kubectl does.
    private static readonly (string Resource, string Group, string[] ShortNames)[] Types =
    [
        ("bindings", "", []),
        ("componentstatuses", "", ["cs"]),
        ("configmaps", "", ["cm"]),
        ("endpoints", "", ["ep"]),
        ("events", "", ["ev"]),
        ("limitranges", "", ["limits"]),
        ("namespaces", "", ["ns"]),
        ("nodes", "", ["no"]),
        ("persistentvolumeclaims", "", ["pvc"]),
        ("persistentvolumes", "", ["pv"]),
        ("pods", "", ["po"]),
        ("podtemplates", "", []),
        ("replicationcontrollers", "", ["rc"]),
        ("resourcequotas", "", ["quota"]),
        ("secrets", "", []),
        ("serviceaccounts", "", ["sa"]),
        ("services", "", ["svc"]),
        ("mutatingwebhookconfigurations", "admissionregistration.k8s.io", []),
        ("validatingwebhookconfigurations", "admissionregistration.k8s.io", []),
        ("customresourcedefinitions", "apiextensions.k8s.io", ["crd", "crds"]),
        ("apiservices", "apiregistration.k8s.io", []),
        ("controllerrevisions", "apps", []),
        ("daemonsets", "apps", ["ds"]),
        ("deployments", "apps", ["deploy"]),
        ("replicasets", "apps", ["rs"]),
        ("statefulsets", "apps", ["sts"]),
        ("selfsubjectreviews", "authentication.k8s.io", []),
        ("tokenreviews", "authentication.k8s.io", []),
        ("localsubjectaccessreviews", "authorization.k8s.io", []),
        ("selfsubjectaccessreviews", "authorization.k8s.io", []),
        ("selfsubjectrulesreviews", "authorization.k8s.io", []),
        ("subjectaccessreviews", "authorization.k8s.io", []),
        ("horizontalpodautoscalers", "autoscaling", ["hpa"]),
        ("cronjobs", "batch", ["cj"]),
        ("jobs", "batch", []),
        ("certificatesigningrequests", "certificates.k8s.io", ["csr"]),
        ("leases", "coordination.k8s.io", []),
        ("endpointslices", "discovery.k8s.io", []),
        ("flowschemas", "flowcontrol.apiserver.k8s.io", []),
        ("prioritylevelconfigurations", "flowcontrol.apiserver.k8s.io", []),
        ("ingressclasses", "networking.k8s.io", []),
        ("ingresses", "networking.k8s.io", ["ing"]),
        ("networkpolicies", "networking.k8s.io", ["netpol"]),
        ("runtimeclasses", "node.k8s.io", []),
        ("poddisruptionbudgets", "policy", ["pdb"]),
        ("clusterrolebindings", "rbac.authorization.k8s.io", []),
        ("clusterroles", "rbac.authorization.k8s.io", []),
        ("rolebindings", "rbac.authorization.k8s.io", []),
        ("roles", "rbac.authorization.k8s.io", []),
        ("priorityclasses", "scheduling.k8s.io", ["pc"]),
        ("csidrivers", "storage.k8s.io", []),
        ("csinodes", "storage.k8s.io", []),
        ("csistoragecapacities", "storage.k8s.io", []),
        ("storageclasses", "storage.k8s.io", ["sc"]),
        ("volumeattachments", "storage.k8s.io", []),
    ];

    // Resources RBAC authorizes that no discovery document lists (special verbs' targets).
    private static readonly (string Resource, string Group)[] NonDiscoverable = [("users", ""), ("groups", ""), ("userextras", "authentication.k8s.io"), ("uids", "authentication.k8s.io")];

    /// <summary>The built-in types as (plural resource, API group), in discovery priority: completion's answer without a server.</summary>
    public static IReadOnlyList<(string Resource, string Group)> All { get; } = Types.Select(t => (t.Resource, t.Group)).ToArray();

    /// <summary>
    /// Resolves a type written without a group (<c>deployments</c>, <c>deploy</c>, <c>pod</c>, <c>Deployment</c>) or with one
    /// (<c>rs.apps</c>) to its plural resource and group, from its plural, singular or short name or its kind, as discovery
    /// does; false when it is not a built-in type (then nothing is known about it).
    /// </summary>
    public static bool TryResolve(string resource, string? group, out string pluralResource, out string resolvedGroup)
    {
        var lowered = resource.ToLowerInvariant();
        foreach (var type in Types)
        {
            if ((type.Resource == lowered || Singular(type.Resource) == lowered || type.ShortNames.Contains(lowered))
                && (group is null || group == type.Group))
            {
                (pluralResource, resolvedGroup) = (type.Resource, type.Group);
                return true;
            }
        }
        foreach (var (name, nameGroup) in NonDiscoverable)
        {
            if (name == lowered && (group is null || group == nameGroup))
            {
                (pluralResource, resolvedGroup) = (name, nameGroup);
                return true;
            }
        }
        (pluralResource, resolvedGroup) = (resource, group ?? "");
        return false;
    }

    // The singular name of a type above, which is also its kind in lower case: endpoints stays endpoints (kind Endpoints),
    // networkpolicies is networkpolicy, ingressclasses is ingressclass, componentstatuses is componentstatus.
    private static string Singular(string plural) =>
        plural == "endpoints" ? plural
        : plural.EndsWith("ies", StringComparison.Ordinal) ? plural[..^3] + "y"
        : plural.EndsWith("sses", StringComparison.Ordinal) || plural.EndsWith("uses", StringComparison.Ordinal) ? plural[..^2]
        : plural[..^1];
}
