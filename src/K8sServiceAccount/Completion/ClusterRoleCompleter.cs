using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using K8sServiceAccount.Client.Api;

namespace K8sServiceAccount.Completion;

/// <summary>Completes -ClusterRole with the ClusterRoles of the command line's server.</summary>
public sealed class ClusterRoleCompleter : ArgumentCompleterBase
{
    /// <summary>The ClusterRoles whose names start with the word typed so far.</summary>
    private protected override IEnumerable<CompletionResult> Complete(string commandName, string wordToComplete, IDictionary fakeBoundParameters) =>
        CompletionResults.Of(
            CompletionResults.ServerNames(CommandLineConnection.Of(commandName, fakeBoundParameters), CatalogKind.ClusterRoles),
            wordToComplete,
            name => $"ClusterRole {name}");
}
