using System.Management.Automation;
using System.Management.Automation.Runspaces;
using K8sServiceAccount.Internal;

namespace K8sServiceAccount.Commands;

/// <summary>
/// Sets the connection later commands use when they are not given -Kubeconfig, -Context, -InCluster or -Connection:
/// by default in every runspace of the process (ForEach-Object -Parallel, Start-ThreadJob), with -Scope Runspace in
/// this runspace only. The connection (HTTP client and cached credentials) is kept and shared, so an exec credential
/// plugin runs once per credential lifetime rather than once per command or runspace. Changes nothing in the cluster.
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

    /// <summary>Process (the default): every runspace of this process uses the connection. Runspace: only this one, where it wins over the process's.</summary>
    [Parameter]
    public K8sConnectionScope Scope { get; set; } = K8sConnectionScope.Process;

    /// <summary>Writes the connection (a K8sConnectionInfo, which -Connection takes) to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    // Connecting replaces the session: it must resolve afresh, never reuse the session it replaces.
    private protected override bool UsesSessionConnection => false;

    protected override void ProcessRecord()
    {
        if (InputObject is { } context)
        {
            UseContext(context);
        }

        var settings = ConnectionSelection.AsSession(Settings, Scope, DateTimeOffset.UtcNow);
        var session = new ConnectionHandle(settings, ClientConnection) { RequestTimeout = EffectiveRequestTimeout };
        try
        {
            ConnectionSelection.Connect(Scope, Runspace.DefaultRunspace, session);
        }
        catch (InvalidOperationException e)
        {
            ThrowTerminatingError(new ErrorRecord(e, "NoRunspace", ErrorCategory.InvalidOperation, Scope));
        }

        this.WriteVerboseLine($"Connected {(Scope == K8sConnectionScope.Process ? "every runspace of this process" : "this runspace")} to {settings.Server} (context {settings.ContextName ?? "in-cluster"}, namespace {settings.Namespace}{(session.RequestTimeout is { } timeout ? $", request timeout {timeout}" : string.Empty)}).");
        if (PassThru)
        {
            WriteObject(OutputMapping.ToConnectionInfo(session));
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
