namespace K8sServiceAccount.Client.Tests.Permissions;

/// <summary>Legacy discovery answers of a small cluster: core v1, apps, rbac, autoscaling (v2 preferred over v1), events, a CRD group.</summary>
public static class DiscoveryFixture
{
    public const string Api = """{"kind":"APIVersions","versions":["v1"],"serverAddressByClientCIDRs":[]}""";

    public const string Apis = """
        {"kind":"APIGroupList","apiVersion":"v1","groups":[
          {"name":"apps","versions":[{"groupVersion":"apps/v1","version":"v1"}],"preferredVersion":{"groupVersion":"apps/v1","version":"v1"}},
          {"name":"events.k8s.io","versions":[{"groupVersion":"events.k8s.io/v1","version":"v1"}],"preferredVersion":{"groupVersion":"events.k8s.io/v1","version":"v1"}},
          {"name":"autoscaling","versions":[{"groupVersion":"autoscaling/v1","version":"v1"},{"groupVersion":"autoscaling/v2","version":"v2"}],"preferredVersion":{"groupVersion":"autoscaling/v2","version":"v2"}},
          {"name":"rbac.authorization.k8s.io","versions":[{"groupVersion":"rbac.authorization.k8s.io/v1","version":"v1"}],"preferredVersion":{"groupVersion":"rbac.authorization.k8s.io/v1","version":"v1"}},
          {"name":"stable.example.com","versions":[{"groupVersion":"stable.example.com/v1","version":"v1"}],"preferredVersion":{"groupVersion":"stable.example.com/v1","version":"v1"}}
        ]}
        """;

    public const string CoreV1 = """
        {"kind":"APIResourceList","groupVersion":"v1","resources":[
          {"name":"pods","singularName":"pod","namespaced":true,"kind":"Pod","verbs":["get","list"],"shortNames":["po"]},
          {"name":"pods/log","singularName":"","namespaced":true,"kind":"Pod","verbs":["get"]},
          {"name":"serviceaccounts","singularName":"serviceaccount","namespaced":true,"kind":"ServiceAccount","verbs":["get","list"],"shortNames":["sa"]},
          {"name":"serviceaccounts/token","singularName":"","namespaced":true,"group":"authentication.k8s.io","version":"v1","kind":"TokenRequest","verbs":["create"]},
          {"name":"nodes","singularName":"node","namespaced":false,"kind":"Node","verbs":["get","list"],"shortNames":["no"]},
          {"name":"namespaces","singularName":"namespace","namespaced":false,"kind":"Namespace","verbs":["get","list"],"shortNames":["ns"]},
          {"name":"events","singularName":"event","namespaced":true,"kind":"Event","verbs":["get","list"],"shortNames":["ev"]},
          {"name":"secrets","singularName":"secret","namespaced":true,"kind":"Secret","verbs":["get","list"]}
        ]}
        """;

    public const string AppsV1 = """
        {"kind":"APIResourceList","groupVersion":"apps/v1","resources":[
          {"name":"deployments","singularName":"deployment","namespaced":true,"kind":"Deployment","verbs":["get"],"shortNames":["deploy"]},
          {"name":"deployments/scale","singularName":"","namespaced":true,"group":"autoscaling","version":"v1","kind":"Scale","verbs":["get"]},
          {"name":"replicasets","singularName":"replicaset","namespaced":true,"kind":"ReplicaSet","verbs":["get"],"shortNames":["rs"]}
        ]}
        """;

    public const string EventsV1 = """
        {"kind":"APIResourceList","groupVersion":"events.k8s.io/v1","resources":[
          {"name":"events","singularName":"event","namespaced":true,"kind":"Event","verbs":["get"],"shortNames":["ev"]}
        ]}
        """;

    public const string AutoscalingV1 = """
        {"kind":"APIResourceList","groupVersion":"autoscaling/v1","resources":[
          {"name":"horizontalpodautoscalers","singularName":"horizontalpodautoscaler","namespaced":true,"kind":"HorizontalPodAutoscaler","verbs":["get"],"shortNames":["hpa"]}
        ]}
        """;

    public const string AutoscalingV2 = """
        {"kind":"APIResourceList","groupVersion":"autoscaling/v2","resources":[
          {"name":"horizontalpodautoscalers","singularName":"horizontalpodautoscaler","namespaced":true,"kind":"HorizontalPodAutoscaler","verbs":["get"],"shortNames":["hpa"]}
        ]}
        """;

    public const string RbacV1 = """
        {"kind":"APIResourceList","groupVersion":"rbac.authorization.k8s.io/v1","resources":[
          {"name":"roles","singularName":"role","namespaced":true,"kind":"Role","verbs":["get"]},
          {"name":"clusterroles","singularName":"clusterrole","namespaced":false,"kind":"ClusterRole","verbs":["get"]}
        ]}
        """;

    // A CRD served without singularName: the singular is the lower-cased kind.
    public const string ExampleV1 = """
        {"kind":"APIResourceList","groupVersion":"stable.example.com/v1","resources":[
          {"name":"crontabs","namespaced":true,"kind":"CronTab","verbs":["get"],"shortNames":["ct"]}
        ]}
        """;

    /// <summary>Answers a discovery path, or null when the path is not discovery.</summary>
    public static string? Answer(string path) => path switch
    {
        "/api" => Api,
        "/apis" => Apis,
        "/api/v1" => CoreV1,
        "/apis/apps/v1" => AppsV1,
        "/apis/events.k8s.io/v1" => EventsV1,
        "/apis/autoscaling/v1" => AutoscalingV1,
        "/apis/autoscaling/v2" => AutoscalingV2,
        "/apis/rbac.authorization.k8s.io/v1" => RbacV1,
        "/apis/stable.example.com/v1" => ExampleV1,
        _ => null,
    };

    public static bool IsDiscovery(string path) => path == "/api" || path == "/apis" || path.StartsWith("/api/v1", StringComparison.Ordinal) && path.Count(c => c == '/') == 2
        || path.StartsWith("/apis/", StringComparison.Ordinal) && path.Count(c => c == '/') == 3;
}
