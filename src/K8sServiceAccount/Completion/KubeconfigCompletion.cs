using System.Collections;
using K8sServiceAccount.Client;
using K8sServiceAccount.Client.Config;

namespace K8sServiceAccount.Completion;

/// <summary>
/// Completion candidates from the kubeconfig a command line names (its -Kubeconfig, else KUBECONFIG or
/// ~/.kube/config), as plain data: free of PowerShell types so it is testable without a runspace.
/// </summary>
internal static class KubeconfigCompletion
{
    internal static Kubeconfig? TryLoad(IDictionary? fakeBoundParameters)
    {
        try
        {
            return KubeconfigLoader.Load(CommandLineConnection.KubeconfigPath(fakeBoundParameters), SystemEnvironment.Instance);
        }
        catch (Exception e) when (e is K8sClientException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            // Completion offers nothing rather than failing; the command itself reports the problem.
            return null;
        }
    }

    /// <summary>The matching contexts as plain data: text to insert, text to list, tooltip.</summary>
    internal static IEnumerable<(string CompletionText, string ListItemText, string ToolTip)> Contexts(Kubeconfig? kubeconfig, string? wordToComplete)
    {
        if (kubeconfig is null)
        {
            return [];
        }

        // First definition wins, as in the merge.
        var byName = kubeconfig.Contexts.GroupBy(c => c.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        return CompletionText.Complete(kubeconfig.Contexts.Select(c => c.Name), wordToComplete)
            .Select(match =>
            {
                var context = byName[match.ListItemText];
                var current = string.Equals(context.Name, kubeconfig.CurrentContext, StringComparison.Ordinal) ? " (current)" : string.Empty;
                var toolTip = $"{context.Name}{current}: cluster {context.Cluster ?? "-"}, user {context.User ?? "-"}, namespace {context.Namespace ?? "default"}";
                return (match.CompletionText, match.ListItemText, toolTip);
            });
    }

    /// <summary>The namespaces the kubeconfig's contexts name, and "default": what is known of namespaces offline.</summary>
    internal static IEnumerable<string> Namespaces(Kubeconfig? kubeconfig) =>
        (kubeconfig?.Contexts.Select(c => c.Namespace) ?? [])
            .OfType<string>()
            .Append("default")
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal);
}
