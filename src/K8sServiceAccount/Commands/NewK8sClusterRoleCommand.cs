using System.Management.Automation;
using K8sServiceAccount.Client;
using K8sServiceAccount.Client.Models;
using K8sServiceAccount.Client.Permissions;
using K8sServiceAccount.Internal;

namespace K8sServiceAccount.Commands;

/// <summary>
/// Creates a ClusterRole (rules that a ClusterRoleBinding grants everywhere, or a RoleBinding grants in its namespace;
/// non-resource URLs allowed) from rules of New-K8sPolicyRule or hashtables. The rules are validated as the API
/// server would before anything is sent. Granting what you do not hold needs 'escalate' on clusterroles: the refusal
/// (RbacEscalationForbidden) names what is missing and keeps the server's text.
/// </summary>
[Cmdlet(VerbsCommon.New, "K8sClusterRole", SupportsShouldProcess = true)]
[OutputType(typeof(K8sRoleInfo))]
public sealed class NewK8sClusterRoleCommand : K8sClusterCmdlet
{
    /// <summary>The ClusterRole's name.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = string.Empty;

    /// <summary>The rules, from New-K8sPolicyRule or as hashtables (@{ Verbs = 'get'; NonResourceUrls = '/healthz' }).</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [Alias("Rules")]
    public K8sPolicyRule[] Rule { get; set; } = Array.Empty<K8sPolicyRule>();

    /// <summary>Creates the ClusterRole and writes it.</summary>
    protected override void ProcessRecord()
    {
        var target = PermissionMapping.Target("ClusterRole", null, Name);
        if (!ShouldProcess(target, "Create"))
        {
            return;
        }

        var role = new ClusterRole { Metadata = new ObjectMeta { Name = Name }, Rules = Rule.Select(PermissionMapping.ToPolicyRule).ToList() };
        try
        {
            WriteObject(PermissionMapping.ToRoleInfo(Invoke((connection, token) => new RbacObjectOperations(connection).CreateClusterRoleAsync(role, token))));
        }
        catch (K8sClientException e)
        {
            WriteErrorFor(e, target);
        }
    }
}
