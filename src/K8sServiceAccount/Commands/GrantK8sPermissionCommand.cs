using System.Management.Automation;
using K8sServiceAccount.Client;
using K8sServiceAccount.Client.Models;
using K8sServiceAccount.Client.Permissions;
using K8sServiceAccount.Internal;

namespace K8sServiceAccount.Commands;

/// <summary>
/// Gives a ServiceAccount (or a user or group) permissions in one step: creates or reconciles a predictably named Role
/// and RoleBinding in the namespace (ClusterRole and ClusterRoleBinding with -ClusterWide), adding the rules and the
/// subject that are missing and never removing anything, so running it again changes nothing. Objects are labelled
/// app.kubernetes.io/managed-by=K8sServiceAccount. Granting what you do not hold yourself is refused by RBAC
/// escalation prevention (RbacEscalationForbidden: what is missing, escalate or bind, and the server's text).
/// </summary>
[Cmdlet(VerbsSecurity.Grant, "K8sPermission", SupportsShouldProcess = true)]
[OutputType(typeof(K8sPermissionGrant))]
public sealed class GrantK8sPermissionCommand : K8sClusterCmdlet
{
    /// <summary>
    /// The ServiceAccount: NAMESPACE/NAME, NAMESPACE:NAME, or NAME in -Namespace (bound from piped objects' ServiceAccount
    /// property). The ServiceAccount need not exist yet.
    /// </summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? ServiceAccount { get; set; }

    /// <summary>A user instead of a ServiceAccount.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? User { get; set; }

    /// <summary>A group instead of a ServiceAccount (for example system:serviceaccounts:NAMESPACE for all its ServiceAccounts).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? UserGroup { get; set; }

    /// <summary>The verbs (get, list, watch, create, update, patch, delete, deletecollection, *...).</summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string[]? Verb { get; set; }

    /// <summary>The resources in kubectl's syntax: deployments, deployments.apps, deployments/scale, *.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Resource { get; set; }

    /// <summary>The API groups for all resources ('' or core for the core group), e.g. apps,extensions; by default from each resource's text.</summary>
    [Parameter]
    public string[]? Group { get; set; }

    /// <summary>Limit the rule to objects with these names.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? ResourceName { get; set; }

    /// <summary>Non-resource URLs (/healthz, /logs/*); only with -ClusterWide.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? NonResourceUrl { get; set; }

    /// <summary>Use a ClusterRole and ClusterRoleBinding (effective in every namespace and at cluster scope) instead of a Role and RoleBinding in -Namespace.</summary>
    [Parameter]
    public SwitchParameter ClusterWide { get; set; }

    /// <summary>The name of the role and the binding; by default k8ssa-grant:NAMESPACE:NAME (user:NAME, group:NAME for users and groups).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    /// <summary>Grants and writes what was done.</summary>
    protected override void ProcessRecord()
    {
        string? target = ServiceAccount ?? User ?? UserGroup;
        try
        {
            (var request, target) = Prepare(rulesRequired: true);
            if (!ShouldProcess(target, $"Grant {string.Join(" ", request.Rules.Select(r => Client.Rbac.EscalationCheck.CompactString(r)))} to {request.Subject}"))
            {
                return;
            }

            var result = Invoke((connection, token) => new PermissionGrantOperations(connection).GrantAsync(request, token));
            WriteObject(PermissionMapping.ToGrant(result));
        }
        catch (K8sClientException e)
        {
            WriteErrorFor(e, target);
        }
    }

    private (GrantRequest Request, string Target) Prepare(bool rulesRequired)
    {
        var ns = Settings.Namespace;
        var subject = PermissionMapping.Subject(ServiceAccount, User, UserGroup is null ? null : [UserGroup], ns);
        if (subject.Kind == PermissionSubjectKind.Self)
        {
            throw PermissionErrors.InvalidArgument("ServiceAccount", "Give the ServiceAccount (or -User or -UserGroup) whose permissions to change.");
        }

        IReadOnlyList<PolicyRule> rules = [];
        if (rulesRequired || Verb is not null || Resource is not null || NonResourceUrl is not null)
        {
            var warnings = new List<string>();
            rules = PolicyRuleBuilder.Build(
                new PolicyRuleRequest
                {
                    Verbs = Verb ?? [],
                    Resources = Resource ?? [],
                    Groups = Group?.Select(g => g.Trim() == "core" ? "" : g.Trim()).ToArray(),
                    ResourceNames = ResourceName ?? [],
                    NonResourceUrls = NonResourceUrl ?? [],
                },
                ClusterWide ? RoleScope.ClusterRole : RoleScope.Role,
                warnings);
            warnings.ForEach(WriteWarning);
        }

        var request = new GrantRequest { Subject = subject, Rules = rules, Namespace = ns, ClusterWide = ClusterWide, Name = Name };
        var name = Name ?? PermissionGrantOperations.DefaultName(subject);
        var target = ClusterWide
            ? $"{PermissionMapping.Target("ClusterRole", null, name)} and {PermissionMapping.Target("ClusterRoleBinding", null, name)}"
            : $"{PermissionMapping.Target("Role", ns, name)} and {PermissionMapping.Target("RoleBinding", ns, name)}";
        return (request, target);
    }
}
