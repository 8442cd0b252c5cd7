using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using K8sServiceAccount.Client.Permissions;

namespace K8sServiceAccount.Completion;

/// <summary>
/// Completes -ApiGroup with the API groups of the command line's server's discovery (of the built-in types offline), "core"
/// standing for the core group; only the groups that serve the -Resource given on the command line, if any.
/// </summary>
public sealed class ApiGroupCompleter : ArgumentCompleterBase
{
    private const string Core = "core";

    /// <summary>The API groups that start with the word typed so far.</summary>
    private protected override IEnumerable<CompletionResult> Complete(string commandName, string wordToComplete, IDictionary fakeBoundParameters)
    {
        var resources = CommandLineConnection.BoundStrings(fakeBoundParameters, "Resource")
            .Select(r => ResourceNameResolver.ParseGroupResource(r.Split('/')[0]).Resource.ToLowerInvariant())
            .ToHashSet(StringComparer.Ordinal);
        var types = Types(commandName, fakeBoundParameters);
        var serving = types.Where(t => resources.Contains(t.Resource)).ToList();
        // A resource typed by a short or singular name matches no plural here: then every group is offered.
        var groups = (serving.Count > 0 ? serving : types).Select(t => t.Group).Distinct(StringComparer.Ordinal).Select(ToParameter);
        return CompletionResults.Of(groups.Order(StringComparer.Ordinal), wordToComplete, group => group == Core ? "core (the core group, \"\")" : group);
    }

    /// <summary>The resource types of the command line's server's discovery, else the built-in ones.</summary>
    internal static IReadOnlyList<(string Resource, string Group)> Types(string? commandName, IDictionary? fakeBoundParameters) =>
        CommandLineConnection.Of(commandName, fakeBoundParameters)?.Catalog.Resources(CommandLineConnection.Wait) ?? BuiltInResourceTypes.All;

    /// <summary>How -ApiGroup names a group: core for the core group.</summary>
    internal static string ToParameter(string group) => group.Length == 0 ? Core : group;
}
