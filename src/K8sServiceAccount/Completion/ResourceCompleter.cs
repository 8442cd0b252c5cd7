using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using K8sServiceAccount.Internal;

namespace K8sServiceAccount.Completion;

/// <summary>
/// Completes -Resource with the resource types of the command line's server's discovery (the built-in types offline or when
/// discovery fails), in the -ApiGroup given on the command line if any; RESOURCE.GROUP once a '.' is typed.
/// </summary>
public sealed class ResourceCompleter : ArgumentCompleterBase
{
    /// <summary>The resource types that start with the word typed so far.</summary>
    private protected override IEnumerable<CompletionResult> Complete(string commandName, string wordToComplete, IDictionary fakeBoundParameters)
    {
        var groups = CommandLineConnection.BoundStrings(fakeBoundParameters, "ApiGroup").Select(PermissionMapping.ApiGroup).ToHashSet(StringComparer.Ordinal);
        var types = ApiGroupCompleter.Types(commandName, fakeBoundParameters).Where(t => groups.Count == 0 || groups.Contains(t.Group)).ToList();
        var qualified = CompletionText.Unquote(wordToComplete ?? "").Contains('.');
        var candidates = qualified
            ? types.Where(t => t.Group.Length > 0).Select(t => $"{t.Resource}.{t.Group}")
            : types.Select(t => t.Resource);
        var groupsOf = types.ToLookup(t => t.Resource, t => ApiGroupCompleter.ToParameter(t.Group), StringComparer.Ordinal);
        return CompletionResults.Of(
            candidates.Order(StringComparer.Ordinal),
            wordToComplete,
            text => qualified ? text : $"{text} ({string.Join(", ", groupsOf[text].Distinct())})");
    }
}
