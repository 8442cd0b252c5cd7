using System.Collections;
using System.Management.Automation;
using K8sServiceAccount.Client;
using K8sServiceAccount.Client.Api;
using K8sServiceAccount.Internal;
using K8sServiceAccount.Completion;

namespace K8sServiceAccount.Commands;

/// <summary>
/// Changes the labels, annotations, imagePullSecrets or automountServiceAccountToken of ServiceAccounts. Each
/// change is applied to the latest version of the object; when someone else changes it in between (409 Conflict)
/// it is read again and the change re-applied, a bounded number of times.
/// </summary>
[Cmdlet(VerbsCommon.Set, "K8sServiceAccount", SupportsShouldProcess = true)]
[OutputType(typeof(K8sServiceAccountInfo))]
public sealed class SetK8sServiceAccountCommand : NamespacedObjectCmdletBase
{
    private ServiceAccountChanges? changes;

    /// <summary>Names of the ServiceAccounts to change.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ValidateServiceAccountName]
    [ArgumentCompleter(typeof(ObjectNameCompleter))]
    public string[] Name { get; set; } = Array.Empty<string>();

    /// <summary>Labels to set; a key whose value is $null is removed. Other labels are kept.</summary>
    [Parameter]
    public Hashtable? Label { get; set; }

    /// <summary>Annotations to set; a key whose value is $null is removed. Other annotations are kept.</summary>
    [Parameter]
    public Hashtable? Annotation { get; set; }

    /// <summary>Replaces the imagePullSecrets with these Secret names; an empty array (@()) removes them all.</summary>
    [Parameter]
    [AllowEmptyCollection]
    public string[]? ImagePullSecret { get; set; }

    /// <summary>Sets automountServiceAccountToken.</summary>
    [Parameter]
    public bool? AutomountToken { get; set; }

    /// <summary>Writes the changed ServiceAccount to the pipeline. By default nothing is written.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void BeginProcessing()
    {
        if (Label is null && Annotation is null && ImagePullSecret is null && AutomountToken is null)
        {
            ThrowTerminatingError(new ErrorRecord(
                new PSArgumentException("Nothing to change: give at least one of -Label, -Annotation, -ImagePullSecret or -AutomountToken."),
                "NoChangeRequested",
                ErrorCategory.InvalidArgument,
                null));
        }

        try
        {
            changes = new ServiceAccountChanges
            {
                Labels = Label is null ? null : ServiceAccountMapping.ToStringMap(Label, nameof(Label), allowRemoval: true),
                Annotations = Annotation is null ? null : ServiceAccountMapping.ToStringMap(Annotation, nameof(Annotation), allowRemoval: true),
                ImagePullSecrets = ImagePullSecret?.Where(s => !string.IsNullOrEmpty(s)).ToArray(),
                AutomountServiceAccountToken = AutomountToken,
            };
        }
        catch (K8sClientException e)
        {
            ThrowTerminatingErrorFor(e, null);
        }
    }

    protected override void ProcessRecord()
    {
        var ns = Settings.Namespace;
        foreach (var name in Name)
        {
            if (!ShouldProcess(ServiceAccountMapping.Target("ServiceAccount", ns, name), "Update"))
            {
                continue;
            }

            try
            {
                var updated = Invoke((connection, token) =>
                    new ServiceAccountOperations(connection, Log).UpdateAsync(ns, name, changes!, ServiceAccountOperations.DefaultMaxUpdateAttempts, token));
                if (PassThru)
                {
                    WriteObject(ServiceAccountMapping.ToServiceAccountInfo(updated));
                }
            }
            catch (K8sClientException e)
            {
                WriteErrorFor(e, ns + "/" + name);
            }
        }
    }
}
