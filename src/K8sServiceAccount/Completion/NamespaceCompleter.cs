using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using K8sServiceAccount.Client.Api;

namespace K8sServiceAccount.Completion;

/// <summary>
/// Completes -Namespace with the namespaces of the command line's server (see <see cref="CommandLineConnection"/>), with
/// those the kubeconfig's contexts name and "default": offline, or when the server is slow or refuses the list, those alone.
/// </summary>
public sealed class NamespaceCompleter : ArgumentCompleterBase
{
    /// <summary>The namespaces that start with the word typed so far.</summary>
    private protected override IEnumerable<CompletionResult> Complete(string commandName, string wordToComplete, IDictionary fakeBoundParameters) =>
        CompletionResults.Of(Candidates(commandName, fakeBoundParameters), wordToComplete);


    /// <summary>The namespaces of the server and of the kubeconfig, sorted, once each.</summary>
    internal static IEnumerable<string> Candidates(string? commandName, IDictionary? fakeBoundParameters) =>
        CompletionResults.ServerNames(CommandLineConnection.Of(commandName, fakeBoundParameters), CatalogKind.Namespaces)
            .Concat(KubeconfigCompletion.Namespaces(KubeconfigCompletion.TryLoad(fakeBoundParameters)))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal);
}
