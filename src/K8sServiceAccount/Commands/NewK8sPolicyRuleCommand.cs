using System.Management.Automation;
using K8sServiceAccount.Client;
using K8sServiceAccount.Client.Permissions;
using K8sServiceAccount.Internal;
using K8sServiceAccount.Completion;

namespace K8sServiceAccount.Commands;

/// <summary>
/// Builds RBAC rules for New-K8sRole and New-K8sClusterRole with kubectl create role's client-side checks, without
/// calling a cluster: a verb is required; special verbs only on their resources (use, bind, escalate, impersonate);
/// non-resource URLs start with '/', have '*' only at the end and take only HTTP verbs; resource names need resources.
/// Resources are written as kubectl takes them (deployments.apps, deployments/scale); built-in types resolve to their
/// groups as kubectl create role resolves them (deployments is apps/deployments, deploy is expanded). One rule per API
/// group unless -ApiGroup gives the groups for all resources. A non-standard verb is allowed with kubectl's warning.
/// </summary>
[Cmdlet(VerbsCommon.New, "K8sPolicyRule")]
[OutputType(typeof(K8sPolicyRule))]
public sealed class NewK8sPolicyRuleCommand : PSCmdlet
{
    /// <summary>The verbs (get, list, watch, create, update, patch, delete, deletecollection, *...).</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(VerbCompleter))]
    public string[] Verb { get; set; } = Array.Empty<string>();

    /// <summary>The resources in kubectl's syntax: pods, deployments, deployments.apps, deployments/scale, deploy, *; a custom resource with its group (crontabs.stable.example.com).</summary>
    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ResourceCompleter))]
    public string[]? Resource { get; set; }

    /// <summary>The API groups for all resources ('' or core for the core group), e.g. apps,extensions; by default from each resource's text.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(ApiGroupCompleter))]
    public string[]? ApiGroup { get; set; }

    /// <summary>Limit the rule to objects with these names.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? ResourceName { get; set; }

    /// <summary>Non-resource URLs (/healthz, /logs/*): usable only in ClusterRoles.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? NonResourceUrl { get; set; }

    /// <summary>Builds and writes the rules.</summary>
    protected override void ProcessRecord()
    {
        var request = new PolicyRuleRequest
        {
            Verbs = Verb,
            Resources = Resource ?? [],
            Groups = ApiGroup?.Select(PermissionMapping.ApiGroup).ToArray(),
            ResourceNames = ResourceName ?? [],
            NonResourceUrls = NonResourceUrl ?? [],
        };
        var warnings = new List<string>();
        try
        {
            var rules = PolicyRuleBuilder.Build(request, RoleScope.ClusterRole, warnings);
            warnings.ForEach(WriteWarning);
            WriteObject(rules.Select(PermissionMapping.ToRule), enumerateCollection: true);
        }
        catch (K8sClientException e)
        {
            WriteError(K8sClusterCmdlet.ToErrorRecord(e, string.Join(",", Verb)));
        }
    }
}
