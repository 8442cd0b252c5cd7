using System.Management.Automation;
using K8sServiceAccount.Client;
using K8sServiceAccount.Client.Models;
using K8sServiceAccount.Client.Permissions;
using K8sServiceAccount.Internal;
using K8sServiceAccount.Completion;

namespace K8sServiceAccount;

/// <summary>
/// Shared parameters and behaviour of Get-K8sRole, Get-K8sRoleBinding, Get-K8sClusterRole and Get-K8sClusterRoleBinding:
/// a name without wildcards is one GET (a missing one is an ObjectNotFound error); otherwise the objects are listed
/// (with -LabelSelector evaluated by the server) and matched case-insensitively, and a wildcard that matches nothing
/// writes nothing.
/// </summary>
public abstract class GetRbacObjectCmdletBase : NamespacedObjectCmdletBase
{
    /// <summary>Names of the objects to get; wildcards allowed. All when omitted.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(ObjectNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>A label selector as kubectl takes it (app=web,tier!=db), evaluated by the server when listing.</summary>
    [Parameter]
    [Alias("l", "Selector")]
    [ValidateNotNullOrEmpty]
    public string? LabelSelector { get; set; }

    // Only this module's cmdlets derive from it: the hooks they use name client types and stay off the public surface.
    private protected GetRbacObjectCmdletBase()
    {
    }

    /// <summary>
    /// Writes the objects <see cref="Name"/> selects. <paramref name="ns"/> is the namespace to look in (null for a
    /// cluster-scoped kind); a namespaced kind listed across all namespaces (null) has no exact name to GET, so every
    /// name goes through the list.
    /// </summary>
    private protected void WriteMatching<TItem>(
        string kind,
        bool clusterScoped,
        string? ns,
        Func<RbacObjectOperations, string?, string, CancellationToken, Task<TItem>> get,
        Func<RbacObjectOperations, string?, CancellationToken, Task<List<TItem>>> list,
        Func<TItem, ObjectMeta> metadata,
        Func<TItem, object> toOutput)
    {
        var getsByName = clusterScoped || ns is not null;
        var patterns = (Name ?? ["*"]).ToList();
        // An object named twice (exactly and by a wildcard) is written once.
        var written = new HashSet<(string?, string?)>();
        foreach (var name in patterns.Where(n => getsByName && !WildcardPattern.ContainsWildcardCharacters(n)))
        {
            try
            {
                var item = Invoke((connection, token) => get(new RbacObjectOperations(connection), ns, name, token));
                if (written.Add((metadata(item).Namespace, metadata(item).Name)))
                {
                    WriteObject(toOutput(item));
                }
            }
            catch (K8sClientException e)
            {
                WriteErrorFor(e, PermissionMapping.Target(kind, ns, name));
            }
        }

        var wildcards = patterns.Where(n => !getsByName || WildcardPattern.ContainsWildcardCharacters(n)).Select(p => new WildcardPattern(p, WildcardOptions.IgnoreCase)).ToList();
        if (wildcards.Count == 0)
        {
            return;
        }

        try
        {
            var items = Invoke((connection, token) => list(new RbacObjectOperations(connection), ns, token));
            foreach (var item in items.Where(i => wildcards.Any(w => w.IsMatch(metadata(i).Name ?? "")) && written.Add((metadata(i).Namespace, metadata(i).Name))))
            {
                WriteObject(toOutput(item));
            }
        }
        catch (K8sClientException e)
        {
            WriteErrorFor(e, ns ?? kind + "s");
        }
    }
}
