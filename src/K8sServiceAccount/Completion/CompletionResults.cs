using System.Management.Automation;
using K8sServiceAccount.Client.Api;

namespace K8sServiceAccount.Completion;

/// <summary>What every completer of this module shares: matching, quoting, the server's names, and never failing a Tab.</summary>
internal static class CompletionResults
{
    /// <summary>The candidates that start with the word typed so far, quoted where needed, each with a tooltip.</summary>
    internal static List<CompletionResult> Of(IEnumerable<string> candidates, string? wordToComplete, Func<string, string>? toolTip = null) =>
        CompletionText.Complete(candidates, wordToComplete)
            .Select(m => new CompletionResult(m.CompletionText, m.ListItemText, CompletionResultType.ParameterValue, toolTip?.Invoke(m.ListItemText) ?? m.ListItemText))
            .ToList();

    /// <summary>Runs a completer; whatever goes wrong, the prompt gets no candidates rather than an error.</summary>
    internal static IEnumerable<CompletionResult> Safely(Func<IEnumerable<CompletionResult>> complete)
    {
        try
        {
            return complete();
        }
        catch (Exception)
        {
            return [];
        }
    }

    /// <summary>
    /// The names of <paramref name="kind"/> on the command line's server (in <paramref name="namespace"/>, else the command
    /// line's namespace), or none when there is no server or it did not answer in time.
    /// </summary>
    internal static IReadOnlyList<string> ServerNames(CommandLineConnection? connection, CatalogKind kind, string? @namespace = null) =>
        connection?.Catalog.Names(kind, @namespace ?? connection.Namespace, CommandLineConnection.Wait) ?? [];
}
