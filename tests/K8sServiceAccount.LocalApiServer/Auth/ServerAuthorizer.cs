using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using K8sServiceAccount.Client.Models;
using K8sServiceAccount.Client.Rbac;
using K8sServiceAccount.LocalApiServer.Api;
using K8sServiceAccount.LocalApiServer.Store;

namespace K8sServiceAccount.LocalApiServer.Auth;

/// <summary>
/// The server's authorizer chain: members of system:masters are allowed everything (the privileged-group
/// authorizer runs before RBAC in kube-apiserver); everyone else is judged by the client library's RBAC
/// engine over the stored Roles, ClusterRoles and bindings. The engine's view of the policy is rebuilt
/// only when one of those four resources changed, so a request costs one version check plus the evaluation.
/// </summary>
public sealed class ServerAuthorizer
{
    public const string Masters = ServiceAccountIdentity.MastersGroup;

    private readonly ObjectStore _store;
    private readonly object _rebuildGate = new();
    private volatile PolicyView? _view;

    public ServerAuthorizer(ObjectStore store)
    {
        _store = store;
    }

    private sealed record PolicyView(long Version, RbacAuthorizer Authorizer);

    public static bool IsMaster(UserInfo user) => user.IsInGroup(Masters);

    /// <summary>The RBAC engine over the current policy.</summary>
    public RbacAuthorizer Rbac
    {
        get
        {
            long version = PolicyVersion();
            PolicyView? view = _view;
            if (view is not null && view.Version == version) return view.Authorizer;
            lock (_rebuildGate)
            {
                view = _view;
                version = PolicyVersion();
                if (view is not null && view.Version == version) return view.Authorizer;
                view = new PolicyView(version, new RbacAuthorizer(LoadPolicy()));
                _view = view;
                return view.Authorizer;
            }
        }
    }

    // Sums of monotonic counters only grow, so equal sums mean no RBAC object changed.
    private long PolicyVersion() =>
        _store.LastChange(ResourceType.ClusterRoles) + _store.LastChange(ResourceType.ClusterRoleBindings) +
        _store.LastChange(ResourceType.Roles) + _store.LastChange(ResourceType.RoleBindings);

    private InMemoryRbacPolicy LoadPolicy() => new(
        Load(ResourceType.ClusterRoles, KubeJsonContext.Default.ClusterRole),
        Load(ResourceType.ClusterRoleBindings, KubeJsonContext.Default.ClusterRoleBinding),
        Load(ResourceType.Roles, KubeJsonContext.Default.Role),
        Load(ResourceType.RoleBindings, KubeJsonContext.Default.RoleBinding));

    private List<T> Load<T>(ResourceType type, JsonTypeInfo<T> typeInfo)
    {
        var result = new List<T>();
        foreach (StoredObject item in _store.List(type, null).Items)
        {
            try
            {
                if (JsonSerializer.Deserialize(item.Json, typeInfo) is { } typed) result.Add(typed);
            }
            catch (JsonException)
            {
                // Admission rejects malformed RBAC objects, so this cannot hold a usable rule anyway.
            }
        }
        return result;
    }

    public AuthorizationResult Authorize(AccessRequest request) =>
        IsMaster(request.User) ? new AuthorizationResult(true, "", null) : Rbac.Authorize(request);

    /// <summary>SelfSubjectRulesReview: each applying PolicyRule as a resource or non-resource rule.</summary>
    public RulesReviewResult RulesFor(UserInfo user, string ns)
    {
        RuleResolution resolution = Rbac.RulesFor(user, ns);
        var resourceRules = new JsonArray();
        var nonResourceRules = new JsonArray();
        foreach (PolicyRule rule in resolution.Rules)
        {
            if (rule.NonResourceURLs is { Count: > 0 })
            {
                nonResourceRules.Add(new JsonObject { ["verbs"] = Strings(rule.Verbs), ["nonResourceURLs"] = Strings(rule.NonResourceURLs) });
                continue;
            }
            var entry = new JsonObject { ["verbs"] = Strings(rule.Verbs) };
            if (rule.ApiGroups is { Count: > 0 }) entry["apiGroups"] = Strings(rule.ApiGroups);
            if (rule.Resources is { Count: > 0 }) entry["resources"] = Strings(rule.Resources);
            if (rule.ResourceNames is { Count: > 0 }) entry["resourceNames"] = Strings(rule.ResourceNames);
            resourceRules.Add(entry);
        }
        return new RulesReviewResult(resourceRules, nonResourceRules, resolution.EvaluationError);
    }

    private static JsonArray Strings(IEnumerable<string>? values) =>
        new((values ?? []).Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());

    /// <summary>Escalation prevention for role and binding writes (§1.8); throws the API server's 403 or 404.</summary>
    public void ConfirmNoEscalation(ResourceType type, JsonObject obj, JsonObject? previous, string ns, UserInfo user)
    {
        if (IsMaster(user)) return;
        string name = HttpIo.Str(obj["metadata"]?["name"]);
        EscalationDecision decision;
        if (type == ResourceType.Roles || type == ResourceType.ClusterRoles)
        {
            List<PolicyRule> rules = Deserialize(obj, type, KubeJsonContext.Default.ClusterRole).Rules ?? [];
            bool aggregation = type == ResourceType.ClusterRoles &&
                (obj["aggregationRule"] is not null || previous?["aggregationRule"] is not null);
            string requestName = previous is null ? "" : name;
            decision = EscalationCheck.CheckRoleWrite(Rbac, user, type.Kind, ns, name, requestName, rules, aggregation);
        }
        else
        {
            RoleRef roleRef = Deserialize(obj, type, KubeJsonContext.Default.RoleBinding).RoleRef;
            decision = EscalationCheck.CheckBindingWrite(Rbac, user, type.Kind, ns, name, roleRef);
        }
        if (decision.Allowed) return;
        if (decision.NotFound is (string resource, string missingName))
        {
            ResourceType missingType = resource == "roles" ? ResourceType.Roles : ResourceType.ClusterRoles;
            throw ApiError.NotFound(missingType, missingName);
        }
        throw new ApiError(403, "Forbidden", decision.Message ?? $"{type.QualifiedResource} \"{name}\" is forbidden")
        {
            DetailName = name, DetailGroup = type.Group, DetailKind = type.Resource,
        };
    }

    private static T Deserialize<T>(JsonObject obj, ResourceType type, JsonTypeInfo<T> typeInfo)
    {
        try
        {
            return obj.Deserialize(typeInfo) ?? throw ApiError.BadRequest($"{type.Kind} in version \"v1\" cannot be handled as a {type.Kind}: null object");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw ApiError.BadRequest($"{type.Kind} in version \"v1\" cannot be handled as a {type.Kind}: {e.Message}");
        }
    }

    /// <summary>
    /// The ClusterRole aggregation controller: every ClusterRole with an aggregationRule gets the rules of
    /// the ClusterRoles its selectors match (replacing its own), whenever any ClusterRole changes.
    /// </summary>
    public void Aggregate(ObjectStore store)
    {
        var all = Load(ResourceType.ClusterRoles, KubeJsonContext.Default.ClusterRole);
        foreach (ClusterRole role in all)
        {
            if (role.AggregationRule is null) continue;
            IReadOnlyList<PolicyRule> rules = ClusterRoleAggregation.Aggregate(role, all);
            JsonNode desired = JsonSerializer.SerializeToNode(rules.ToList(), ServerJsonContext.Default.ListPolicyRule) ?? new JsonArray();
            string name = role.Metadata.Name ?? "";
            try
            {
                store.Update(ResourceType.ClusterRoles, "", name, node =>
                {
                    if (JsonNode.DeepEquals(node["rules"] ?? new JsonArray(), desired)) return null;
                    node["rules"] = desired.DeepClone();
                    node["metadata"]!.AsObject().Remove("resourceVersion");
                    return node;
                });
            }
            catch (ApiError e) when (e.Code == 404)
            {
                // Deleted meanwhile.
            }
        }
    }
}
