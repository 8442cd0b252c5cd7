using System.Management.Automation;
using System.Management.Automation.Runspaces;
using K8sServiceAccount.Internal;

namespace K8sServiceAccount.Commands;

/// <summary>
/// Sets the connection later commands in this runspace use when they are not given -Kubeconfig, -Context or
/// -InCluster. The connection (HTTP client and cached credentials) is kept, so an exec credential plugin runs
/// once per credential lifetime rather than once per command. Changes nothing in the cluster.
/// </summary>
[Cmdlet(VerbsCommunications.Connect, "K8sCluster")]
[OutputType(typeof(K8sConnectionInfo))]
public sealed class ConnectK8sClusterCommand : K8sClusterCmdlet
{
    private int pipedContexts;

    /// <summary>
    /// A context from Get-K8sContext, usually piped: connects to that context, through the kubeconfig file it was read
    /// from (its -Kubeconfig). Only one context can be connected.
    /// </summary>
    [Parameter(ValueFromPipeline = true)]
    [ValidateNotNull]
    public K8sContextInfo? InputObject { get; set; }

    /// <summary>Writes the connection (a K8sConnectionInfo) to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    // Connecting replaces the session: it must resolve afresh, never reuse the session it replaces.
    private protected override bool UsesSessionConnection => false;

    protected override void ProcessRecord()
    {
        var runspace = Runspace.DefaultRunspace
            ?? throw new PSInvalidOperationException("Connect-K8sCluster needs a runspace to keep the connection in.");
        if (InputObject is { } context)
        {
            UseContext(context);
        }

        var settings = ConnectionSelection.AsSession(Settings, DateTimeOffset.UtcNow);
        ConnectionSelection.Sessions.Set(runspace, new SessionConnection(settings, Connection));
        WriteVerbose($"Connected this runspace to {settings.Server} (context {settings.ContextName ?? "in-cluster"}, namespace {settings.Namespace}).");
        if (PassThru)
        {
            WriteObject(OutputMapping.ToConnectionInfo(settings));
        }
    }

    // A piped context is the context to use, from its own file; it must not contradict -Context or -Kubeconfig.
    private void UseContext(K8sContextInfo context)
    {
        string? problem = null;
        if (++pipedContexts > 1)
        {
            problem = "Connect-K8sCluster connects to one context; more than one was piped in.";
        }
        else if (Context is not null && !string.Equals(Context, context.Name, StringComparison.Ordinal))
        {
            problem = $"The piped context \"{context.Name}\" and -Context \"{Context}\" differ; give one of them.";
        }
        else if (Kubeconfig is not null && context.Kubeconfig is not null
            && !string.Equals(GetUnresolvedProviderPathFromPSPath(Kubeconfig), context.Kubeconfig, StringComparison.Ordinal))
        {
            problem = $"The piped context was read from {context.Kubeconfig}, not from -Kubeconfig {Kubeconfig}; give one of them.";
        }

        if (problem is not null)
        {
            ThrowTerminatingError(new ErrorRecord(new PSArgumentException(problem), "InvalidInputObject", ErrorCategory.InvalidArgument, context));
        }

        Context = context.Name;
        Kubeconfig ??= context.Kubeconfig;
    }
}
