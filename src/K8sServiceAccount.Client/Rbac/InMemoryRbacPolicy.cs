using K8sServiceAccount.Client.Models;

namespace K8sServiceAccount.Client.Rbac;

/// <summary>
/// An <see cref="IRbacPolicy"/> held in memory: roles indexed by name, RoleBindings indexed by namespace, bindings
/// returned in name order so that evaluation (and the binding named in an allow reason) is deterministic.
/// Adding an object with the name of an existing one replaces it. Reads are lock-free and may run concurrently with writes;
/// objects are stored by reference, so do not mutate them after adding them.
/// </summary>
public sealed class InMemoryRbacPolicy : IRbacPolicy
{
    private readonly object _gate = new();
    private readonly Dictionary<string, ClusterRole> _clusterRoles = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ClusterRoleBinding> _clusterRoleBindings = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Namespace, string Name), Role> _roles = new();
    private readonly Dictionary<(string Namespace, string Name), RoleBinding> _roleBindings = new();
    private volatile Snapshot? _snapshot;

    /// <summary>An empty policy.</summary>
    public InMemoryRbacPolicy()
    {
    }

    /// <summary>A policy holding the given objects (later objects replace earlier ones with the same name).</summary>
    /// <exception cref="ArgumentException">An object has no name, or a Role or RoleBinding has no namespace.</exception>
    public InMemoryRbacPolicy(
        IEnumerable<ClusterRole>? clusterRoles = null,
        IEnumerable<ClusterRoleBinding>? clusterRoleBindings = null,
        IEnumerable<Role>? roles = null,
        IEnumerable<RoleBinding>? roleBindings = null)
    {
        foreach (var item in clusterRoles ?? []) Add(item);
        foreach (var item in clusterRoleBindings ?? []) Add(item);
        foreach (var item in roles ?? []) Add(item);
        foreach (var item in roleBindings ?? []) Add(item);
    }

    /// <summary>A policy holding the default (bootstrap) ClusterRoles and ClusterRoleBindings of a new cluster.</summary>
    public static InMemoryRbacPolicy WithBootstrapPolicy()
        => new(BootstrapPolicy.ClusterRoles, BootstrapPolicy.ClusterRoleBindings);

    public IEnumerable<ClusterRoleBinding> ClusterRoleBindings => CurrentSnapshot().ClusterRoleBindings;

    /// <summary>All ClusterRoles, in name order.</summary>
    public IReadOnlyList<ClusterRole> ClusterRoles => CurrentSnapshot().ClusterRoles;

    /// <summary>All Roles, ordered by namespace then name.</summary>
    public IReadOnlyList<Role> Roles => CurrentSnapshot().Roles;

    /// <summary>All RoleBindings, ordered by namespace then name.</summary>
    public IReadOnlyList<RoleBinding> RoleBindings => CurrentSnapshot().RoleBindings;

    public IEnumerable<RoleBinding> RoleBindingsIn(string @namespace)
        => CurrentSnapshot().RoleBindingsByNamespace.TryGetValue(@namespace ?? "", out var bindings) ? bindings : [];

    public ClusterRole? GetClusterRole(string name)
        => CurrentSnapshot().ClusterRolesByName.GetValueOrDefault(name);

    public Role? GetRole(string @namespace, string name)
        => CurrentSnapshot().RolesByKey.GetValueOrDefault((@namespace, name));

    /// <summary>Adds or replaces a ClusterRole (by name).</summary>
    public void Add(ClusterRole clusterRole)
    {
        var name = RequireName(clusterRole?.Metadata, "ClusterRole");
        Write(() => _clusterRoles[name] = clusterRole!);
    }

    /// <summary>Adds or replaces a ClusterRoleBinding (by name).</summary>
    public void Add(ClusterRoleBinding binding)
    {
        var name = RequireName(binding?.Metadata, "ClusterRoleBinding");
        Write(() => _clusterRoleBindings[name] = binding!);
    }

    /// <summary>Adds or replaces a Role (by namespace and name).</summary>
    public void Add(Role role)
    {
        var name = RequireName(role?.Metadata, "Role");
        var ns = RequireNamespace(role!.Metadata, "Role", name);
        Write(() => _roles[(ns, name)] = role);
    }

    /// <summary>Adds or replaces a RoleBinding (by namespace and name).</summary>
    public void Add(RoleBinding binding)
    {
        var name = RequireName(binding?.Metadata, "RoleBinding");
        var ns = RequireNamespace(binding!.Metadata, "RoleBinding", name);
        Write(() => _roleBindings[(ns, name)] = binding);
    }

    /// <summary>Removes a ClusterRole; false when there was none.</summary>
    public bool RemoveClusterRole(string name) => Write(() => _clusterRoles.Remove(name));

    /// <summary>Removes a ClusterRoleBinding; false when there was none.</summary>
    public bool RemoveClusterRoleBinding(string name) => Write(() => _clusterRoleBindings.Remove(name));

    /// <summary>Removes a Role; false when there was none.</summary>
    public bool RemoveRole(string @namespace, string name) => Write(() => _roles.Remove((@namespace, name)));

    /// <summary>Removes a RoleBinding; false when there was none.</summary>
    public bool RemoveRoleBinding(string @namespace, string name) => Write(() => _roleBindings.Remove((@namespace, name)));

    private static string RequireName(ObjectMeta? metadata, string kind)
    {
        var name = metadata?.Name;
        if (string.IsNullOrEmpty(name))
        {
            throw new ArgumentException($"The {kind} has no metadata.name.", kind);
        }
        return name;
    }

    private static string RequireNamespace(ObjectMeta metadata, string kind, string name)
    {
        if (string.IsNullOrEmpty(metadata.Namespace))
        {
            throw new ArgumentException($"The {kind} \"{name}\" has no metadata.namespace.", kind);
        }
        return metadata.Namespace;
    }

    private void Write(Action change) => Write(() => { change(); return true; });

    private bool Write(Func<bool> change)
    {
        lock (_gate)
        {
            var changed = change();
            _snapshot = null;
            return changed;
        }
    }

    private Snapshot CurrentSnapshot()
    {
        var snapshot = _snapshot;
        if (snapshot is not null)
        {
            return snapshot;
        }
        lock (_gate)
        {
            return _snapshot ??= BuildSnapshot();
        }
    }

    private Snapshot BuildSnapshot()
    {
        var roleBindings = _roleBindings.OrderBy(p => p.Key.Namespace, StringComparer.Ordinal).ThenBy(p => p.Key.Name, StringComparer.Ordinal).Select(p => p.Value).ToArray();
        var byNamespace = roleBindings
            .GroupBy(b => b.Metadata.Namespace!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
        return new Snapshot(
            _clusterRoleBindings.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Value).ToArray(),
            _clusterRoles.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Value).ToArray(),
            _roles.OrderBy(p => p.Key.Namespace, StringComparer.Ordinal).ThenBy(p => p.Key.Name, StringComparer.Ordinal).Select(p => p.Value).ToArray(),
            roleBindings,
            byNamespace,
            new Dictionary<string, ClusterRole>(_clusterRoles, StringComparer.Ordinal),
            new Dictionary<(string Namespace, string Name), Role>(_roles));
    }

    private sealed record Snapshot(
        ClusterRoleBinding[] ClusterRoleBindings,
        ClusterRole[] ClusterRoles,
        Role[] Roles,
        RoleBinding[] RoleBindings,
        Dictionary<string, RoleBinding[]> RoleBindingsByNamespace,
        Dictionary<string, ClusterRole> ClusterRolesByName,
        Dictionary<(string Namespace, string Name), Role> RolesByKey);
}
