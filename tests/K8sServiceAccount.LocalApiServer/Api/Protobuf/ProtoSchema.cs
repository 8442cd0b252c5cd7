using K8sServiceAccount.LocalApiServer.Store;

namespace K8sServiceAccount.LocalApiServer.Api.Protobuf;

/// <summary>How a protobuf field's value is read and written as JSON.</summary>
public enum ProtoType
{
    String,
    /// <summary>bytes: base64 in JSON.</summary>
    Bytes,
    Bool,
    Int64,
    Int32,
    Message,
    /// <summary>meta/v1 Time {seconds=1, nanos=2}: RFC 3339 in seconds (Go's decoder drops the nanoseconds).</summary>
    Time,
    /// <summary>meta/v1 FieldsV1 {Raw=1}: the raw bytes are JSON.</summary>
    FieldsV1,
    /// <summary>map&lt;string, string&gt;.</summary>
    StringMap,
    /// <summary>map&lt;string, bytes&gt;: values base64 in JSON.</summary>
    BytesMap,
    /// <summary>map&lt;string, ExtraValue&gt; where ExtraValue is {repeated string items = 1}: arrays in JSON.</summary>
    StringListMap,
}

/// <summary>
/// One field of a generated.proto message. <paramref name="KeepZero"/> marks the fields JSON writes even when
/// zero: Go pointers (*bool, *int64, *string: present means set) and fields without omitempty. The others are
/// left out of the JSON when zero, as omitempty does (Go's protobuf encoder writes them all).
/// </summary>
public sealed record ProtoField(int Number, string JsonName, ProtoType Type, ProtoMessage? Message = null,
    bool Repeated = false, bool KeepZero = false)
{
    public int WireType => Type is ProtoType.Bool or ProtoType.Int64 or ProtoType.Int32 ? ProtoReader.Varint : ProtoReader.LengthDelimited;

    /// <summary>The Go field name the generated decoders put in "wrong wireType" errors.</summary>
    public string GoName => JsonName switch
    {
        "metadata" => "ObjectMeta",
        "uid" => "UID",
        "apiGroup" => "APIGroup",
        "apiGroups" => "APIGroups",
        "apiVersion" => "APIVersion",
        "nonResourceURLs" => "NonResourceURLs",
        _ => char.ToUpperInvariant(JsonName[0]) + JsonName[1..],
    };
}

/// <summary>A message of the Kubernetes API's generated.proto: its fields by number.</summary>
public sealed class ProtoMessage
{
    public ProtoMessage(string name, params ProtoField[] fields)
    {
        Name = name;
        Fields = fields.ToDictionary(f => f.Number);
    }

    public string Name { get; }

    public IReadOnlyDictionary<int, ProtoField> Fields { get; }
}

/// <summary>
/// The messages the server decodes from protobuf request bodies, with the field numbers of the published
/// generated.proto files (k8s.io/api core/v1, rbac/v1, authentication/v1, authorization/v1 and
/// k8s.io/apimachinery meta/v1): every kind kubectl and client-go send with a typed client to this server.
/// </summary>
public static class ProtoSchema
{
    private static ProtoField Str(int n, string json) => new(n, json, ProtoType.String);
    private static ProtoField Strs(int n, string json) => new(n, json, ProtoType.String, Repeated: true);
    private static ProtoField Msg(int n, string json, ProtoMessage m) => new(n, json, ProtoType.Message, m);
    private static ProtoField Msgs(int n, string json, ProtoMessage m) => new(n, json, ProtoType.Message, m, Repeated: true);
    private static ProtoField Bool(int n, string json) => new(n, json, ProtoType.Bool);
    private static ProtoField Time(int n, string json) => new(n, json, ProtoType.Time);
    private static ProtoField Map(int n, string json, ProtoType type = ProtoType.StringMap) => new(n, json, type);
    /// <summary>A field JSON writes even when zero: a Go pointer, or a field without omitempty.</summary>
    private static ProtoField Keep(ProtoField field) => field with { KeepZero = true };

    // k8s.io/apimachinery/pkg/apis/meta/v1
    private static readonly ProtoMessage ManagedFieldsEntry = new("ManagedFieldsEntry",
        Str(1, "manager"), Str(2, "operation"), Str(3, "apiVersion"), Time(4, "time"), Str(6, "fieldsType"),
        new(7, "fieldsV1", ProtoType.FieldsV1), Str(8, "subresource"));

    private static readonly ProtoMessage OwnerReference = new("OwnerReference",
        Keep(Str(5, "apiVersion")), Keep(Str(1, "kind")), Keep(Str(3, "name")), Keep(Str(4, "uid")),
        Keep(Bool(6, "controller")), Keep(Bool(7, "blockOwnerDeletion")));

    private static readonly ProtoMessage ObjectMeta = new("ObjectMeta",
        Str(1, "name"), Str(2, "generateName"), Str(3, "namespace"), Str(4, "selfLink"), Str(5, "uid"),
        Str(6, "resourceVersion"), new(7, "generation", ProtoType.Int64), Time(8, "creationTimestamp"),
        Time(9, "deletionTimestamp"), Keep(new(10, "deletionGracePeriodSeconds", ProtoType.Int64)),
        Map(11, "labels"), Map(12, "annotations"), Msgs(13, "ownerReferences", OwnerReference),
        Strs(14, "finalizers"), Msgs(17, "managedFields", ManagedFieldsEntry));

    private static readonly ProtoMessage LabelSelectorRequirement = new("LabelSelectorRequirement",
        Keep(Str(1, "key")), Keep(Str(2, "operator")), Strs(3, "values"));

    private static readonly ProtoMessage FieldSelectorRequirement = new("FieldSelectorRequirement",
        Keep(Str(1, "key")), Keep(Str(2, "operator")), Strs(3, "values"));

    private static readonly ProtoMessage LabelSelector = new("LabelSelector",
        Map(1, "matchLabels"), Msgs(2, "matchExpressions", LabelSelectorRequirement));

    private static readonly ProtoMessage Preconditions = new("Preconditions",
        Keep(Str(1, "uid")), Keep(Str(2, "resourceVersion")));

    private static readonly ProtoMessage DeleteOptions = new("DeleteOptions",
        Keep(new(1, "gracePeriodSeconds", ProtoType.Int64)), Msg(2, "preconditions", Preconditions),
        Keep(Bool(3, "orphanDependents")), Keep(Str(4, "propagationPolicy")), Strs(5, "dryRun"),
        Keep(Bool(6, "ignoreStoreReadErrorWithClusterBreakingPotential")));

    // k8s.io/api/core/v1
    private static readonly ProtoMessage NamespaceCondition = new("NamespaceCondition",
        Keep(Str(1, "type")), Keep(Str(2, "status")), Time(4, "lastTransitionTime"), Str(5, "reason"), Str(6, "message"));

    private static readonly ProtoMessage Namespace = new("Namespace",
        Msg(1, "metadata", ObjectMeta),
        Msg(2, "spec", new ProtoMessage("NamespaceSpec", Strs(1, "finalizers"))),
        Msg(3, "status", new ProtoMessage("NamespaceStatus", Str(1, "phase"), Msgs(2, "conditions", NamespaceCondition))));

    private static readonly ProtoMessage ObjectReference = new("ObjectReference",
        Str(1, "kind"), Str(2, "namespace"), Str(3, "name"), Str(4, "uid"), Str(5, "apiVersion"),
        Str(6, "resourceVersion"), Str(7, "fieldPath"));

    private static readonly ProtoMessage ServiceAccount = new("ServiceAccount",
        Msg(1, "metadata", ObjectMeta), Msgs(2, "secrets", ObjectReference),
        Msgs(3, "imagePullSecrets", new ProtoMessage("LocalObjectReference", Str(1, "name"))),
        Keep(Bool(4, "automountServiceAccountToken")));

    private static readonly ProtoMessage Secret = new("Secret",
        Msg(1, "metadata", ObjectMeta), Keep(Bool(5, "immutable")), Map(2, "data", ProtoType.BytesMap),
        Map(4, "stringData"), Str(3, "type"));

    private static readonly ProtoMessage ConfigMap = new("ConfigMap",
        Msg(1, "metadata", ObjectMeta), Keep(Bool(4, "immutable")), Map(2, "data"), Map(3, "binaryData", ProtoType.BytesMap));

    // Pod templates (core/v1 PodTemplateSpec, PodSpec, Container): the fields kubectl create deployment writes and
    // the ones that decide the ServiceAccount; fields not listed here are skipped, as unknown fields are.
    private static readonly ProtoMessage Container = new("Container",
        Keep(Str(1, "name")), Str(2, "image"), Strs(3, "command"), Strs(4, "args"), Str(5, "workingDir"),
        Msgs(6, "ports", new ProtoMessage("ContainerPort",
            Str(1, "name"), new(2, "hostPort", ProtoType.Int32), Keep(new(3, "containerPort", ProtoType.Int32)), Str(4, "protocol"), Str(5, "hostIP"))),
        Msgs(7, "env", new ProtoMessage("EnvVar", Keep(Str(1, "name")), Str(2, "value"))),
        Keep(Msg(8, "resources", new ProtoMessage("ResourceRequirements"))),
        Str(13, "terminationMessagePath"), Str(14, "imagePullPolicy"), Str(20, "terminationMessagePolicy"));

    private static readonly ProtoMessage PodSpec = new("PodSpec",
        Msgs(2, "containers", Container), Msgs(20, "initContainers", Container), Str(3, "restartPolicy"),
        Keep(new(4, "terminationGracePeriodSeconds", ProtoType.Int64)), Str(6, "dnsPolicy"), Map(7, "nodeSelector"),
        Str(8, "serviceAccountName"), Str(9, "serviceAccount"), Keep(Bool(21, "automountServiceAccountToken")),
        Str(10, "nodeName"), Msgs(15, "imagePullSecrets", new ProtoMessage("LocalObjectReference", Str(1, "name"))),
        Str(19, "schedulerName"));

    private static readonly ProtoMessage PodTemplateSpec = new("PodTemplateSpec",
        Keep(Msg(1, "metadata", ObjectMeta)), Msg(2, "spec", PodSpec));

    // k8s.io/api/apps/v1 (maxSurge/maxUnavailable, IntOrString, are not decoded: the server's defaults apply).
    private static readonly ProtoMessage Deployment = new("Deployment",
        Msg(1, "metadata", ObjectMeta),
        Msg(2, "spec", new ProtoMessage("DeploymentSpec",
            Keep(new(1, "replicas", ProtoType.Int32)), Msg(2, "selector", LabelSelector), Keep(Msg(3, "template", PodTemplateSpec)),
            Keep(Msg(4, "strategy", new ProtoMessage("DeploymentStrategy", Str(1, "type")))),
            new(5, "minReadySeconds", ProtoType.Int32), Keep(new(6, "revisionHistoryLimit", ProtoType.Int32)), Bool(7, "paused"),
            Keep(new(9, "progressDeadlineSeconds", ProtoType.Int32)))),
        Keep(Msg(3, "status", new ProtoMessage("DeploymentStatus", new ProtoField(1, "observedGeneration", ProtoType.Int64)))));

    // k8s.io/api/rbac/v1
    private static readonly ProtoMessage PolicyRule = new("PolicyRule",
        Strs(1, "verbs"), Strs(2, "apiGroups"), Strs(3, "resources"), Strs(4, "resourceNames"), Strs(5, "nonResourceURLs"));

    private static readonly ProtoMessage Subject = new("Subject",
        Keep(Str(1, "kind")), Str(2, "apiGroup"), Keep(Str(3, "name")), Str(4, "namespace"));

    private static readonly ProtoMessage RoleRef = new("RoleRef", Keep(Str(1, "apiGroup")), Keep(Str(2, "kind")), Keep(Str(3, "name")));

    private static readonly ProtoMessage Role = new("Role", Msg(1, "metadata", ObjectMeta), Msgs(2, "rules", PolicyRule));

    private static readonly ProtoMessage ClusterRole = new("ClusterRole",
        Msg(1, "metadata", ObjectMeta), Msgs(2, "rules", PolicyRule),
        Msg(3, "aggregationRule", new ProtoMessage("AggregationRule", Msgs(1, "clusterRoleSelectors", LabelSelector))));

    private static readonly ProtoMessage RoleBinding = new("RoleBinding",
        Msg(1, "metadata", ObjectMeta), Msgs(2, "subjects", Subject), Msg(3, "roleRef", RoleRef));

    private static readonly ProtoMessage ClusterRoleBinding = new("ClusterRoleBinding",
        Msg(1, "metadata", ObjectMeta), Msgs(2, "subjects", Subject), Msg(3, "roleRef", RoleRef));

    // k8s.io/api/authentication/v1
    private static readonly ProtoMessage UserInfo = new("UserInfo",
        Str(1, "username"), Str(2, "uid"), Strs(3, "groups"), Map(4, "extra", ProtoType.StringListMap));

    private static readonly ProtoMessage TokenRequest = new("TokenRequest",
        Msg(1, "metadata", ObjectMeta),
        Msg(2, "spec", new ProtoMessage("TokenRequestSpec",
            Strs(1, "audiences"), Keep(new(4, "expirationSeconds", ProtoType.Int64)),
            Msg(3, "boundObjectRef", new ProtoMessage("BoundObjectReference",
                Str(1, "kind"), Str(2, "apiVersion"), Str(3, "name"), Str(4, "uid"))))),
        Msg(3, "status", new ProtoMessage("TokenRequestStatus", Keep(Str(1, "token")), Time(2, "expirationTimestamp"))));

    private static readonly ProtoMessage TokenReview = new("TokenReview",
        Msg(1, "metadata", ObjectMeta),
        Msg(2, "spec", new ProtoMessage("TokenReviewSpec", Str(1, "token"), Strs(2, "audiences"))),
        Msg(3, "status", new ProtoMessage("TokenReviewStatus",
            Bool(1, "authenticated"), Msg(2, "user", UserInfo), Strs(4, "audiences"), Str(3, "error"))));

    private static readonly ProtoMessage SelfSubjectReview = new("SelfSubjectReview",
        Msg(1, "metadata", ObjectMeta),
        Msg(2, "status", new ProtoMessage("SelfSubjectReviewStatus", Msg(1, "userInfo", UserInfo))));

    // k8s.io/api/authorization/v1
    private static readonly ProtoMessage ResourceAttributes = new("ResourceAttributes",
        Str(1, "namespace"), Str(2, "verb"), Str(3, "group"), Str(4, "version"), Str(5, "resource"),
        Str(6, "subresource"), Str(7, "name"),
        Msg(8, "fieldSelector", new ProtoMessage("FieldSelectorAttributes",
            Str(1, "rawSelector"), Msgs(2, "requirements", FieldSelectorRequirement))),
        Msg(9, "labelSelector", new ProtoMessage("LabelSelectorAttributes",
            Str(1, "rawSelector"), Msgs(2, "requirements", LabelSelectorRequirement))));

    private static readonly ProtoMessage NonResourceAttributes = new("NonResourceAttributes", Str(1, "path"), Str(2, "verb"));

    private static readonly ProtoMessage SubjectAccessReviewSpec = new("SubjectAccessReviewSpec",
        Msg(1, "resourceAttributes", ResourceAttributes), Msg(2, "nonResourceAttributes", NonResourceAttributes),
        Str(3, "user"), Strs(4, "groups"), Map(5, "extra", ProtoType.StringListMap), Str(6, "uid"));

    private static readonly ProtoMessage SubjectAccessReviewStatus = new("SubjectAccessReviewStatus",
        Keep(Bool(1, "allowed")), Bool(4, "denied"), Str(2, "reason"), Str(3, "evaluationError"));

    private static readonly ProtoMessage SubjectAccessReview = new("SubjectAccessReview",
        Msg(1, "metadata", ObjectMeta), Msg(2, "spec", SubjectAccessReviewSpec), Msg(3, "status", SubjectAccessReviewStatus));

    private static readonly ProtoMessage LocalSubjectAccessReview = new("LocalSubjectAccessReview",
        Msg(1, "metadata", ObjectMeta), Msg(2, "spec", SubjectAccessReviewSpec), Msg(3, "status", SubjectAccessReviewStatus));

    private static readonly ProtoMessage SelfSubjectAccessReview = new("SelfSubjectAccessReview",
        Msg(1, "metadata", ObjectMeta),
        Msg(2, "spec", new ProtoMessage("SelfSubjectAccessReviewSpec",
            Msg(1, "resourceAttributes", ResourceAttributes), Msg(2, "nonResourceAttributes", NonResourceAttributes))),
        Msg(3, "status", SubjectAccessReviewStatus));

    private static readonly ProtoMessage SelfSubjectRulesReview = new("SelfSubjectRulesReview",
        Msg(1, "metadata", ObjectMeta),
        Msg(2, "spec", new ProtoMessage("SelfSubjectRulesReviewSpec", Str(1, "namespace"))),
        Msg(3, "status", new ProtoMessage("SubjectRulesReviewStatus",
            Msgs(1, "resourceRules", new ProtoMessage("ResourceRule",
                Strs(1, "verbs"), Strs(2, "apiGroups"), Strs(3, "resources"), Strs(4, "resourceNames"))),
            Msgs(2, "nonResourceRules", new ProtoMessage("NonResourceRule", Strs(1, "verbs"), Strs(2, "nonResourceURLs"))),
            Keep(Bool(3, "incomplete")), Str(4, "evaluationError"))));

    /// <summary>The API group of DeleteOptions (it is also accepted under core v1, as the API server does).</summary>
    public const string MetaGroup = "meta.k8s.io";

    private static readonly Dictionary<(string Group, string Kind), ProtoMessage> ByKind = new()
    {
        [("", "Namespace")] = Namespace,
        [("", "ServiceAccount")] = ServiceAccount,
        [("", "Secret")] = Secret,
        [("", "ConfigMap")] = ConfigMap,
        [("apps", "Deployment")] = Deployment,
        [(ResourceType.Rbac, "Role")] = Role,
        [(ResourceType.Rbac, "ClusterRole")] = ClusterRole,
        [(ResourceType.Rbac, "RoleBinding")] = RoleBinding,
        [(ResourceType.Rbac, "ClusterRoleBinding")] = ClusterRoleBinding,
        [(ResourceType.Authentication, "TokenRequest")] = TokenRequest,
        [(ResourceType.Authentication, "TokenReview")] = TokenReview,
        [(ResourceType.Authentication, "SelfSubjectReview")] = SelfSubjectReview,
        [(ResourceType.Authorization, "SubjectAccessReview")] = SubjectAccessReview,
        [(ResourceType.Authorization, "LocalSubjectAccessReview")] = LocalSubjectAccessReview,
        [(ResourceType.Authorization, "SelfSubjectAccessReview")] = SelfSubjectAccessReview,
        [(ResourceType.Authorization, "SelfSubjectRulesReview")] = SelfSubjectRulesReview,
        [(MetaGroup, "DeleteOptions")] = DeleteOptions,
        [("", "DeleteOptions")] = DeleteOptions,
    };

    /// <summary>The message of a kind in an API group, or null when the server does not decode it from protobuf.</summary>
    public static ProtoMessage? Find(string group, string kind) => ByKind.GetValueOrDefault((group, kind));
}
