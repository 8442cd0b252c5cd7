using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace K8sServiceAccount.Completion;

/// <summary>
/// Completes -Namespace from the namespaces the kubeconfig's contexts name, plus "default". Completion stays
/// offline: pressing Tab never waits for a cluster or runs an exec credential plugin.
/// </summary>
public sealed class NamespaceCompleter : IArgumentCompleter
{
    /// <summary>The known namespaces that start with the word typed so far.</summary>
    public IEnumerable<CompletionResult> CompleteArgument(
        string commandName,
        string parameterName,
        string wordToComplete,
        CommandAst commandAst,
        IDictionary fakeBoundParameters)
    {
        return KubeconfigCompletion.Namespaces(KubeconfigCompletion.TryLoad(fakeBoundParameters), wordToComplete)
            .Select(m => new CompletionResult(m.CompletionText, m.ListItemText, CompletionResultType.ParameterValue, m.ListItemText))
            .ToList();
    }
}
