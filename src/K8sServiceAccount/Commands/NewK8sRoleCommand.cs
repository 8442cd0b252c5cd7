using System.Management.Automation;
using K8sServiceAccount.Client.Models;
using K8sServiceAccount.Client.Permissions;
using K8sServiceAccount.Internal;

namespace K8sServiceAccount.Commands;

/// <summary>
/// Creates a Role (rules that apply in one namespace) from rules of New-K8sPolicyRule or hashtables, given as -Rule or
/// piped in (see <see cref="NewRoleCmdletBase"/>). The rules are validated as the API server would before anything is
/// sent. Creating a role that grants what you do not hold needs 'escalate' on roles: the refusal
/// (RbacEscalationForbidden) names what is missing and keeps the server's text.
/// </summary>
[Cmdlet(VerbsCommon.New, "K8sRole", SupportsShouldProcess = true, DefaultParameterSetName = RulesSet)]
[OutputType(typeof(K8sRoleInfo))]
public sealed class NewK8sRoleCommand : NewRoleCmdletBase
{
    private protected override void CreateRole(IReadOnlyList<K8sPolicyRule> rules)
    {
        var ns = Settings.Namespace;
        Create(PermissionMapping.Target("Role", ns, Name),
            () => new Role { Metadata = Metadata(ns), Rules = rules.Select(PermissionMapping.ToPolicyRule).ToList() },
            role => RbacValidation.ValidateRole(role),
            (objects, role, token) => objects.CreateRoleAsync(role, token),
            PermissionMapping.ToRoleInfo);
    }
}
