namespace K8sServiceAccount.LocalApiServer.Store;

/// <summary>A subresource as discovery lists it (e.g. serviceaccounts/token → authentication.k8s.io/v1 TokenRequest).</summary>
public sealed record SubresourceInfo(string Name, string Kind, string[] Verbs, string Group = "", string Version = "");

/// <summary>
/// One API resource: where it lives (group/version/resource), what discovery says about it, and whether
/// objects of it are persisted in the store (review APIs are create-only and never stored).
/// </summary>
public sealed class ResourceType
{
    private static readonly string[] CrudVerbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
    private static readonly string[] CreateOnly = ["create"];

    private ResourceType(string group, string version, string resource, string kind, bool namespaced,
        string[] verbs, string[] shortNames, SubresourceInfo[] subresources, bool persisted, string[] categories)
    {
        Group = group;
        Version = version;
        Resource = resource;
        Kind = kind;
        Namespaced = namespaced;
        Verbs = verbs;
        ShortNames = shortNames;
        Subresources = subresources;
        Persisted = persisted;
        Categories = categories;
        GroupVersion = group.Length == 0 ? version : $"{group}/{version}";
        QualifiedResource = group.Length == 0 ? resource : $"{resource}.{group}";
        SingularName = kind.ToLowerInvariant();
    }

    public string Group { get; }
    public string Version { get; }
    public string Resource { get; }
    public string Kind { get; }
    public bool Namespaced { get; }
    public string[] Verbs { get; }
    public string[] ShortNames { get; }
    public SubresourceInfo[] Subresources { get; }
    public string[] Categories { get; }
    /// <summary>False for the create-only review APIs.</summary>
    public bool Persisted { get; }
    public string GroupVersion { get; }
    /// <summary>"resource" for the core group, "resource.group" otherwise (as in error messages).</summary>
    public string QualifiedResource { get; }
    public string SingularName { get; }
    public string ListKind => Kind + "List";

    public override string ToString() => QualifiedResource;

    private static ResourceType Crud(string group, string version, string resource, string kind, bool namespaced,
        string[]? shortNames = null, SubresourceInfo[]? subresources = null, string[]? categories = null) =>
        new(group, version, resource, kind, namespaced, CrudVerbs, shortNames ?? [], subresources ?? [], true, categories ?? []);

    private static ResourceType Review(string group, string resource, string kind, bool namespaced = false, string version = "v1") =>
        new(group, version, resource, kind, namespaced, CreateOnly, [], [], false, []);

    private static SubresourceInfo Scale(string group = "autoscaling", string version = "v1") =>
        new("scale", "Scale", ["get", "patch", "update"], group, version);

    private static SubresourceInfo Status(string kind) => new("status", kind, ["get", "patch", "update"]);

    public const string Rbac = "rbac.authorization.k8s.io";
    public const string Authorization = "authorization.k8s.io";
    public const string Authentication = "authentication.k8s.io";

    public static readonly ResourceType Namespaces = Crud("", "v1", "namespaces", "Namespace", false, ["ns"],
        [Status("Namespace"), new("finalize", "Namespace", ["update"])]);
    public static readonly ResourceType ServiceAccounts = Crud("", "v1", "serviceaccounts", "ServiceAccount", true, ["sa"],
        [new("token", "TokenRequest", CreateOnly, Authentication, "v1")]);
    public static readonly ResourceType Secrets = Crud("", "v1", "secrets", "Secret", true);
    public static readonly ResourceType ConfigMaps = Crud("", "v1", "configmaps", "ConfigMap", true, ["cm"]);
    public static readonly ResourceType Pods = Crud("", "v1", "pods", "Pod", true, ["po"], [Status("Pod")], ["all"]);
    public static readonly ResourceType Services = Crud("", "v1", "services", "Service", true, ["svc"], [Status("Service")], ["all"]);
    public static readonly ResourceType Nodes = Crud("", "v1", "nodes", "Node", false, ["no"], [Status("Node")]);
    public static readonly ResourceType Events = Crud("", "v1", "events", "Event", true, ["ev"]);

    public static readonly ResourceType Roles = Crud(Rbac, "v1", "roles", "Role", true);
    public static readonly ResourceType RoleBindings = Crud(Rbac, "v1", "rolebindings", "RoleBinding", true);
    public static readonly ResourceType ClusterRoles = Crud(Rbac, "v1", "clusterroles", "ClusterRole", false);
    public static readonly ResourceType ClusterRoleBindings = Crud(Rbac, "v1", "clusterrolebindings", "ClusterRoleBinding", false);

    public static readonly ResourceType Deployments = Crud("apps", "v1", "deployments", "Deployment", true, ["deploy"], [Scale(), Status("Deployment")], ["all"]);
    public static readonly ResourceType ReplicaSets = Crud("apps", "v1", "replicasets", "ReplicaSet", true, ["rs"], [Scale(), Status("ReplicaSet")], ["all"]);
    public static readonly ResourceType StatefulSets = Crud("apps", "v1", "statefulsets", "StatefulSet", true, ["sts"], [Scale(), Status("StatefulSet")], ["all"]);
    public static readonly ResourceType DaemonSets = Crud("apps", "v1", "daemonsets", "DaemonSet", true, ["ds"], [Status("DaemonSet")], ["all"]);
    public static readonly ResourceType Jobs = Crud("batch", "v1", "jobs", "Job", true, [], [Status("Job")], ["all"]);
    public static readonly ResourceType CronJobs = Crud("batch", "v1", "cronjobs", "CronJob", true, ["cj"], [Status("CronJob")], ["all"]);

    public static readonly ResourceType SelfSubjectAccessReviews = Review(Authorization, "selfsubjectaccessreviews", "SelfSubjectAccessReview");
    public static readonly ResourceType SubjectAccessReviews = Review(Authorization, "subjectaccessreviews", "SubjectAccessReview");
    public static readonly ResourceType LocalSubjectAccessReviews = Review(Authorization, "localsubjectaccessreviews", "LocalSubjectAccessReview", namespaced: true);
    public static readonly ResourceType SelfSubjectRulesReviews = Review(Authorization, "selfsubjectrulesreviews", "SelfSubjectRulesReview");
    public static readonly ResourceType TokenReviews = Review(Authentication, "tokenreviews", "TokenReview");
    public static readonly ResourceType SelfSubjectReviews = Review(Authentication, "selfsubjectreviews", "SelfSubjectReview");

    /// <summary>authentication.k8s.io/v1beta1, still served by kube-apiserver 1.28: kubectl 1.27 auth whoami knows only it.</summary>
    public static readonly ResourceType SelfSubjectReviewsV1Beta1 =
        Review(Authentication, "selfsubjectreviews", "SelfSubjectReview", version: "v1beta1");

    /// <summary>Every resource the server answers for, in discovery order.</summary>
    public static readonly IReadOnlyList<ResourceType> All =
    [
        Namespaces, ServiceAccounts, Secrets, ConfigMaps, Pods, Services, Nodes, Events,
        Deployments, ReplicaSets, StatefulSets, DaemonSets, Jobs, CronJobs,
        SelfSubjectReviews, TokenReviews,
        LocalSubjectAccessReviews, SelfSubjectAccessReviews, SelfSubjectRulesReviews, SubjectAccessReviews,
        ClusterRoleBindings, ClusterRoles, RoleBindings, Roles,
    ];

    /// <summary>Older versions still served beside v1: found by path and listed by discovery, never found by kind.</summary>
    public static readonly IReadOnlyList<ResourceType> OlderVersions = [SelfSubjectReviewsV1Beta1];

    /// <summary>The API groups in discovery order (core first, written as "").</summary>
    public static readonly IReadOnlyList<string> Groups = ["", "apps", Authentication, Authorization, "batch", Rbac];

    private static readonly Dictionary<(string Group, string Version, string Resource), ResourceType> ByPath =
        All.Concat(OlderVersions).ToDictionary(t => (t.Group, t.Version, t.Resource));

    private static readonly Dictionary<(string Group, string Kind), ResourceType> ByKind =
        All.ToDictionary(t => (t.Group, t.Kind));

    public static ResourceType? Find(string group, string version, string resource) =>
        ByPath.GetValueOrDefault((group, version, resource));

    public static ResourceType? FindByKind(string group, string kind) => ByKind.GetValueOrDefault((group, kind));

    public static bool IsServedGroupVersion(string group, string version) => VersionsOf(group).Contains(version);

    /// <summary>The versions served for a group, preferred (v1) first.</summary>
    public static IReadOnlyList<string> VersionsOf(string group) =>
        All.Concat(OlderVersions).Where(t => t.Group == group).Select(t => t.Version).Distinct().ToList();

    /// <summary>The resources served in one group version.</summary>
    public static IEnumerable<ResourceType> In(string group, string version) =>
        All.Concat(OlderVersions).Where(t => t.Group == group && t.Version == version);
}
