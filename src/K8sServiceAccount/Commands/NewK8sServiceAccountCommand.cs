using System.Collections;
using System.Management.Automation;
using K8sServiceAccount.Client;
using K8sServiceAccount.Client.Api;
using K8sServiceAccount.Internal;

namespace K8sServiceAccount.Commands;

/// <summary>
/// Creates ServiceAccounts. Each name is checked before any request, with the API server's own wording; a name
/// that is taken is a ResourceExists error carrying the server's message unless -Force, which returns the existing
/// object unchanged and says so in a warning.
/// </summary>
[Cmdlet(VerbsCommon.New, "K8sServiceAccount", SupportsShouldProcess = true)]
[OutputType(typeof(K8sServiceAccountInfo))]
public sealed class NewK8sServiceAccountCommand : NamespacedObjectCmdletBase
{
    private Dictionary<string, string>? labels;
    private Dictionary<string, string>? annotations;

    /// <summary>Names of the ServiceAccounts to create (DNS-1123 subdomains: lower case letters, digits, '-' and '.').</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string[] Name { get; set; } = Array.Empty<string>();

    /// <summary>Labels to put on each ServiceAccount, as a hashtable of strings.</summary>
    [Parameter]
    public Hashtable? Label { get; set; }

    /// <summary>Annotations to put on each ServiceAccount, as a hashtable of strings.</summary>
    [Parameter]
    public Hashtable? Annotation { get; set; }

    /// <summary>Names of Secrets in the same namespace that Pods running as the ServiceAccount use to pull images.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? ImagePullSecret { get; set; }

    /// <summary>automountServiceAccountToken: $false stops Pods from mounting a token unless they ask for one. Unset by default (Kubernetes treats that as $true).</summary>
    [Parameter]
    public bool? AutomountToken { get; set; }

    /// <summary>When a name is taken, return the existing ServiceAccount (unchanged) with a warning instead of an error.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void BeginProcessing()
    {
        try
        {
            labels = NonNull(ServiceAccountMapping.ToStringMap(Label, nameof(Label), allowRemoval: false));
            annotations = NonNull(ServiceAccountMapping.ToStringMap(Annotation, nameof(Annotation), allowRemoval: false));
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
            var target = ServiceAccountMapping.Target("ServiceAccount", ns, name);
            var definition = new ServiceAccountDefinition
            {
                Namespace = ns,
                Name = name,
                Labels = labels,
                Annotations = annotations,
                ImagePullSecrets = ImagePullSecret,
                AutomountServiceAccountToken = AutomountToken,
            };
            try
            {
                // Before ShouldProcess, so that -WhatIf reports a bad name too; no request is sent for it.
                NameValidation.ValidateServiceAccountName(name);
                NameValidation.ValidateNamespace(ns, "ServiceAccount", name);
                if (!ShouldProcess(target, "Create"))
                {
                    continue;
                }

                if (Force)
                {
                    var result = Invoke((connection, token) => new ServiceAccountOperations(connection, Log).CreateOrGetAsync(definition, token));
                    if (result.AlreadyExisted)
                    {
                        WriteWarning($"{target} already exists; returning the existing object unchanged (-Force). Use Set-K8sServiceAccount to change it.");
                    }

                    WriteObject(ServiceAccountMapping.ToServiceAccountInfo(result.ServiceAccount));
                }
                else
                {
                    var created = Invoke((connection, token) => new ServiceAccountOperations(connection, Log).CreateAsync(definition, token));
                    WriteObject(ServiceAccountMapping.ToServiceAccountInfo(created));
                }
            }
            catch (K8sClientException e)
            {
                WriteErrorFor(e, ns + "/" + name);
            }
        }
    }

    private static Dictionary<string, string> NonNull(Dictionary<string, string?> map) =>
        map.ToDictionary(e => e.Key, e => e.Value!, StringComparer.Ordinal);
}
