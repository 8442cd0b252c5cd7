using System.Management.Automation;
using K8sServiceAccount.Client;
using K8sServiceAccount.Client.Api;
using K8sServiceAccount.Internal;
using K8sServiceAccount.Completion;

namespace K8sServiceAccount.Commands;

/// <summary>
/// Deletes ServiceAccounts. Tokens issued for a deleted ServiceAccount stop working, even if a ServiceAccount of
/// the same name is created again. Asks for confirmation (ConfirmImpact High) unless -Force
/// (or -Confirm:$false).
/// </summary>
[Cmdlet(VerbsCommon.Remove, "K8sServiceAccount", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(K8sServiceAccountInfo))]
public sealed class RemoveK8sServiceAccountCommand : NamespacedObjectCmdletBase
{
    /// <summary>Names of the ServiceAccounts to delete (no wildcards: pipe from Get-K8sServiceAccount to delete by pattern).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ValidateServiceAccountName]
    [ArgumentCompleter(typeof(ObjectNameCompleter))]
    public string[] Name { get; set; } = Array.Empty<string>();

    /// <summary>
    /// Delete only the object with this UID (bound from piped ServiceAccounts): a ServiceAccount re-created under the
    /// same name since it was read is left alone (a Conflict error instead).
    /// </summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? Uid { get; set; }

    /// <summary>Writes each deleted ServiceAccount to the pipeline. By default nothing is written.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>Do not ask for confirmation (ConfirmImpact High). -WhatIf still only reports, and an explicit -Confirm still asks.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord()
    {
        var ns = Settings.Namespace;
        foreach (var name in Name)
        {
            if (!Confirmation.ShouldProcess(this, Force, ServiceAccountMapping.Target("ServiceAccount", ns, name), "Delete"))
            {
                continue;
            }

            try
            {
                var deleted = Invoke((connection, token) => new ServiceAccountOperations(connection, Log).DeleteAsync(ns, name, Uid, token));
                if (PassThru)
                {
                    WriteObject(ServiceAccountMapping.ToServiceAccountInfo(deleted));
                }
            }
            catch (K8sClientException e)
            {
                WriteErrorFor(e, ns + "/" + name);
            }
        }
    }
}
