using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace K8sServiceAccount.Completion;

/// <summary>Completes kubeconfig context names for -Context (and Get-K8sContext -Name) from the kubeconfig the command would read.</summary>
public sealed class ContextNameCompleter : IArgumentCompleter
{
    /// <summary>The contexts whose names start with the word typed so far, the current context described in the tooltip.</summary>
    public IEnumerable<CompletionResult> CompleteArgument(
        string commandName,
        string parameterName,
        string wordToComplete,
        CommandAst commandAst,
        IDictionary fakeBoundParameters)
    {
        return KubeconfigCompletion.Contexts(KubeconfigCompletion.TryLoad(fakeBoundParameters), wordToComplete)
            .Select(m => new CompletionResult(m.CompletionText, m.ListItemText, CompletionResultType.ParameterValue, m.ToolTip))
            .ToList();
    }
}
