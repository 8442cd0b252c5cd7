using System.Text.Json.Serialization.Metadata;
using K8sServiceAccount.Client.Api;
using K8sServiceAccount.Client.Http;
using K8sServiceAccount.Client.Models;
using K8sServiceAccount.Client.Rbac;

namespace K8sServiceAccount.Client.Permissions;

/// <summary>
/// Create, get, list, replace and delete for Roles, ClusterRoles, RoleBindings and ClusterRoleBindings. Every object is
/// validated before it is sent (the API server's rules, K8S-SEMANTICS §1.9), so mistakes fail fast with the server's
/// wording and the field named. A 403 from escalation prevention becomes <see cref="PermissionErrors.EscalationForbidden"/>
/// saying what is missing (<c>escalate</c> on roles, or <c>bind</c> on the role), with the server's list of missing
/// permissions kept in the message.
/// </summary>
public sealed class RbacObjectOperations
{
    /// <summary>The field manager recorded for every write (the same as the module's other writes).</summary>
    public const string FieldManager = ApiPath.FieldManager;

    private const int ListPageSize = 500;

    private readonly IKubernetesTransport _transport;

    public RbacObjectOperations(IKubernetesTransport transport)
    {
        _transport = transport ?? throw new ArgumentNullException(nameof(transport));
    }

    // ---- Roles

    public Task<Role> CreateRoleAsync(Role role, CancellationToken cancellationToken = default)
    {
        var ns = RbacValidation.ValidateRole(role);
        return WriteAsync(HttpMethod.Post, Collection("roles", ns), role, KubeJsonContext.Default.Role, "Role", ns, role.Metadata.Name!, IsBinding: false, cancellationToken);
    }

    public Task<Role> ReplaceRoleAsync(Role role, CancellationToken cancellationToken = default)
    {
        var ns = RbacValidation.ValidateRole(role);
        return WriteAsync(HttpMethod.Put, Item("roles", ns, role.Metadata.Name!), role, KubeJsonContext.Default.Role, "Role", ns, role.Metadata.Name!, IsBinding: false, cancellationToken);
    }

    public Task<Role> GetRoleAsync(string @namespace, string name, CancellationToken cancellationToken = default)
        => _transport.GetAsync(Item("roles", RequireNamespace(@namespace), RequireName(name)), KubeJsonContext.Default.Role, cancellationToken);

    public Task<Role?> TryGetRoleAsync(string @namespace, string name, CancellationToken cancellationToken = default)
        => OrNull(GetRoleAsync(@namespace, name, cancellationToken));

    /// <summary>Roles of <paramref name="namespace"/>, or of every namespace when null.</summary>
    public Task<List<Role>> ListRolesAsync(string? @namespace, string? labelSelector = null, CancellationToken cancellationToken = default)
        => ListAsync(CollectionOrAll("roles", @namespace), labelSelector, KubeJsonContext.Default.RoleList, l => l.Items, l => l.Metadata, cancellationToken);

    public Task DeleteRoleAsync(string @namespace, string name, CancellationToken cancellationToken = default)
        => DeleteAsync(Item("roles", RequireNamespace(@namespace), RequireName(name)), new WrittenObject("Role", @namespace, name), cancellationToken);

    // ---- ClusterRoles

    public Task<ClusterRole> CreateClusterRoleAsync(ClusterRole role, CancellationToken cancellationToken = default)
    {
        RbacValidation.ValidateClusterRole(role);
        return WriteAsync(HttpMethod.Post, Collection("clusterroles", null), role, KubeJsonContext.Default.ClusterRole, "ClusterRole", "", role.Metadata.Name!, IsBinding: false, cancellationToken);
    }

    public Task<ClusterRole> ReplaceClusterRoleAsync(ClusterRole role, CancellationToken cancellationToken = default)
    {
        RbacValidation.ValidateClusterRole(role);
        return WriteAsync(HttpMethod.Put, Item("clusterroles", null, role.Metadata.Name!), role, KubeJsonContext.Default.ClusterRole, "ClusterRole", "", role.Metadata.Name!, IsBinding: false, cancellationToken);
    }

    public Task<ClusterRole> GetClusterRoleAsync(string name, CancellationToken cancellationToken = default)
        => _transport.GetAsync(Item("clusterroles", null, RequireName(name)), KubeJsonContext.Default.ClusterRole, cancellationToken);

    public Task<ClusterRole?> TryGetClusterRoleAsync(string name, CancellationToken cancellationToken = default)
        => OrNull(GetClusterRoleAsync(name, cancellationToken));

    public Task<List<ClusterRole>> ListClusterRolesAsync(string? labelSelector = null, CancellationToken cancellationToken = default)
        => ListAsync(Collection("clusterroles", null), labelSelector, KubeJsonContext.Default.ClusterRoleList, l => l.Items, l => l.Metadata, cancellationToken);

    public Task DeleteClusterRoleAsync(string name, CancellationToken cancellationToken = default)
        => DeleteAsync(Item("clusterroles", null, RequireName(name)), new WrittenObject("ClusterRole", null, name), cancellationToken);

    // ---- RoleBindings

    public Task<RoleBinding> CreateRoleBindingAsync(RoleBinding binding, CancellationToken cancellationToken = default)
    {
        var ns = RbacValidation.ValidateRoleBinding(binding);
        return WriteAsync(HttpMethod.Post, Collection("rolebindings", ns), binding, KubeJsonContext.Default.RoleBinding, "RoleBinding", ns, binding.Metadata.Name!, IsBinding: true, cancellationToken, binding.RoleRef);
    }

    public Task<RoleBinding> ReplaceRoleBindingAsync(RoleBinding binding, CancellationToken cancellationToken = default)
    {
        var ns = RbacValidation.ValidateRoleBinding(binding);
        return WriteAsync(HttpMethod.Put, Item("rolebindings", ns, binding.Metadata.Name!), binding, KubeJsonContext.Default.RoleBinding, "RoleBinding", ns, binding.Metadata.Name!, IsBinding: true, cancellationToken, binding.RoleRef);
    }

    public Task<RoleBinding> GetRoleBindingAsync(string @namespace, string name, CancellationToken cancellationToken = default)
        => _transport.GetAsync(Item("rolebindings", RequireNamespace(@namespace), RequireName(name)), KubeJsonContext.Default.RoleBinding, cancellationToken);

    public Task<RoleBinding?> TryGetRoleBindingAsync(string @namespace, string name, CancellationToken cancellationToken = default)
        => OrNull(GetRoleBindingAsync(@namespace, name, cancellationToken));

    /// <summary>RoleBindings of <paramref name="namespace"/>, or of every namespace when null.</summary>
    public Task<List<RoleBinding>> ListRoleBindingsAsync(string? @namespace, string? labelSelector = null, CancellationToken cancellationToken = default)
        => ListAsync(CollectionOrAll("rolebindings", @namespace), labelSelector, KubeJsonContext.Default.RoleBindingList, l => l.Items, l => l.Metadata, cancellationToken);

    public Task DeleteRoleBindingAsync(string @namespace, string name, CancellationToken cancellationToken = default)
        => DeleteAsync(Item("rolebindings", RequireNamespace(@namespace), RequireName(name)), new WrittenObject("RoleBinding", @namespace, name), cancellationToken);

    // ---- ClusterRoleBindings

    public Task<ClusterRoleBinding> CreateClusterRoleBindingAsync(ClusterRoleBinding binding, CancellationToken cancellationToken = default)
    {
        RbacValidation.ValidateClusterRoleBinding(binding);
        return WriteAsync(HttpMethod.Post, Collection("clusterrolebindings", null), binding, KubeJsonContext.Default.ClusterRoleBinding, "ClusterRoleBinding", "", binding.Metadata.Name!, IsBinding: true, cancellationToken, binding.RoleRef);
    }

    public Task<ClusterRoleBinding> ReplaceClusterRoleBindingAsync(ClusterRoleBinding binding, CancellationToken cancellationToken = default)
    {
        RbacValidation.ValidateClusterRoleBinding(binding);
        return WriteAsync(HttpMethod.Put, Item("clusterrolebindings", null, binding.Metadata.Name!), binding, KubeJsonContext.Default.ClusterRoleBinding, "ClusterRoleBinding", "", binding.Metadata.Name!, IsBinding: true, cancellationToken, binding.RoleRef);
    }

    public Task<ClusterRoleBinding> GetClusterRoleBindingAsync(string name, CancellationToken cancellationToken = default)
        => _transport.GetAsync(Item("clusterrolebindings", null, RequireName(name)), KubeJsonContext.Default.ClusterRoleBinding, cancellationToken);

    public Task<ClusterRoleBinding?> TryGetClusterRoleBindingAsync(string name, CancellationToken cancellationToken = default)
        => OrNull(GetClusterRoleBindingAsync(name, cancellationToken));

    public Task<List<ClusterRoleBinding>> ListClusterRoleBindingsAsync(string? labelSelector = null, CancellationToken cancellationToken = default)
        => ListAsync(Collection("clusterrolebindings", null), labelSelector, KubeJsonContext.Default.ClusterRoleBindingList, l => l.Items, l => l.Metadata, cancellationToken);

    public Task DeleteClusterRoleBindingAsync(string name, CancellationToken cancellationToken = default)
        => DeleteAsync(Item("clusterrolebindings", null, RequireName(name)), new WrittenObject("ClusterRoleBinding", null, name), cancellationToken);

    // ---- plumbing

    internal static string Collection(string resource, string? @namespace) => @namespace is null
        ? RbacSnapshot.RbacApiPrefix + resource
        : RbacSnapshot.RbacApiPrefix + "namespaces/" + Uri.EscapeDataString(@namespace) + "/" + resource;

    internal static string Item(string resource, string? @namespace, string name) => Collection(resource, @namespace) + "/" + Uri.EscapeDataString(name);

    private static string CollectionOrAll(string resource, string? @namespace) => Collection(resource, @namespace is null ? null : RequireNamespace(@namespace));

    private static string RequireNamespace(string @namespace)
    {
        if (string.IsNullOrEmpty(@namespace))
        {
            throw PermissionErrors.InvalidArgument("Namespace", "A namespace is required.");
        }
        return @namespace;
    }

    private static string RequireName(string name)
    {
        RbacValidation.ValidateName(name, "Name");
        return name;
    }

    private static async Task<T?> OrNull<T>(Task<T> get) where T : class
    {
        try
        {
            return await get.ConfigureAwait(false);
        }
        catch (KubernetesApiException ex) when (ex.IsNotFound)
        {
            return null;
        }
    }

    private async Task<T> WriteAsync<T>(
        HttpMethod method, string path, T body, JsonTypeInfo<T> type, string kind, string @namespace, string name, bool IsBinding,
        CancellationToken cancellationToken, RoleRef? roleRef = null)
        where T : class
    {
        try
        {
            var what = new WrittenObject(kind, @namespace.Length > 0 ? @namespace : null, name);
            if (method != HttpMethod.Post)
            {
                // A replace whose connection is lost after it was sent is reconciled with a read of the object.
                return await WriteOutcome.ReplaceAsync(
                    what,
                    body,
                    type,
                    () => _transport.SendAsync(method, ApiPath.ForWrite(path), body, type, type, cancellationToken),
                    () => _transport.GetAsync(path, type, cancellationToken)).ConfigureAwait(false);
            }

            // A create whose connection is lost after it was sent is reconciled with a read of the object (path + name).
            return await WriteOutcome.CreateAsync(
                what,
                body,
                type,
                () => _transport.SendAsync(method, ApiPath.ForWrite(path), body, type, type, cancellationToken),
                () => _transport.GetAsync(path + "/" + Uri.EscapeDataString(name), type, cancellationToken)).ConfigureAwait(false);
        }
        catch (KubernetesApiException ex) when (ex.IsForbidden && EscalationRefusal(ex) is { } refusal)
        {
            var target = @namespace.Length > 0 ? $"{kind} {@namespace}/{name}" : $"{kind} {name}";
            string need;
            if (refusal == Refusal.AggregationRule)
            {
                need = "an aggregationRule needs full cluster-admin authority or 'escalate' on clusterroles";
            }
            else if (IsBinding)
            {
                var roleResource = roleRef?.Kind == "Role" ? "roles" : "clusterroles";
                need = $"you do not hold every permission of {roleRef?.Kind} \"{roleRef?.Name}\" and lack 'bind' on {roleResource} \"{roleRef?.Name}\"" +
                    (@namespace.Length > 0 ? $" in namespace {@namespace}" : " at cluster scope");
            }
            else
            {
                var roleResource = kind == "Role" ? "roles" : "clusterroles";
                need = $"you do not hold every permission it grants and lack 'escalate' on {roleResource}" +
                    (@namespace.Length > 0 ? $" in namespace {@namespace}" : " at cluster scope");
            }
            throw new K8sClientException(PermissionErrors.EscalationForbidden, K8sErrorCategory.PermissionDenied,
                $"Writing {target} was refused by RBAC escalation prevention: {need}. The server said: {ex.Message}", ex) { Target = name };
        }
    }

    private enum Refusal
    {
        NotHeld,
        AggregationRule,
    }

    private static Refusal? EscalationRefusal(KubernetesApiException error)
    {
        var message = error.Message;
        if (message.Contains("attempting to grant RBAC permissions not currently held", StringComparison.Ordinal))
        {
            return Refusal.NotHeld;
        }
        if (message.Contains("must have cluster-admin privileges to use the aggregationRule", StringComparison.Ordinal))
        {
            return Refusal.AggregationRule;
        }
        return null;
    }

    // A delete whose connection is lost after it was sent is reconciled with a read (gone: done).
    private async Task DeleteAsync(string path, WrittenObject what, CancellationToken cancellationToken)
        => await WriteOutcome.DeleteAsync(
            what,
            () => _transport.SendAsync<object, Status>(HttpMethod.Delete, path, null, null, KubeJsonContext.Default.Status, cancellationToken),
            async () => (await _transport.GetAsync(path, KubeJsonContext.Default.PartialObjectMetadata, cancellationToken).ConfigureAwait(false)).Metadata).ConfigureAwait(false);

    private async Task<List<TItem>> ListAsync<TList, TItem>(
        string path, string? labelSelector, JsonTypeInfo<TList> listType, Func<TList, List<TItem>> items, Func<TList, ListMeta?> meta, CancellationToken cancellationToken)
    {
        var all = new List<TItem>();
        await foreach (var item in ListPager.ListAsync(_transport, path, labelSelector, null, ListPageSize, listType, items, meta, cancellationToken).ConfigureAwait(false))
        {
            all.Add(item);
        }
        return all;
    }
}

/// <summary>
/// The API server's validation of RBAC objects (K8S-SEMANTICS §1.9), applied client-side before sending. Messages use the
/// server's field paths and wording; the ErrorId names the parameter (InvalidName, InvalidRule, InvalidSubject, InvalidRoleRef).
/// </summary>
public static class RbacValidation
{
    /// <summary>Role/binding names follow path-segment rules only: not empty, not '.' or '..', no '/' or '%'.</summary>
    public static void ValidateName(string? name, string parameter = "Name")
    {
        if (string.IsNullOrEmpty(name))
        {
            throw PermissionErrors.InvalidArgument(parameter, "metadata.name: Required value: name or generateName is required");
        }
        if (Rbac.RbacValidation.PathSegmentProblems(name).FirstOrDefault() is { } problem)
        {
            throw PermissionErrors.InvalidArgument(parameter, $"metadata.name: Invalid value: {GoQuote.Quote(name)}: {problem}");
        }
    }

    /// <summary>Validates a Role and returns its namespace.</summary>
    public static string ValidateRole(Role role)
    {
        ArgumentNullException.ThrowIfNull(role);
        ValidateName(role.Metadata?.Name);
        var ns = role.Metadata!.Namespace;
        if (string.IsNullOrEmpty(ns))
        {
            throw PermissionErrors.InvalidArgument("Namespace", $"The Role \"{role.Metadata.Name}\" needs a namespace.");
        }
        ValidateRules(role.Rules, namespaced: true);
        return ns;
    }

    public static void ValidateClusterRole(ClusterRole role)
    {
        ArgumentNullException.ThrowIfNull(role);
        ValidateName(role.Metadata?.Name);
        if (role.AggregationRule is { } aggregation && (aggregation.ClusterRoleSelectors is null || aggregation.ClusterRoleSelectors.Count == 0))
        {
            throw PermissionErrors.InvalidArgument("AggregationRule",
                "aggregationRule.clusterRoleSelectors: Required value: at least one clusterRoleSelector required if aggregationRule is non-nil");
        }
        ValidateRules(role.Rules, namespaced: false);
    }

    /// <summary>Validates a RoleBinding and returns its namespace.</summary>
    public static string ValidateRoleBinding(RoleBinding binding)
    {
        ArgumentNullException.ThrowIfNull(binding);
        ValidateName(binding.Metadata?.Name);
        var ns = binding.Metadata!.Namespace;
        if (string.IsNullOrEmpty(ns))
        {
            throw PermissionErrors.InvalidArgument("Namespace", $"The RoleBinding \"{binding.Metadata.Name}\" needs a namespace.");
        }
        ValidateRoleRef(binding.RoleRef, allowRole: true);
        ValidateSubjects(binding.Subjects, clusterBinding: false);
        return ns;
    }

    public static void ValidateClusterRoleBinding(ClusterRoleBinding binding)
    {
        ArgumentNullException.ThrowIfNull(binding);
        ValidateName(binding.Metadata?.Name);
        ValidateRoleRef(binding.RoleRef, allowRole: false);
        ValidateSubjects(binding.Subjects, clusterBinding: true);
    }

    /// <summary>The server's PolicyRule validation (Rbac.RbacValidation's rules); throws the first error.</summary>
    public static void ValidateRules(IReadOnlyList<PolicyRule>? rules, bool namespaced)
    {
        var errors = new List<FieldError>();
        Rbac.RbacValidation.ValidateRules(rules, namespaced, errors);
        if (errors.Count > 0)
        {
            throw PermissionErrors.InvalidArgument("Rule", errors[0].Message);
        }
    }

    private static void ValidateRoleRef(RoleRef? roleRef, bool allowRole)
    {
        if (roleRef is null || string.IsNullOrEmpty(roleRef.Name))
        {
            throw PermissionErrors.InvalidArgument("RoleRef", "roleRef.name: Required value");
        }
        roleRef.ApiGroup = string.IsNullOrEmpty(roleRef.ApiGroup) ? EscalationCheck.RbacApiGroup : roleRef.ApiGroup;
        if (roleRef.ApiGroup != EscalationCheck.RbacApiGroup)
        {
            throw PermissionErrors.InvalidArgument("RoleRef", $"roleRef.apiGroup: Unsupported value: \"{roleRef.ApiGroup}\": supported values: \"{EscalationCheck.RbacApiGroup}\"");
        }
        var supported = allowRole ? "\"ClusterRole\", \"Role\"" : "\"ClusterRole\"";
        if (roleRef.Kind != "ClusterRole" && !(allowRole && roleRef.Kind == "Role"))
        {
            throw PermissionErrors.InvalidArgument("RoleRef", $"roleRef.kind: Unsupported value: \"{roleRef.Kind}\": supported values: {supported}");
        }
        ValidateName(roleRef.Name, "RoleRef");
    }

    private static void ValidateSubjects(List<Subject>? subjects, bool clusterBinding)
    {
        for (var i = 0; i < (subjects?.Count ?? 0); i++)
        {
            var subject = subjects![i];
            var field = $"subjects[{i}]";
            if (string.IsNullOrEmpty(subject.Name))
            {
                throw PermissionErrors.InvalidArgument("Subject", $"{field}.name: Required value");
            }
            switch (subject.Kind)
            {
                case SubjectKinds.ServiceAccount:
                    if (!string.IsNullOrEmpty(subject.ApiGroup))
                    {
                        throw PermissionErrors.InvalidArgument("Subject", $"{field}.apiGroup: Unsupported value: \"{subject.ApiGroup}\": supported values: \"\"");
                    }
                    if (!NameValidation.IsDns1123Subdomain(subject.Name))
                    {
                        throw PermissionErrors.InvalidArgument("Subject", $"{field}.name: Invalid value: \"{subject.Name}\": a ServiceAccount name must be a lowercase RFC 1123 subdomain");
                    }
                    if (clusterBinding && string.IsNullOrEmpty(subject.Namespace))
                    {
                        throw PermissionErrors.InvalidArgument("Subject", $"{field}.namespace: Required value");
                    }
                    break;
                case SubjectKinds.User:
                case SubjectKinds.Group:
                    subject.ApiGroup = string.IsNullOrEmpty(subject.ApiGroup) ? EscalationCheck.RbacApiGroup : subject.ApiGroup;
                    if (subject.ApiGroup != EscalationCheck.RbacApiGroup)
                    {
                        throw PermissionErrors.InvalidArgument("Subject", $"{field}.apiGroup: Unsupported value: \"{subject.ApiGroup}\": supported values: \"{EscalationCheck.RbacApiGroup}\"");
                    }
                    break;
                default:
                    throw PermissionErrors.InvalidArgument("Subject", $"{field}.kind: Unsupported value: \"{subject.Kind}\": supported values: \"ServiceAccount\", \"User\", \"Group\"");
            }
        }
    }
}
