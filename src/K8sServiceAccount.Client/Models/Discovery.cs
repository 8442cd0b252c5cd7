namespace K8sServiceAccount.Client.Models;

/// <summary>The answer of <c>GET /api</c>: the core group's versions (legacy discovery).</summary>
public sealed class ApiVersions
{
    public string? Kind { get; set; }
    public List<string>? Versions { get; set; }
}

/// <summary>The answer of <c>GET /apis</c>: every named API group with its versions (legacy discovery).</summary>
public sealed class ApiGroupList
{
    public string? Kind { get; set; }
    public string? ApiVersion { get; set; }
    public List<ApiGroup>? Groups { get; set; }
}

/// <summary>One API group in an <see cref="ApiGroupList"/>.</summary>
public sealed class ApiGroup
{
    public string? Name { get; set; }
    public List<GroupVersionForDiscovery>? Versions { get; set; }
    public GroupVersionForDiscovery? PreferredVersion { get; set; }
}

/// <summary>A group version as discovery names it: <c>apps/v1</c> and <c>v1</c>.</summary>
public sealed class GroupVersionForDiscovery
{
    public string? GroupVersion { get; set; }
    public string? Version { get; set; }
}

/// <summary>The answer of <c>GET /api/v1</c> or <c>GET /apis/GROUP/VERSION</c>: the resources of one group version.</summary>
public sealed class ApiResourceList
{
    public string? Kind { get; set; }
    public string? ApiVersion { get; set; }
    public string? GroupVersion { get; set; }
    public List<ApiResource>? Resources { get; set; }
}

/// <summary>One resource (or subresource, when <see cref="Name"/> contains '/') of a group version.</summary>
public sealed class ApiResource
{
    public string? Name { get; set; }
    public string? SingularName { get; set; }
    public bool Namespaced { get; set; }
    public string? Group { get; set; }
    public string? Version { get; set; }
    public string? Kind { get; set; }
    public List<string>? Verbs { get; set; }
    public List<string>? ShortNames { get; set; }
    public List<string>? Categories { get; set; }
}
