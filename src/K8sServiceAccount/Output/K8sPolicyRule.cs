using K8sServiceAccount.Client.Rbac;
using K8sServiceAccount.Internal;

namespace K8sServiceAccount;

/// <summary>
/// An RBAC rule (PolicyRule) as New-K8sPolicyRule builds it and New-K8sRole, New-K8sClusterRole and the Get- cmdlets
/// show it. Settable so a hashtable such as @{ Verbs = 'get'; ApiGroups = 'apps'; Resources = 'deployments' } converts
/// to it; New-K8sRole validates the rule as the API server would.
/// </summary>
public sealed class K8sPolicyRule
{
    /// <summary>The verbs (get, list, watch, create, update, patch, delete, deletecollection, *...).</summary>
    public string[] Verbs { get; set; } = Array.Empty<string>();

    /// <summary>The API groups; an empty string is the core group, * all groups.</summary>
    public string[] ApiGroups { get; set; } = Array.Empty<string>();

    /// <summary>The resources, with /subresource where meant (deployments, deployments/scale, *).</summary>
    public string[] Resources { get; set; } = Array.Empty<string>();

    /// <summary>The object names the rule is limited to; empty for all objects.</summary>
    public string[] ResourceNames { get; set; } = Array.Empty<string>();

    /// <summary>Non-resource URLs (/healthz, /logs/*); only in ClusterRoles, never together with resources.</summary>
    public string[] NonResourceUrls { get; set; } = Array.Empty<string>();

    /// <summary>The rule in the API server's compact form, e.g. {APIGroups:["apps"], Resources:["deployments"], Verbs:["get" "update"]}.</summary>
    public override string ToString() => EscalationCheck.CompactString(PermissionMapping.ToPolicyRule(this));
}
