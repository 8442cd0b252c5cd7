using System.Management.Automation;
using K8sServiceAccount.Client.Permissions;
using K8sServiceAccount.Internal;

namespace K8sServiceAccount;

/// <summary>
/// The action parameters of Test-K8sPermission and Get-K8sPermissionSubject, as kubectl auth can-i takes them: -Verb,
/// -Resource, -ApiGroup, -Subresource, -Name, -NonResourceUrl (all bindable from pipeline objects by property name) and
/// -AllNamespaces.
/// </summary>
public abstract class PermissionActionCmdletBase : RbacEvaluationCmdletBase
{
    /// <summary>The verb: get, list, watch, create, update, patch, delete, deletecollection, use, bind, escalate, impersonate, * or a custom verb.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Verb { get; set; } = string.Empty;

    /// <summary>
    /// The resource type in kubectl's syntax: plural, singular or short name (pods, pod, po), with .group
    /// (deployments.apps) and /subresource (deployments/scale). Resolved through the server's discovery, with kubectl's
    /// warnings for unknown types; offline (-Policy) it is used as written (a plural without its group is in the core group,
    /// with a warning when the policy names that type only in other API groups).
    /// </summary>
    [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
    public string? Resource { get; set; }

    /// <summary>
    /// The API group (apps, batch; core for the core group), as kubectl writes it in RESOURCE.GROUP; when empty, taken
    /// from -Resource or discovery. Bound from a piped row's ApiGroup (Test-K8sPermission's results carry it).
    /// </summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? ApiGroup { get; set; }

    /// <summary>The subresource (scale, status, log...), unless given in -Resource as TYPE/SUBRESOURCE.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? Subresource { get; set; }

    /// <summary>The object name, for rules limited to resourceNames; any object when omitted.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? Name { get; set; }

    /// <summary>A non-resource URL such as /healthz or /logs/ (instead of -Resource); checked at cluster level.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? NonResourceUrl { get; set; }

    /// <summary>Ask in every namespace and at cluster scope (kubectl -A): only what is allowed cluster-wide counts.</summary>
    [Parameter]
    public SwitchParameter AllNamespaces { get; set; }

    // Only this module's cmdlets derive from it: the hooks they use name client types and stay off the public surface.
    private protected PermissionActionCmdletBase()
    {
    }

    /// <summary>The action as a check for <paramref name="subject"/>, in <paramref name="namespace"/> unless -AllNamespaces.</summary>
    private protected PermissionCheck ActionCheck(string @namespace, PermissionSubject subject) =>
        PermissionMapping.Check(Verb, Resource, ApiGroup, Subresource, Name, NonResourceUrl, AllNamespaces ? "" : @namespace, subject);

    /// <summary>What a failed check is reported against: -Resource, else -NonResourceUrl, else -Verb.</summary>
    private protected string ActionTarget => PermissionMapping.Given(Resource) ?? PermissionMapping.Given(NonResourceUrl) ?? Verb;
}
