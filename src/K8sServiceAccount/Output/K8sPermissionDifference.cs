namespace K8sServiceAccount;

/// <summary>
/// One permission that differs between two ServiceAccounts (Compare-K8sPermission), as Compare-Object shows it:
/// SideIndicator &lt;= only the reference has it, =&gt; only the difference has it, == both (with -IncludeEqual).
/// Permissions are compared as atoms (scope, verb, group, resource, name) or (verb, URL), literally: * is a value of its own.
/// </summary>
public sealed class K8sPermissionDifference
{
    /// <summary>&lt;=, =&gt; or ==.</summary>
    public string SideIndicator { get; init; } = string.Empty;

    /// <summary>Empty for cluster-wide; otherwise the namespace.</summary>
    public string Scope { get; init; } = string.Empty;

    /// <summary>The verb.</summary>
    public string Verb { get; init; } = string.Empty;

    /// <summary>The API group; empty for the core group.</summary>
    public string ApiGroup { get; init; } = string.Empty;

    /// <summary>The resource (with /subresource when the rule names one).</summary>
    public string Resource { get; init; } = string.Empty;

    /// <summary>The object name; empty for all objects.</summary>
    public string ResourceName { get; init; } = string.Empty;

    /// <summary>The non-resource URL of a non-resource permission.</summary>
    public string NonResourceUrl { get; init; } = string.Empty;

    /// <summary>The side and the permission.</summary>
    public override string ToString() => NonResourceUrl.Length > 0
        ? $"{SideIndicator} {Verb} {NonResourceUrl}"
        : $"{SideIndicator} {Verb} {Resource}{(ApiGroup.Length > 0 ? "." + ApiGroup : "")}{(Scope.Length > 0 ? " in " + Scope : "")}";
}
