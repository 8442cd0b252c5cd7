using System.Collections;
using System.Collections.ObjectModel;
using System.Management.Automation;
using K8sServiceAccount.Client;
using K8sServiceAccount.Client.Permissions;
using K8sServiceAccount.Client.Rbac;

namespace K8sServiceAccount.Internal;

/// <summary>
/// Reads the -Policy argument of the permission cmdlets into an offline evaluator: paths (wildcards allowed; a directory
/// means its *.yaml, *.yml and *.json files), FileInfo objects, RBAC documents as objects (ConvertFrom-Json or
/// ConvertFrom-Yaml output, read like the same JSON), and the module's role and binding objects (from Get-K8sRole and
/// friends). Touches no cluster.
/// </summary>
internal static class PolicyDocuments
{
    /// <summary>A -Policy path that does not exist.</summary>
    internal const string NotFoundErrorId = "RbacPolicyNotFound";

    /// <summary>A -Policy file that exists but cannot be read.</summary>
    internal const string UnreadableErrorId = "RbacPolicyUnreadable";

    private static readonly string[] Extensions = [".yaml", ".yml", ".json"];

    /// <summary>The evaluator over every document and object given; notes of the reader go to <paramref name="verbose"/>.</summary>
    internal static RbacSnapshot Load(PSCmdlet cmdlet, object[] policy, string defaultNamespace, Action<string> verbose)
    {
        var files = new List<string>();
        var roles = new List<K8sRoleInfo>();
        var bindings = new List<K8sRoleBindingInfo>();
        var sources = new List<RbacSource>();
        for (var i = 0; i < policy.Length; i++)
        {
            // A PSCustomObject is all in its PSObject wrapper: the base object holds no properties.
            var item = policy[i] is PSObject { BaseObject: not PSCustomObject } wrapped ? wrapped.BaseObject : policy[i];
            switch (item)
            {
                case null:
                    break;
                case string path:
                    files.AddRange(Resolve(cmdlet, path));
                    break;
                case FileSystemInfo info:
                    files.AddRange(Expand(info.FullName));
                    break;
                case K8sRoleInfo role:
                    roles.Add(role);
                    break;
                case K8sRoleBindingInfo binding:
                    bindings.Add(binding);
                    break;
                case PSObject or IDictionary:
                    // An RBAC document as an object: ConvertFrom-Json or ConvertFrom-Yaml output.
                    sources.Add(RbacSource.FromObject($"-Policy object {i + 1}", Plain(item)));
                    break;
                case var other:
                    throw PermissionErrors.InvalidArgument("Policy",
                        $"-Policy takes paths of YAML or JSON files, FileInfo objects, RBAC documents as objects (ConvertFrom-Json or ConvertFrom-Yaml output) and the objects of Get-K8sRole, Get-K8sClusterRole, Get-K8sRoleBinding and Get-K8sClusterRoleBinding; a {other.GetType().Name} is none of these.");
            }
        }

        foreach (var file in files.Distinct(StringComparer.Ordinal))
        {
            try
            {
                sources.Add(RbacSource.FromFile(file));
            }
            catch (K8sClientException e) when (e.ErrorId == RbacSource.UnreadableErrorId)
            {
                throw new K8sClientException(UnreadableErrorId, K8sErrorCategory.ReadError, e.Message, e.InnerException) { Target = file };
            }
        }

        var notes = new List<string>();
        var documents = RbacDocumentReader.Read(sources, notes, new RbacReadOptions { DefaultNamespace = defaultNamespace });
        notes.ForEach(verbose);
        roles.ForEach(r => PermissionMapping.AddTo(documents, r));
        bindings.ForEach(b => PermissionMapping.AddTo(documents, b));
        verbose($"Offline policy: {documents.Roles.Count} Roles, {documents.ClusterRoles.Count} ClusterRoles, {documents.RoleBindings.Count} RoleBindings, {documents.ClusterRoleBindings.Count()} ClusterRoleBindings from {sources.Count} files and documents and {roles.Count + bindings.Count} objects.");
        return new RbacSnapshot(documents, PermissionCheckMethod.Offline);
    }

    /// <summary>
    /// PowerShell objects (PSCustomObject properties, wrapped values) as the plain maps and lists the reader takes. The depth
    /// is bounded as the reader bounds it, so an object that contains itself fails instead of overflowing the stack.
    /// </summary>
    private static object? Plain(object? value, int depth = 0)
    {
        if (depth > MaxObjectDepth)
        {
            throw new K8sClientException("RbacDocumentInvalid", K8sErrorCategory.InvalidData, $"The policy object is nested more than {MaxObjectDepth} levels deep (does it contain itself?).");
        }
        return value switch
        {
            PSObject { BaseObject: PSCustomObject } custom => custom.Properties.ToDictionary(p => p.Name, p => Plain(p.Value, depth + 1), StringComparer.Ordinal),
            PSObject wrapped => Plain(wrapped.BaseObject, depth),
            string => value,
            IDictionary map => map.Cast<DictionaryEntry>().ToDictionary(e => e.Key, e => Plain(e.Value, depth + 1)),
            IEnumerable items => items.Cast<object?>().Select(item => Plain(item, depth + 1)).ToList(),
            _ => value,
        };
    }

    /// <summary>The deepest policy object read (as the client's readers allow for YAML and JSON).</summary>
    private const int MaxObjectDepth = 64;

    /// <summary>A description of the -Policy argument for K8sRbacSnapshot.Source.</summary>
    internal static string Describe(object[] policy) =>
        "policy " + string.Join(", ", policy.Select(p => (p is PSObject w ? w.BaseObject : p)?.ToString()).Where(s => !string.IsNullOrEmpty(s)));

    private static IEnumerable<string> Resolve(PSCmdlet cmdlet, string path)
    {
        Collection<string> resolved;
        try
        {
            resolved = cmdlet.SessionState.Path.GetResolvedProviderPathFromPSPath(path, out var provider);
            if (provider.Name != "FileSystem")
            {
                throw PermissionErrors.InvalidArgument("Policy", $"The policy path '{path}' is not a file system path.");
            }
        }
        catch (ItemNotFoundException e)
        {
            throw new K8sClientException(NotFoundErrorId, K8sErrorCategory.ObjectNotFound, $"The policy file '{path}' does not exist.", e) { Target = path };
        }
        if (resolved.Count == 0)
        {
            throw new K8sClientException(NotFoundErrorId, K8sErrorCategory.ObjectNotFound, $"No policy file matches '{path}'.") { Target = path };
        }
        return resolved.SelectMany(Expand);
    }

    /// <summary>A file as itself; a directory as its *.yaml, *.yml and *.json files, which it must have.</summary>
    internal static IEnumerable<string> Expand(string path)
    {
        if (!Directory.Exists(path))
        {
            return [path];
        }
        var files = Directory.EnumerateFiles(path).Where(f => Extensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase)).Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0)
        {
            // An empty policy would answer every check "no".
            throw new K8sClientException(NotFoundErrorId, K8sErrorCategory.ObjectNotFound, $"The policy directory '{path}' holds no .yaml, .yml or .json files.") { Target = path };
        }
        return files;
    }
}
