using System.Management.Automation;
using K8sServiceAccount.Client;
using K8sServiceAccount.Client.Api;
using K8sServiceAccount.Internal;
using K8sServiceAccount.Completion;

namespace K8sServiceAccount.Commands;

/// <summary>
/// Makes a kubeconfig that authenticates as a ServiceAccount with a fresh bound token, for the cluster of the
/// current connection (its server, CA bundle, tls-server-name and proxy-url). Written to -Path readable by the
/// owner only (no overwrite without -Force), or returned as a string with -AsPlainText: the kubeconfig contains the
/// token, so one of the two is required. Requesting the token asks ShouldProcess: -WhatIf requests none.
/// </summary>
[Cmdlet(VerbsCommon.New, "K8sSaKubeconfig", SupportsShouldProcess = true)]
[OutputType(typeof(string), typeof(K8sSaKubeconfigFile))]
public sealed class NewK8sSaKubeconfigCommand : NamespacedObjectCmdletBase
{
    /// <summary>
    /// The ServiceAccount the kubeconfig authenticates as: NAME in -Namespace, or NAMESPACE/NAME (the kubeconfig's namespace).
    /// Bound from the Name (and Namespace) of piped ServiceAccounts.
    /// </summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Name")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ServiceAccountCompleter))]
    public string ServiceAccount { get; set; } = string.Empty;

    /// <summary>
    /// How long the embedded token should be valid: a Go duration as kubectl create token --duration takes it (30m,
    /// 1h30m, 3600s) or a TimeSpan; at least 10 minutes, whole seconds. The server's default (normally one hour) when omitted.
    /// </summary>
    [Parameter]
    [DurationTransformation]
    public TimeSpan? Duration { get; set; }

    /// <summary>Write the kubeconfig to this file (owner-only permissions) and return a K8sSaKubeconfigFile instead of the text.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>The name of the context (and of its user entry); "SERVICEACCOUNT@CLUSTER" by default.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ContextName { get; set; }

    /// <summary>Overwrite the file at -Path if it exists.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Return the kubeconfig as text instead of writing it to -Path. The token in it is then readable by anyone who sees the output.</summary>
    [Parameter]
    public SwitchParameter AsPlainText { get; set; }

    protected override void BeginProcessing()
    {
        // Where the token goes is decided before any is issued.
        if (Path is null && !AsPlainText)
        {
            ThrowTerminatingError(new ErrorRecord(
                new PSArgumentException("The kubeconfig contains a token: give -Path to write it to a file only you can read, or -AsPlainText to return it as text."),
                "PathOrAsPlainTextRequired",
                ErrorCategory.InvalidArgument,
                null));
        }

        if (Path is not null && AsPlainText)
        {
            ThrowTerminatingError(new ErrorRecord(
                new PSArgumentException("-AsPlainText returns the kubeconfig as text and -Path writes it to a file: give one of them."),
                "AsPlainTextWithPath",
                ErrorCategory.InvalidArgument,
                null));
        }

        try
        {
            new TokenRequestOptions { Duration = Duration }.Validate();
        }
        catch (K8sClientException e)
        {
            ThrowTerminatingErrorFor(e, null);
        }
    }

    protected override void ProcessRecord()
    {
        var settings = Settings;
        var ns = settings.Namespace;
        var name = ServiceAccount;
        var fullPath = Path is null ? null : GetUnresolvedProviderPathFromPSPath(Path);
        try
        {
            (ns, name) = ServiceAccountMapping.NamespaceAndName(ServiceAccount, ns);
            var account = ServiceAccountMapping.Target("ServiceAccount", ns, name);
            // Checked before a token is issued (a directory, device or FIFO is refused, an existing file needs
            // -Force); the writer checks again at the moment it writes.
            if (fullPath is not null)
            {
                OwnerOnlyFile.CheckTarget(fullPath, Force);
            }

            // The token request is the step with an effect on the server (a credential), so it is asked for either way.
            if (fullPath is null
                ? !ShouldProcess(account, "Request a token and return a kubeconfig with it as text")
                : !ShouldProcess(fullPath, $"Request a token for {account} and write a kubeconfig with it"))
            {
                return;
            }

            var options = new TokenRequestOptions { Duration = Duration };
            var token = Invoke((connection, cancellation) =>
                new TokenOperations(connection, Log).RequestTokenAsync(ns, name, options, cancellation));
            var kubeconfig = ServiceAccountKubeconfigBuilder.Build(settings, token, ContextName);
            if (fullPath is null)
            {
                WriteObject(kubeconfig.Yaml);
                return;
            }

            OwnerOnlyFile.WriteAllText(fullPath, kubeconfig.Yaml, overwrite: Force);
            WriteObject(ServiceAccountMapping.ToKubeconfigFile(kubeconfig, fullPath, settings.Server));
        }
        catch (K8sClientException e)
        {
            WriteErrorFor(e, (object?)fullPath ?? ns + "/" + name);
        }
    }
}
