using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Management.Automation.Runspaces;
using K8sServiceAccount.Client.Api;

namespace K8sServiceAccount.Completion;

/// <summary>
/// Completes -Name of Get-/Remove-/Set- commands with the existing objects of the command's noun (ServiceAccounts, Roles and
/// RoleBindings in the command line's namespace, ClusterRoles, ClusterRoleBindings) from the command line's server.
/// </summary>
public sealed class ObjectNameCompleter : ArgumentCompleterBase
{
    private static readonly Dictionary<string, CatalogKind> KindOfNoun = new(StringComparer.OrdinalIgnoreCase)
    {
        ["K8sServiceAccount"] = CatalogKind.ServiceAccounts,
        ["K8sRole"] = CatalogKind.Roles,
        ["K8sRoleBinding"] = CatalogKind.RoleBindings,
        ["K8sClusterRole"] = CatalogKind.ClusterRoles,
        ["K8sClusterRoleBinding"] = CatalogKind.ClusterRoleBindings,
    };

    /// <summary>The objects whose names start with the word typed so far.</summary>
    private protected override IEnumerable<CompletionResult> Complete(string commandName, string wordToComplete, IDictionary fakeBoundParameters)
    {
        if (KindOf(commandName) is not { } kind)
        {
            return [];
        }

        var connection = CommandLineConnection.Of(commandName, fakeBoundParameters);
        var kindName = kind.ToString().TrimEnd('s');
        return CompletionResults.Of(
            CompletionResults.ServerNames(connection, kind),
            wordToComplete,
            name => kind is CatalogKind.ClusterRoles or CatalogKind.ClusterRoleBindings ? $"{kindName} {name}" : $"{kindName} {connection?.Namespace}/{name}");
    }

    /// <summary>The kind a command's noun names (Get-K8sRole: Roles), through an alias or a module-qualified name too.</summary>
    internal static CatalogKind? KindOf(string? commandName)
    {
        if (string.IsNullOrEmpty(commandName))
        {
            return null;
        }

        var name = commandName[(commandName.LastIndexOf('\\') + 1)..];
        if (!name.Contains('-') && Runspace.DefaultRunspace?.SessionStateProxy.InvokeCommand.GetCommand(name, CommandTypes.Alias) is AliasInfo alias)
        {
            name = alias.ResolvedCommand?.Name ?? alias.Definition ?? name;
        }

        return KindOfNoun.TryGetValue(name[(name.IndexOf('-') + 1)..], out var kind) ? kind : null;
    }
}
