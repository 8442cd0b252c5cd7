using System.Collections;
using System.Management.Automation;
using K8sServiceAccount.Client;
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
public sealed class NewK8sRoleCommand : K8sClusterCmdlet
{
    /// <summary>The Role's name.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = string.Empty;

    /// <summary>The rules, from New-K8sPolicyRule or as hashtables (@{ Verbs = 'get'; ApiGroups = 'apps'; Resources = 'deployments' }).</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [Alias("Rules")]
    public K8sPolicyRule[] Rule { get; set; } = Array.Empty<K8sPolicyRule>();

    /// <summary>Labels to put on the Role, as a hashtable of strings (@{ app = 'web' }).</summary>
    [Parameter]
    public Hashtable? Label { get; set; }

    /// <summary>Creates the Role and writes it.</summary>
    protected override void ProcessRecord()
    {
        var ns = Settings.Namespace;
        var target = PermissionMapping.Target("Role", ns, Name);
        try
        {
            var role = new Role
            {
                Metadata = new ObjectMeta { Name = Name, Namespace = ns, Labels = PermissionMapping.Labels(Label) },
                Rules = Rule.Select(PermissionMapping.ToPolicyRule).ToList(),
            };
            // Before ShouldProcess, so that -WhatIf reports a bad name or rule too; nothing is sent for it.
            RbacValidation.ValidateRole(role);
            if (!ShouldProcess(target, "Create"))
            {
                return;
            }

            WriteObject(PermissionMapping.ToRoleInfo(Invoke((connection, token) => new RbacObjectOperations(connection).CreateRoleAsync(role, token))));
        }
        catch (K8sClientException e)
        {
            WriteErrorFor(e, target);
        }
    }
}
