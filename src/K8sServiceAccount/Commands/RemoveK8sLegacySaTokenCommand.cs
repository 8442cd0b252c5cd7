using System.Management.Automation;
using K8sServiceAccount.Client;
using K8sServiceAccount.Client.Api;
using K8sServiceAccount.Internal;

namespace K8sServiceAccount.Commands;

/// <summary>
/// Deletes long-lived token Secrets (type kubernetes.io/service-account-token), usually piped from
/// Get-K8sLegacySaToken; the token stops working at once. Deletes only Secrets of that type, and with -Uid (bound from
/// piped objects) only that very object. Asks for confirmation (ConfirmImpact High) unless -Force (or -Confirm:$false).
/// </summary>
[Cmdlet(VerbsCommon.Remove, "K8sLegacySaToken", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(void))]
public sealed class RemoveK8sLegacySaTokenCommand : NamespacedObjectCmdletBase
{
    /// <summary>Names of the token Secrets to delete (bound from piped Get-K8sLegacySaToken objects).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string[] Name { get; set; } = Array.Empty<string>();

    /// <summary>Delete only the Secret with this UID (bound from piped objects): a namesake created since is left alone.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? Uid { get; set; }

    /// <summary>Do not ask for confirmation (ConfirmImpact High). -WhatIf still only reports, and an explicit -Confirm still asks.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord()
    {
        var ns = Settings.Namespace;
        foreach (var name in Name)
        {
            if (!Confirmation.ShouldProcess(this, Force, ServiceAccountMapping.Target("Secret", ns, name), "Delete the legacy ServiceAccount token"))
            {
                continue;
            }

            try
            {
                Invoke((connection, token) => new TokenOperations(connection, Log).DeleteLegacyTokenAsync(ns, name, Uid, token));
            }
            catch (K8sClientException e)
            {
                WriteErrorFor(e, ns + "/" + name);
            }
        }
    }
}
