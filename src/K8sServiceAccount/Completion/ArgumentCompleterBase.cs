using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace K8sServiceAccount.Completion;

/// <summary>
/// The module's argument completers: PowerShell's entry point calls <see cref="Complete"/>, and any failure (a server
/// that cannot be reached, a kubeconfig that does not parse) gives no candidates rather than a failed Tab.
/// </summary>
public abstract class ArgumentCompleterBase : IArgumentCompleter
{
    // Only this module's completers derive from it.
    private protected ArgumentCompleterBase()
    {
    }

    /// <summary>The candidates for the word typed so far; never throws.</summary>
    public IEnumerable<CompletionResult> CompleteArgument(
        string commandName,
        string parameterName,
        string wordToComplete,
        CommandAst commandAst,
        IDictionary fakeBoundParameters) =>
        CompletionResults.Safely(() => Complete(commandName, wordToComplete, fakeBoundParameters));

    /// <summary>The candidates for <paramref name="wordToComplete"/> on the command line of <paramref name="commandName"/>.</summary>
    private protected abstract IEnumerable<CompletionResult> Complete(string commandName, string wordToComplete, IDictionary fakeBoundParameters);
}
