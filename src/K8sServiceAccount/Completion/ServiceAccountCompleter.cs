using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using K8sServiceAccount.Client.Api;

namespace K8sServiceAccount.Completion;

/// <summary>
/// Completes -ServiceAccount: the ServiceAccounts of the command line's namespace (its -Namespace, else the connection's) by
/// NAME, and NAMESPACE/ for every namespace; once NAMESPACE/ (or NAMESPACE:) is typed, that namespace's ServiceAccounts as
/// NAMESPACE/NAME.
/// </summary>
public sealed class ServiceAccountCompleter : ArgumentCompleterBase
{
    /// <summary>The ServiceAccounts (and namespaces) that start with the word typed so far.</summary>
    private protected override IEnumerable<CompletionResult> Complete(string commandName, string wordToComplete, IDictionary fakeBoundParameters)
    {
        var connection = CommandLineConnection.Of(commandName, fakeBoundParameters);
        var word = CompletionText.Unquote(wordToComplete ?? "");
        var separator = word.IndexOfAny(['/', ':']);
        if (separator > 0)
        {
            // The separator the user chose is kept: NAMESPACE:NAME is kubectl's --serviceaccount form.
            var ns = word[..separator];
            var prefix = word[..(separator + 1)];
            return CompletionResults.Of(
                CompletionResults.ServerNames(connection, CatalogKind.ServiceAccounts, ns).Select(name => prefix + name),
                wordToComplete,
                text => $"ServiceAccount {text}");
        }

        var here = connection?.Namespace;
        return CompletionResults.Of(CompletionResults.ServerNames(connection, CatalogKind.ServiceAccounts), wordToComplete, name => $"ServiceAccount {here}/{name}")
            .Concat(CompletionResults.Of(
                NamespaceCompleter.Candidates(commandName, fakeBoundParameters).Select(ns => ns + "/"),
                wordToComplete,
                ns => $"The ServiceAccounts of namespace {ns.TrimEnd('/')}"))
            .ToList();
    }
}
