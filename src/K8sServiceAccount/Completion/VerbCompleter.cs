using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using K8sServiceAccount.Client.Permissions;

namespace K8sServiceAccount.Completion;

/// <summary>Completes -Verb with kubectl's standard verbs (the non-resource verbs when -NonResourceUrl is on the command line).</summary>
public sealed class VerbCompleter : ArgumentCompleterBase
{
    /// <summary>The verbs that start with the word typed so far.</summary>
    private protected override IEnumerable<CompletionResult> Complete(string commandName, string wordToComplete, IDictionary fakeBoundParameters)
    {
        var nonResource = CommandLineConnection.BoundStrings(fakeBoundParameters, "NonResourceUrl").Count > 0;
        var verbs = nonResource ? PolicyRuleBuilder.NonResourceVerbs : PolicyRuleBuilder.StandardResourceVerbs;
        return CompletionResults.Of(verbs.Order(StringComparer.Ordinal), wordToComplete, verb => nonResource ? $"{verb} (non-resource URL)" : verb);
    }
}
