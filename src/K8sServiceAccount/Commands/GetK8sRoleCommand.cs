using System.Management.Automation;
using K8sServiceAccount.Client;
using K8sServiceAccount.Client.Permissions;
using K8sServiceAccount.Internal;

namespace K8sServiceAccount.Commands;

/// <summary>
/// Gets roles in the namespace (-Namespace, or the context's). A name without wildcards is one GET (a missing one is an ObjectNotFound error); otherwise they
/// are listed (with -LabelSelector evaluated by the server) and matched case-insensitively; a wildcard that matches
/// nothing writes nothing.
/// </summary>
[Cmdlet(VerbsCommon.Get, "K8sRole")]
[OutputType(typeof(K8sRoleInfo))]
public sealed class GetK8sRoleCommand : K8sClusterCmdlet
{
    /// <summary>Names of the Roles to get; wildcards allowed. All when omitted.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    public string[]? Name { get; set; }

    /// <summary>Get them in every namespace (kubectl -A); -Namespace is then ignored.</summary>
    [Parameter]
    public SwitchParameter AllNamespaces { get; set; }

    /// <summary>A label selector as kubectl takes it (app=web,tier!=db), evaluated by the server when listing.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? LabelSelector { get; set; }

    /// <summary>Writes the matching objects.</summary>
    protected override void ProcessRecord()
    {
        var ns = AllNamespaces ? null : Settings.Namespace;
        var patterns = (Name ?? ["*"]).ToList();
        // An object named twice (exactly and by a wildcard) is written once.
        var written = new HashSet<(string?, string?)>();
        foreach (var name in patterns.Where(n => ns is not null && !WildcardPattern.ContainsWildcardCharacters(n)))
        {
            try
            {
                var item = Invoke((connection, token) => new RbacObjectOperations(connection).GetRoleAsync(ns!, name, token));
                if (written.Add((item.Metadata.Namespace, item.Metadata.Name)))
                {
                    WriteObject(PermissionMapping.ToRoleInfo(item));
                }
            }
            catch (K8sClientException e)
            {
                WriteErrorFor(e, PermissionMapping.Target("Role", ns, name));
            }
        }

        var wildcards = patterns.Where(n => ns is null || WildcardPattern.ContainsWildcardCharacters(n)).Select(p => new WildcardPattern(p, WildcardOptions.IgnoreCase)).ToList();
        if (wildcards.Count == 0)
        {
            return;
        }

        try
        {
            var items = Invoke((connection, token) => new RbacObjectOperations(connection).ListRolesAsync(ns, LabelSelector, token));
            foreach (var item in items.Where(i => wildcards.Any(w => w.IsMatch(i.Metadata.Name ?? "")) && written.Add((i.Metadata.Namespace, i.Metadata.Name))))
            {
                WriteObject(PermissionMapping.ToRoleInfo(item));
            }
        }
        catch (K8sClientException e)
        {
            WriteErrorFor(e, ns ?? "Roles");
        }
    }
}
