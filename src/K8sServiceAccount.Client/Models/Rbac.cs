namespace K8sServiceAccount.Client.Models;

/// <summary>rbac.authorization.k8s.io/v1 PolicyRule.</summary>
public sealed class PolicyRule
{
    public List<string>? Verbs { get; set; }
    public List<string>? ApiGroups { get; set; }
    public List<string>? Resources { get; set; }
    public List<string>? ResourceNames { get; set; }
    public List<string>? NonResourceURLs { get; set; }
}

public sealed class LabelSelectorRequirement
{
    public string? Key { get; set; }
    public string? Operator { get; set; }
    public List<string>? Values { get; set; }
}

public sealed class LabelSelector
{
    public Dictionary<string, string>? MatchLabels { get; set; }
    public List<LabelSelectorRequirement>? MatchExpressions { get; set; }
}

public sealed class AggregationRule
{
    public List<LabelSelector>? ClusterRoleSelectors { get; set; }
}

public sealed class Role
{
    public string? ApiVersion { get; set; } = "rbac.authorization.k8s.io/v1";
    public string? Kind { get; set; } = "Role";
    public ObjectMeta Metadata { get; set; } = new();
    public List<PolicyRule>? Rules { get; set; }
}

public sealed class ClusterRole
{
    public string? ApiVersion { get; set; } = "rbac.authorization.k8s.io/v1";
    public string? Kind { get; set; } = "ClusterRole";
    public ObjectMeta Metadata { get; set; } = new();
    public List<PolicyRule>? Rules { get; set; }
    public AggregationRule? AggregationRule { get; set; }
}

public sealed class Subject
{
    public string? Kind { get; set; }
    public string? ApiGroup { get; set; }
    public string? Name { get; set; }
    public string? Namespace { get; set; }
}

public sealed class RoleRef
{
    public string? ApiGroup { get; set; }
    public string? Kind { get; set; }
    public string? Name { get; set; }
}

public sealed class RoleBinding
{
    public string? ApiVersion { get; set; } = "rbac.authorization.k8s.io/v1";
    public string? Kind { get; set; } = "RoleBinding";
    public ObjectMeta Metadata { get; set; } = new();
    public List<Subject>? Subjects { get; set; }
    public RoleRef RoleRef { get; set; } = new();
}

public sealed class ClusterRoleBinding
{
    public string? ApiVersion { get; set; } = "rbac.authorization.k8s.io/v1";
    public string? Kind { get; set; } = "ClusterRoleBinding";
    public ObjectMeta Metadata { get; set; } = new();
    public List<Subject>? Subjects { get; set; }
    public RoleRef RoleRef { get; set; } = new();
}

public sealed class RoleList { public string? ApiVersion { get; set; } public string? Kind { get; set; } public ListMeta? Metadata { get; set; } public List<Role> Items { get; set; } = new(); }
public sealed class ClusterRoleList { public string? ApiVersion { get; set; } public string? Kind { get; set; } public ListMeta? Metadata { get; set; } public List<ClusterRole> Items { get; set; } = new(); }
public sealed class RoleBindingList { public string? ApiVersion { get; set; } public string? Kind { get; set; } public ListMeta? Metadata { get; set; } public List<RoleBinding> Items { get; set; } = new(); }
public sealed class ClusterRoleBindingList { public string? ApiVersion { get; set; } public string? Kind { get; set; } public ListMeta? Metadata { get; set; } public List<ClusterRoleBinding> Items { get; set; } = new(); }
