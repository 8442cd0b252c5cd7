using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using K8sServiceAccount.Client.Api;

namespace K8sServiceAccount.Completion;

/// <summary>Completes -Role with the Roles of the command line's namespace on its server.</summary>
public sealed class RoleCompleter : ArgumentCompleterBase
{
    /// <summary>The Roles whose names start with the word typed so far.</summary>
    private protected override IEnumerable<CompletionResult> Complete(string commandName, string wordToComplete, IDictionary fakeBoundParameters)
    {
        var connection = CommandLineConnection.Of(commandName, fakeBoundParameters);
        return CompletionResults.Of(CompletionResults.ServerNames(connection, CatalogKind.Roles), wordToComplete, name => $"Role {connection?.Namespace}/{name}");
    }
}
