using System.Management.Automation;
using K8sServiceAccount.Client;
using K8sServiceAccount.Client.Config;
using K8sServiceAccount.Completion;
using K8sServiceAccount.Internal;

namespace K8sServiceAccount.Commands;

/// <summary>
/// Gets the contexts of the kubeconfig (KUBECONFIG merged as kubectl merges it, or ~/.kube/config, or -Kubeconfig),
/// the current one marked. Reads files only; contacts no cluster.
/// </summary>
[Cmdlet(VerbsCommon.Get, "K8sContext")]
[OutputType(typeof(K8sContextInfo))]
public sealed class GetK8sContextCommand : PSCmdlet
{
    private Kubeconfig? kubeconfig;
    private string? kubeconfigPath;

    /// <summary>Names of the contexts to get; wildcards allowed. All contexts when omitted.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(ContextNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>A kubeconfig file to read instead of KUBECONFIG or ~/.kube/config.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Kubeconfig { get; set; }

    protected override void BeginProcessing()
    {
        var path = kubeconfigPath = Kubeconfig is null ? null : GetUnresolvedProviderPathFromPSPath(Kubeconfig);
        try
        {
            kubeconfig = KubeconfigLoader.Load(path, SystemEnvironment.Instance);
        }
        catch (K8sClientException e)
        {
            // No kubeconfig: nothing this call could list.
            ThrowTerminatingError(K8sClusterCmdlet.ToErrorRecord(e, path));
        }

        this.WriteVerboseLine($"Kubeconfig files: {string.Join(", ", kubeconfig!.Files)}");
    }

    protected override void ProcessRecord()
    {
        var contexts = kubeconfig!.Contexts;
        if (Name is null)
        {
            WriteContexts(contexts);
            return;
        }

        foreach (var name in Name)
        {
            if (WildcardPattern.ContainsWildcardCharacters(name))
            {
                // Kubernetes names are case-sensitive, and so is the match.
                var pattern = new WildcardPattern(name, WildcardOptions.None);
                WriteContexts(contexts.Where(c => pattern.IsMatch(c.Name)));
                continue;
            }

            var matches = contexts.Where(c => string.Equals(c.Name, name, StringComparison.Ordinal)).ToList();
            if (matches.Count == 0)
            {
                var message = $"Context \"{name}\" not found in {string.Join(", ", kubeconfig.Files)}.";
                WriteError(new ErrorRecord(new ItemNotFoundException(message), "ContextNotFound", ErrorCategory.ObjectNotFound, name));
                continue;
            }

            WriteContexts(matches);
        }
    }

    private void WriteContexts(IEnumerable<KubeconfigContext> contexts)
    {
        foreach (var context in contexts)
        {
            WriteObject(OutputMapping.ToContextInfo(context, kubeconfig!.CurrentContext, kubeconfigPath));
        }
    }
}
