using System.Text;
using System.Text.Json.Nodes;
using K8sServiceAccount.Client.Rbac;
using K8sServiceAccount.LocalApiServer.Store;

namespace K8sServiceAccount.LocalApiServer.Api;

/// <summary>
/// What happens to an object between decoding and storage: namespace lifecycle, defaulting, validation
/// with the real field-error messages, ServiceAccount admission for Pods, and RBAC escalation prevention.
/// </summary>
public sealed class Admission
{
    public const string ServiceAccountTokenType = "kubernetes.io/service-account-token";
    public const string ServiceAccountNameAnnotation = "kubernetes.io/service-account.name";
    public const string ServiceAccountUidAnnotation = "kubernetes.io/service-account.uid";
    public const string ServiceAccountMountPath = "/var/run/secrets/kubernetes.io/serviceaccount";
    public const string RootCaConfigMap = "kube-root-ca.crt";

    private readonly ServerContext _context;

    public Admission(ServerContext context)
    {
        _context = context;
    }

    public void AdmitCreate(ResourceType type, JsonObject obj, string ns, UserInfo user)
    {
        JsonObject metadata = obj["metadata"]!.AsObject();
        string name = HttpIo.Str(metadata["name"]);
        if (type.Namespaced) CheckNamespaceAcceptsContent(type, ns, name);
        Default(type, obj);
        if (type == ResourceType.Pods) AdmitPod(obj, ns, name);
        if (type == ResourceType.Pods || Workloads.IsWorkload(type)) Workloads.Default(type, obj);
        var errors = ValidateName(type, metadata);
        errors.AddRange(ValidateFields(type, obj));
        if (errors.Count > 0) throw ApiError.Invalid(type.Kind, type.Group, name, errors);
        if (IsRbacType(type)) _context.Authorizer.ConfirmNoEscalation(type, obj, null, ns, user);
    }

    public void AdmitUpdate(ResourceType type, JsonObject current, JsonObject updated, string ns, UserInfo user)
    {
        string name = HttpIo.Str(updated["metadata"]?["name"]);
        Default(type, updated);
        if (type == ResourceType.Pods || Workloads.IsWorkload(type))
        {
            Workloads.Default(type, updated);
            if (type != ResourceType.Pods) Workloads.NextGeneration(current, updated);
        }
        var errors = ValidateFields(type, updated);
        if (type == ResourceType.RoleBindings || type == ResourceType.ClusterRoleBindings)
        {
            if (!JsonNode.DeepEquals(current["roleRef"], updated["roleRef"]))
            {
                errors.Add(FieldError.InvalidValue("roleRef", RenderRoleRef(updated["roleRef"]), "cannot change roleRef"));
            }
        }
        if (type == ResourceType.Secrets && HttpIo.Str(current["type"]) != HttpIo.Str(updated["type"]))
        {
            errors.Add(FieldError.InvalidValue("type", HttpIo.Str(updated["type"]), "field is immutable"));
        }
        if (type == ResourceType.Namespaces && current["metadata"]?["deletionTimestamp"] is not null)
        {
            updated["metadata"]!["deletionTimestamp"] = current["metadata"]!["deletionTimestamp"]!.DeepClone();
        }
        if (errors.Count > 0) throw ApiError.Invalid(type.Kind, type.Group, name, errors);
        if (IsRbacType(type) && !OnlyGarbageCollectionFieldsChanged(current, updated))
        {
            _context.Authorizer.ConfirmNoEscalation(type, updated, current, ns, user);
        }
    }

    private static bool IsRbacType(ResourceType type) => type.Group == ResourceType.Rbac;

    private static bool OnlyGarbageCollectionFieldsChanged(JsonObject current, JsonObject updated)
    {
        static JsonObject Strip(JsonObject o)
        {
            var copy = (JsonObject)o.DeepClone();
            if (copy["metadata"] is JsonObject m)
            {
                foreach (string key in new[] { "ownerReferences", "finalizers", "resourceVersion", "managedFields" }) m.Remove(key);
            }
            return copy;
        }
        return JsonNode.DeepEquals(Strip(current), Strip(updated));
    }

    private static string RenderRoleRef(JsonNode? roleRef) =>
        $"rbac.RoleRef{{APIGroup:\"{HttpIo.Str(roleRef?["apiGroup"])}\", Kind:\"{HttpIo.Str(roleRef?["kind"])}\", Name:\"{HttpIo.Str(roleRef?["name"])}\"}}";

    private void CheckNamespaceAcceptsContent(ResourceType type, string ns, string name)
    {
        StoredObject? namespaceObject = _context.Store.Get(ResourceType.Namespaces, "", ns);
        if (namespaceObject is null) throw ApiError.NotFound(ResourceType.Namespaces, ns);
        if (namespaceObject.ToNode()["metadata"]?["deletionTimestamp"] is not null)
        {
            throw new ApiError(403, "Forbidden", $"{type.QualifiedResource} \"{name}\" is forbidden: unable to create new content in namespace {ns} because it is being terminated")
            {
                DetailName = name, DetailGroup = type.Group, DetailKind = type.Resource,
            };
        }
    }

    private static void Default(ResourceType type, JsonObject obj)
    {
        if (type == ResourceType.Namespaces)
        {
            string name = HttpIo.Str(obj["metadata"]?["name"]);
            JsonObject metadata = obj["metadata"]!.AsObject();
            var labels = metadata["labels"] as JsonObject ?? new JsonObject();
            if (name.Length > 0) labels["kubernetes.io/metadata.name"] = name;
            metadata["labels"] = labels;
            obj["spec"] ??= new JsonObject { ["finalizers"] = new JsonArray("kubernetes") };
            if (obj["metadata"]?["deletionTimestamp"] is null) obj["status"] = new JsonObject { ["phase"] = "Active" };
        }
        else if (type == ResourceType.Secrets)
        {
            // stringData is write-only: merged into data (base64) and never stored.
            if (obj["stringData"] is JsonObject stringData)
            {
                var data = obj["data"] as JsonObject ?? new JsonObject();
                foreach (var (key, value) in stringData)
                {
                    data[key] = Convert.ToBase64String(Encoding.UTF8.GetBytes(HttpIo.Str(value)));
                }
                obj["data"] = data;
                obj.Remove("stringData");
            }
            if (HttpIo.Str(obj["type"]).Length == 0) obj["type"] = "Opaque";
        }
        else if (type == ResourceType.RoleBindings || type == ResourceType.ClusterRoleBindings)
        {
            if (obj["roleRef"] is JsonObject roleRef && HttpIo.Str(roleRef["apiGroup"]).Length == 0) roleRef["apiGroup"] = ResourceType.Rbac;
            if (obj["subjects"] is JsonArray subjects)
            {
                foreach (JsonObject subject in subjects.OfType<JsonObject>())
                {
                    if (HttpIo.Str(subject["kind"]) is "User" or "Group" && HttpIo.Str(subject["apiGroup"]).Length == 0)
                    {
                        subject["apiGroup"] = ResourceType.Rbac;
                    }
                }
            }
        }
    }

    private static List<FieldError> ValidateName(ResourceType type, JsonObject metadata)
    {
        string name = HttpIo.Str(metadata["name"]);
        if (name.Length == 0)
        {
            return [FieldError.RequiredValue("metadata.name", "name or generateName is required")];
        }
        List<string> problems = type == ResourceType.Namespaces ? NameValidation.Label(name)
            : type.Group == ResourceType.Rbac ? NameValidation.PathSegment(name)
            : NameValidation.Subdomain(name);
        return problems.Select(p => FieldError.InvalidValue("metadata.name", name, p)).ToList();
    }

    private static List<FieldError> ValidateFields(ResourceType type, JsonObject obj)
    {
        var errors = new List<FieldError>();
        if (type == ResourceType.Roles || type == ResourceType.ClusterRoles)
        {
            ValidateRules(obj["rules"] as JsonArray, namespaced: type == ResourceType.Roles, errors);
            if (type == ResourceType.ClusterRoles && obj["aggregationRule"] is JsonObject aggregation &&
                (aggregation["clusterRoleSelectors"] as JsonArray)?.Count is null or 0)
            {
                errors.Add(FieldError.RequiredValue("aggregationRule.clusterRoleSelectors",
                    "at least one clusterRoleSelector required if aggregationRule is non-nil"));
            }
        }
        else if (type == ResourceType.RoleBindings || type == ResourceType.ClusterRoleBindings)
        {
            ValidateBinding(obj, clusterScoped: type == ResourceType.ClusterRoleBindings, errors);
        }
        else if (type == ResourceType.Secrets && HttpIo.Str(obj["type"]) == ServiceAccountTokenType)
        {
            if (HttpIo.Str(obj["metadata"]?["annotations"]?[ServiceAccountNameAnnotation]).Length == 0)
            {
                errors.Add(FieldError.RequiredValue($"metadata.annotations[{ServiceAccountNameAnnotation}]"));
            }
        }
        else if (type == ResourceType.Pods || Workloads.IsWorkload(type))
        {
            Workloads.Validate(type, obj, errors);
        }
        return errors;
    }

    private static void ValidateRules(JsonArray? rules, bool namespaced, List<FieldError> errors)
    {
        if (rules is null) return;
        for (int i = 0; i < rules.Count; i++)
        {
            string path = $"rules[{i}]";
            if (rules[i] is not JsonObject rule)
            {
                errors.Add(FieldError.RequiredValue(path));
                continue;
            }
            int Count(string key) => (rule[key] as JsonArray)?.Count ?? 0;
            if (Count("verbs") == 0) errors.Add(FieldError.RequiredValue($"{path}.verbs", "verbs must contain at least one value"));
            if (Count("nonResourceURLs") > 0)
            {
                string urls = RenderList(rule["nonResourceURLs"]);
                if (namespaced)
                {
                    errors.Add(FieldError.InvalidValue($"{path}.nonResourceURLs", urls, "namespaced rules cannot apply to non-resource URLs"));
                }
                if (Count("apiGroups") > 0 || Count("resources") > 0 || Count("resourceNames") > 0)
                {
                    errors.Add(FieldError.InvalidValue($"{path}.nonResourceURLs", urls, "rules cannot apply to both regular resources and non-resource URLs"));
                }
                continue;
            }
            if (Count("apiGroups") == 0) errors.Add(FieldError.RequiredValue($"{path}.apiGroups", "resource rules must supply at least one api group"));
            if (Count("resources") == 0) errors.Add(FieldError.RequiredValue($"{path}.resources", "resource rules must supply at least one resource"));
        }
    }

    private static string RenderList(JsonNode? list) =>
        "[" + string.Join(" ", (list as JsonArray ?? []).Select(n => HttpIo.Str(n))) + "]";

    private static void ValidateBinding(JsonObject obj, bool clusterScoped, List<FieldError> errors)
    {
        JsonObject roleRef = obj["roleRef"] as JsonObject ?? new JsonObject();
        string apiGroup = HttpIo.Str(roleRef["apiGroup"]);
        if (apiGroup != ResourceType.Rbac) errors.Add(FieldError.Unsupported("roleRef.apiGroup", apiGroup, ResourceType.Rbac));
        string kind = HttpIo.Str(roleRef["kind"]);
        if (clusterScoped && kind != "ClusterRole") errors.Add(FieldError.Unsupported("roleRef.kind", kind, "ClusterRole"));
        if (!clusterScoped && kind is not ("Role" or "ClusterRole")) errors.Add(FieldError.Unsupported("roleRef.kind", kind, "Role", "ClusterRole"));
        string roleName = HttpIo.Str(roleRef["name"]);
        if (roleName.Length == 0) errors.Add(FieldError.RequiredValue("roleRef.name"));
        else foreach (string problem in NameValidation.PathSegment(roleName)) errors.Add(FieldError.InvalidValue("roleRef.name", roleName, problem));

        if (obj["subjects"] is not JsonArray subjects) return;
        for (int i = 0; i < subjects.Count; i++)
        {
            string path = $"subjects[{i}]";
            JsonObject subject = subjects[i] as JsonObject ?? new JsonObject();
            string name = HttpIo.Str(subject["name"]);
            string subjectGroup = HttpIo.Str(subject["apiGroup"]);
            if (name.Length == 0) errors.Add(FieldError.RequiredValue($"{path}.name"));
            switch (HttpIo.Str(subject["kind"]))
            {
                case "ServiceAccount":
                    if (name.Length > 0)
                    {
                        foreach (string problem in NameValidation.Subdomain(name)) errors.Add(FieldError.InvalidValue($"{path}.name", name, problem));
                    }
                    if (subjectGroup.Length > 0) errors.Add(FieldError.Unsupported($"{path}.apiGroup", subjectGroup, ""));
                    if (clusterScoped && HttpIo.Str(subject["namespace"]).Length == 0) errors.Add(FieldError.RequiredValue($"{path}.namespace"));
                    break;
                case "User":
                case "Group":
                    if (subjectGroup != ResourceType.Rbac) errors.Add(FieldError.Unsupported($"{path}.apiGroup", subjectGroup, ResourceType.Rbac));
                    break;
                default:
                    errors.Add(FieldError.Unsupported($"{path}.kind", HttpIo.Str(subject["kind"]), "ServiceAccount", "User", "Group"));
                    break;
            }
        }
    }

    /// <summary>ServiceAccount admission (plugin/pkg/admission/serviceaccount) for a new Pod.</summary>
    private void AdmitPod(JsonObject pod, string ns, string podName)
    {
        JsonObject metadata = pod["metadata"]!.AsObject();
        if (metadata["annotations"]?["kubernetes.io/config.mirror"] is not null) return;
        var spec = pod["spec"] as JsonObject ?? new JsonObject();
        pod["spec"] = spec;
        string serviceAccountName = HttpIo.Str(spec["serviceAccountName"]);
        if (serviceAccountName.Length == 0) serviceAccountName = HttpIo.Str(spec["serviceAccount"]);
        if (serviceAccountName.Length == 0) serviceAccountName = "default";
        spec["serviceAccountName"] = serviceAccountName;
        spec["serviceAccount"] = serviceAccountName;

        StoredObject? stored = _context.Store.Get(ResourceType.ServiceAccounts, ns, serviceAccountName);
        if (stored is null)
        {
            throw new ApiError(403, "Forbidden",
                $"pods \"{podName}\" is forbidden: error looking up service account {ns}/{serviceAccountName}: serviceaccount \"{serviceAccountName}\" not found")
            {
                DetailName = podName, DetailKind = "pods",
            };
        }
        JsonObject serviceAccount = stored.ToNode();

        if ((spec["imagePullSecrets"] as JsonArray)?.Count is null or 0 && serviceAccount["imagePullSecrets"] is JsonArray pullSecrets && pullSecrets.Count > 0)
        {
            spec["imagePullSecrets"] = pullSecrets.DeepClone();
        }

        bool automount = spec["automountServiceAccountToken"] is JsonValue podValue && podValue.TryGetValue(out bool podAutomount)
            ? podAutomount
            : serviceAccount["automountServiceAccountToken"] is not JsonValue saValue || !saValue.TryGetValue(out bool saAutomount) || saAutomount;
        if (automount) MountServiceAccountToken(spec);

        pod["status"] = new JsonObject { ["phase"] = "Pending", ["qosClass"] = "BestEffort" };
    }

    private static void MountServiceAccountToken(JsonObject spec)
    {
        var volumes = spec["volumes"] as JsonArray ?? new JsonArray();
        string volumeName = "kube-api-access-" + RestHandler.RandomSuffix(5);
        bool mounted = false;
        foreach (string listName in new[] { "initContainers", "containers" })
        {
            if (spec[listName] is not JsonArray containers) continue;
            foreach (JsonObject container in containers.OfType<JsonObject>())
            {
                var mounts = container["volumeMounts"] as JsonArray ?? new JsonArray();
                if (mounts.OfType<JsonObject>().Any(m => HttpIo.Str(m["mountPath"]) == ServiceAccountMountPath)) continue;
                mounts.Add(new JsonObject
                {
                    ["name"] = volumeName,
                    ["readOnly"] = true,
                    ["mountPath"] = ServiceAccountMountPath,
                });
                container["volumeMounts"] = mounts;
                mounted = true;
            }
        }
        if (!mounted) return;
        volumes.Add(new JsonObject
        {
            ["name"] = volumeName,
            ["projected"] = new JsonObject
            {
                ["sources"] = new JsonArray
                {
                    new JsonObject { ["serviceAccountToken"] = new JsonObject { ["expirationSeconds"] = 3607, ["path"] = "token" } },
                    new JsonObject
                    {
                        ["configMap"] = new JsonObject
                        {
                            ["name"] = RootCaConfigMap,
                            ["items"] = new JsonArray(new JsonObject { ["key"] = "ca.crt", ["path"] = "ca.crt" }),
                        },
                    },
                    new JsonObject
                    {
                        ["downwardAPI"] = new JsonObject
                        {
                            ["items"] = new JsonArray(new JsonObject
                            {
                                ["path"] = "namespace",
                                ["fieldRef"] = new JsonObject { ["apiVersion"] = "v1", ["fieldPath"] = "metadata.namespace" },
                            }),
                        },
                    },
                },
                ["defaultMode"] = 420,
            },
        });
        spec["volumes"] = volumes;
    }
}
