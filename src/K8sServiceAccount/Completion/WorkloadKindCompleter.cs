using System.Collections;
using System.Management.Automation;
using K8sServiceAccount.Client.Api;

namespace K8sServiceAccount.Completion;

/// <summary>
/// Completes -Kind of Get-K8sWorkload and Set-K8sWorkloadServiceAccount with the workload kinds (Pod only where it can be
/// listed: a Pod's ServiceAccount cannot be set). Other spellings kubectl takes (deploy, deployments.apps) are accepted
/// but not offered.
/// </summary>
public sealed class WorkloadKindCompleter : ArgumentCompleterBase
{
    /// <summary>The kinds that start with the word typed so far.</summary>
    private protected override IEnumerable<CompletionResult> Complete(string commandName, string wordToComplete, IDictionary fakeBoundParameters)
    {
        var settable = string.Equals(commandName, "Set-K8sWorkloadServiceAccount", StringComparison.OrdinalIgnoreCase);
        var kinds = WorkloadKind.All.Where(k => !settable || k != WorkloadKind.Pod).Select(k => k.Kind);
        return CompletionResults.Of(kinds, wordToComplete, kind => kind);
    }
}
