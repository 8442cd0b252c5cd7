using K8sServiceAccount.Client.Models;

namespace K8sServiceAccount.Client.Rbac;

/// <summary>
/// The default ClusterRoles and ClusterRoleBindings a kube-apiserver creates at start (K8S-SEMANTICS §1.6), limited to the
/// ones that decide what ServiceAccounts and ordinary users may do: <c>cluster-admin</c>, <c>admin</c>/<c>edit</c>/<c>view</c>
/// (aggregated from the <c>system:aggregate-to-*</c> roles, with their rules already filled in as the aggregation controller
/// leaves them), <c>system:basic-user</c>, <c>system:discovery</c>, <c>system:public-info-viewer</c>,
/// <c>system:service-account-issuer-discovery</c>, <c>system:monitoring</c> and <c>system:auth-delegator</c>.
/// Facts from kubernetes/kubernetes plugin/pkg/auth/authorizer/rbac/bootstrappolicy (policy.go and its testdata):
/// list values are sorted as the bootstrap rule builder sorts them, and every object carries the label
/// <c>kubernetes.io/bootstrapping=rbac-defaults</c> and the annotation <c>rbac.authorization.kubernetes.io/autoupdate: "true"</c>.
/// Every access returns fresh copies, so callers may modify them.
/// </summary>
public static class BootstrapPolicy
{
    public const string BootstrappingLabel = "kubernetes.io/bootstrapping";
    public const string BootstrappingLabelValue = "rbac-defaults";
    public const string AutoUpdateAnnotation = "rbac.authorization.kubernetes.io/autoupdate";
    public const string AggregateToAdminLabel = "rbac.authorization.k8s.io/aggregate-to-admin";
    public const string AggregateToEditLabel = "rbac.authorization.k8s.io/aggregate-to-edit";
    public const string AggregateToViewLabel = "rbac.authorization.k8s.io/aggregate-to-view";
    /// <summary>The RBAC API group (the same constant as <see cref="RbacValidation.RbacApiGroup"/>).</summary>
    public const string RbacApiGroup = RbacValidation.RbacApiGroup;

    private static readonly string[] Read = ["get", "list", "watch"];
    private static readonly string[] Write = ["create", "update", "patch", "delete", "deletecollection"];
    private static readonly string[] ReadWrite = ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"];

    /// <summary>The default ClusterRoles (fresh copies on every call).</summary>
    public static IReadOnlyList<ClusterRole> ClusterRoles => ClusterRoleAggregation.ApplyAll(BuildClusterRoles());

    /// <summary>The default ClusterRoleBindings (fresh copies on every call).</summary>
    public static IReadOnlyList<ClusterRoleBinding> ClusterRoleBindings =>
    [
        Binding("cluster-admin", ServiceAccountIdentity.MastersGroup),
        Binding("system:monitoring", "system:monitoring"),
        Binding("system:discovery", ServiceAccountIdentity.AuthenticatedGroup),
        Binding("system:basic-user", ServiceAccountIdentity.AuthenticatedGroup),
        Binding("system:public-info-viewer", ServiceAccountIdentity.AuthenticatedGroup, ServiceAccountIdentity.UnauthenticatedGroup),
        Binding("system:service-account-issuer-discovery", ServiceAccountIdentity.AllServiceAccountsGroup),
    ];

    private static List<ClusterRole> BuildClusterRoles() =>
    [
        Role("cluster-admin", null,
            Rule(["*"], ["*"], ["*"]),
            Urls(["*"], "*")),
        Role("system:discovery", null,
            Urls(["get"], "/livez", "/readyz", "/healthz", "/version", "/version/", "/openapi", "/openapi/*", "/api", "/api/*", "/apis", "/apis/*")),
        Role("system:monitoring", null,
            Urls(["get"], "/metrics", "/metrics/slis", "/livez", "/readyz", "/healthz", "/livez/*", "/readyz/*", "/healthz/*")),
        Role("system:basic-user", null,
            Rule(["create"], ["authorization.k8s.io"], ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]),
            Rule(["create"], ["authentication.k8s.io"], ["selfsubjectreviews"])),
        Role("system:public-info-viewer", null,
            Urls(["get"], "/livez", "/readyz", "/healthz", "/version", "/version/")),
        Aggregated("admin", null, AggregateToAdminLabel),
        Aggregated("edit", AggregateToAdminLabel, AggregateToEditLabel),
        Aggregated("view", AggregateToEditLabel, AggregateToViewLabel),
        Role("system:aggregate-to-admin", AggregateToAdminLabel,
            Rule(["create"], ["authorization.k8s.io"], ["localsubjectaccessreviews"]),
            Rule(ReadWrite, [RbacApiGroup], ["roles", "rolebindings"])),
        Role("system:aggregate-to-edit", AggregateToEditLabel,
            Rule(Read, [""], ["pods/attach", "pods/proxy", "pods/exec", "pods/portforward", "secrets", "services/proxy"]),
            Rule(["impersonate"], [""], ["serviceaccounts"]),
            Rule(Write, [""], ["pods", "pods/attach", "pods/proxy", "pods/exec", "pods/portforward"]),
            Rule(["create"], [""], ["pods/eviction"]),
            Rule(Write, [""], ["replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts", "services", "services/proxy", "endpoints", "persistentvolumeclaims", "configmaps", "secrets", "events"]),
            Rule(["create"], [""], ["serviceaccounts/token"]),
            Rule(Write, ["apps"], ["statefulsets", "statefulsets/scale", "daemonsets", "deployments", "deployments/scale", "deployments/rollback", "replicasets", "replicasets/scale"]),
            Rule(Write, ["autoscaling"], ["horizontalpodautoscalers"]),
            Rule(Write, ["batch"], ["jobs", "cronjobs"]),
            Rule(Write, ["extensions"], ["daemonsets", "deployments", "deployments/scale", "deployments/rollback", "ingresses", "replicasets", "replicasets/scale", "replicationcontrollers/scale", "networkpolicies"]),
            Rule(Write, ["policy"], ["poddisruptionbudgets"]),
            Rule(Write, ["networking.k8s.io"], ["networkpolicies", "ingresses"]),
            Rule(ReadWrite, ["coordination.k8s.io"], ["leases"])),
        Role("system:aggregate-to-view", AggregateToViewLabel,
            Rule(Read, [""], ["pods", "replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts", "services", "services/status", "endpoints", "persistentvolumeclaims", "persistentvolumeclaims/status", "configmaps"]),
            Rule(Read, [""], ["limitranges", "resourcequotas", "bindings", "events", "pods/status", "resourcequotas/status", "namespaces/status", "replicationcontrollers/status", "pods/log"]),
            Rule(Read, [""], ["namespaces"]),
            Rule(Read, ["discovery.k8s.io"], ["endpointslices"]),
            Rule(Read, ["apps"], ["controllerrevisions", "statefulsets", "statefulsets/status", "statefulsets/scale", "daemonsets", "daemonsets/status", "deployments", "deployments/status", "deployments/scale", "replicasets", "replicasets/status", "replicasets/scale"]),
            Rule(Read, ["autoscaling"], ["horizontalpodautoscalers", "horizontalpodautoscalers/status"]),
            Rule(Read, ["batch"], ["jobs", "cronjobs", "cronjobs/status", "jobs/status"]),
            Rule(Read, ["extensions"], ["daemonsets", "daemonsets/status", "deployments", "deployments/scale", "deployments/status", "ingresses", "ingresses/status", "replicasets", "replicasets/scale", "replicasets/status", "replicationcontrollers/scale", "networkpolicies"]),
            Rule(Read, ["policy"], ["poddisruptionbudgets", "poddisruptionbudgets/status"]),
            Rule(Read, ["networking.k8s.io"], ["networkpolicies", "ingresses", "ingresses/status"])),
        Role("system:auth-delegator", null,
            Rule(["create"], ["authentication.k8s.io"], ["tokenreviews"]),
            Rule(["create"], ["authorization.k8s.io"], ["subjectaccessreviews"])),
        Role("system:service-account-issuer-discovery", null,
            Urls(["get"], "/.well-known/openid-configuration", "/.well-known/openid-configuration/", "/openid/v1/jwks", "/openid/v1/jwks/")),
    ];

    private static ObjectMeta Meta(string name, string? extraLabel) => new()
    {
        Name = name,
        Labels = extraLabel is null
            ? new() { [BootstrappingLabel] = BootstrappingLabelValue }
            : new() { [BootstrappingLabel] = BootstrappingLabelValue, [extraLabel] = "true" },
        Annotations = new() { [AutoUpdateAnnotation] = "true" },
    };

    private static ClusterRole Role(string name, string? aggregateLabel, params PolicyRule[] rules)
        => new() { Metadata = Meta(name, aggregateLabel), Rules = [.. rules] };

    private static ClusterRole Aggregated(string name, string? ownLabel, string selectedLabel) => new()
    {
        Metadata = Meta(name, ownLabel),
        AggregationRule = new AggregationRule
        {
            ClusterRoleSelectors = [new LabelSelector { MatchLabels = new() { [selectedLabel] = "true" } }],
        },
    };

    // The bootstrap rule builder sorts every list; doing the same keeps these objects identical to a real cluster's.
    private static PolicyRule Rule(string[] verbs, string[] groups, string[] resources)
        => PolicyRules.Resource(Sorted(verbs), Sorted(groups), Sorted(resources));

    private static PolicyRule Urls(string[] verbs, params string[] urls) => PolicyRules.NonResource(Sorted(verbs), Sorted(urls));

    private static IEnumerable<string> Sorted(IEnumerable<string> values) => values.Order(StringComparer.Ordinal);

    private static ClusterRoleBinding Binding(string name, params string[] groups) => new()
    {
        Metadata = Meta(name, null),
        RoleRef = new RoleRef { ApiGroup = RbacApiGroup, Kind = "ClusterRole", Name = name },
        Subjects = groups.Select(g => new Subject { Kind = SubjectKinds.Group, ApiGroup = RbacApiGroup, Name = g }).ToList(),
    };
}
