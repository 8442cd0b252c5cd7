using System.Management.Automation;
using K8sServiceAccount.Client;
using K8sServiceAccount.Client.Api;
using K8sServiceAccount.Client.Http;
using K8sServiceAccount.Completion;
using K8sServiceAccount.Internal;

namespace K8sServiceAccount.Commands;

/// <summary>
/// Sets the ServiceAccount a workload's Pods run as (spec.template.spec.serviceAccountName), as kubectl set
/// serviceaccount does: one strategic merge patch; the workload's controller replaces its Pods. The ServiceAccount
/// must exist in the workload's namespace (ServiceAccountNotFound) unless -Force.
/// </summary>
[Cmdlet(VerbsCommon.Set, "K8sWorkloadServiceAccount", SupportsShouldProcess = true)]
[OutputType(typeof(K8sWorkloadInfo))]
public sealed class SetK8sWorkloadServiceAccountCommand : NamespacedObjectCmdletBase
{
    private readonly HashSet<string> checkedAccounts = new(StringComparer.Ordinal);

    /// <summary>The workloads: NAME with -Kind, or KIND/NAME as kubectl takes it (deployment/web, sts/db, cronjobs.batch/nightly).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string[] Name { get; set; } = Array.Empty<string>();

    /// <summary>The kind of the workloads named without KIND/: Deployment, StatefulSet, DaemonSet, ReplicaSet, Job or CronJob.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(WorkloadKindCompleter))]
    public string? Kind { get; set; }

    /// <summary>The name of the ServiceAccount to run as (in the workload's namespace). Never bound from piped objects.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateServiceAccountName]
    [ArgumentCompleter(typeof(ObjectNameCompleter))]
    public string ServiceAccount { get; set; } = string.Empty;

    /// <summary>Sets the ServiceAccount even when it does not exist (yet): new Pods are refused until it does.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Writes the changed workload to the pipeline. By default nothing is written.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var ns = Settings.Namespace;
        foreach (var text in Name)
        {
            if (ResolveKind(text, out var name) is not { } kind)
            {
                continue;
            }

            var target = ServiceAccountMapping.Target(kind.Kind, ns, name);
            if (!ShouldProcess(target, $"Set ServiceAccount to {ServiceAccount}"))
            {
                continue;
            }

            try
            {
                if (!Force && !checkedAccounts.Contains(ns))
                {
                    try
                    {
                        Invoke((connection, token) => new ServiceAccountOperations(connection, Log).GetAsync(ns, ServiceAccount, token));
                        checkedAccounts.Add(ns);
                    }
                    catch (KubernetesApiException e) when (e.IsNotFound)
                    {
                        WriteError(new ErrorRecord(
                            new ItemNotFoundException(
                                $"-ServiceAccount: the ServiceAccount {ns}/{ServiceAccount} does not exist, so {target} could not start Pods. Create it first, or use -Force to set it anyway."),
                            "ServiceAccountNotFound",
                            ErrorCategory.ObjectNotFound,
                            ns + "/" + ServiceAccount));
                        continue;
                    }
                }

                var updated = Invoke((connection, token) =>
                    new WorkloadOperations(connection, Log).SetServiceAccountAsync(kind, ns, name, ServiceAccount, token));
                if (PassThru)
                {
                    Client.Models.ServiceAccount? account = null;
                    try
                    {
                        account = Invoke((connection, token) => new ServiceAccountOperations(connection, Log).GetAsync(ns, ServiceAccount, token));
                    }
                    catch (KubernetesApiException e) when (e.IsNotFound || e.StatusCode == 403)
                    {
                    }

                    WriteObject(WorkloadMapping.ToInfo(kind, updated, account));
                }
            }
            catch (K8sClientException e)
            {
                WriteErrorFor(e, target);
            }
        }
    }

    // KIND/NAME or NAME with -Kind; a Pod's ServiceAccount cannot change, so Pods are refused here rather than by the server.
    private WorkloadKind? ResolveKind(string text, out string name)
    {
        name = text;
        var kindText = Kind;
        var slash = text.IndexOf('/');
        if (slash >= 0)
        {
            kindText = text[..slash];
            name = text[(slash + 1)..];
        }

        var kind = kindText is null ? null : WorkloadKind.Find(kindText);
        string? problem = kindText is null
            ? $"-Name '{text}': say which kind of workload, as -Kind Deployment or '{"deployment/" + text}'."
            : kind is null
                ? $"-Kind: '{kindText}' is not a workload kind; use one of {string.Join(", ", GetK8sWorkloadCommand.KindNames.Where(k => k != "Pod"))}."
                : kind == WorkloadKind.Pod
                    ? $"-Kind: a Pod's ServiceAccount cannot be changed; set it on the workload that creates the Pod ({name})."
                    : name.Length == 0 ? $"-Name '{text}': no name after the kind." : null;
        if (problem is null)
        {
            return kind;
        }

        WriteError(new ErrorRecord(new PSArgumentException(problem), kindText is null ? "WorkloadKindRequired" : "InvalidWorkloadKind", ErrorCategory.InvalidArgument, text));
        return null;
    }
}
