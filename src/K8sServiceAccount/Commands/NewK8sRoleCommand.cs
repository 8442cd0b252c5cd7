using System.Management.Automation;
using K8sServiceAccount.Client.Models;
using K8sServiceAccount.Client.Permissions;
using K8sServiceAccount.Internal;

namespace K8sServiceAccount.Commands;

/// <summary>
/// Creates a Role (rules that apply in one namespace) from rules of New-K8sPolicyRule or hashtables. The rules are
/// validated as the API server would before anything is sent. Creating a role that grants what you do not hold needs
/// 'escalate' on roles: the refusal (RbacEscalationForbidden) names what is missing and keeps the server's text.
/// </summary>
[Cmdlet(VerbsCommon.New, "K8sRole", SupportsShouldProcess = true)]
[OutputType(typeof(K8sRoleInfo))]
public sealed class NewK8sRoleCommand : NewRbacObjectCmdletBase
{

    /// <summary>The rules, from New-K8sPolicyRule or as hashtables (@{ Verbs = 'get'; ApiGroups = 'apps'; Resources = 'deployments' }).</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [Alias("Rules")]
    public K8sPolicyRule[] Rule { get; set; } = Array.Empty<K8sPolicyRule>();

    /// <summary>Creates the Role and writes it.</summary>
    protected override void ProcessRecord()
    {
        var ns = Settings.Namespace;
        Create(PermissionMapping.Target("Role", ns, Name),
            () => new Role { Metadata = Metadata(ns), Rules = Rule.Select(PermissionMapping.ToPolicyRule).ToList() },
            role => RbacValidation.ValidateRole(role),
            (objects, role, token) => objects.CreateRoleAsync(role, token),
            PermissionMapping.ToRoleInfo);
    }
}
