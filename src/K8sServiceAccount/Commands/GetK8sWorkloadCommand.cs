using System.Management.Automation;
using K8sServiceAccount.Client;
using K8sServiceAccount.Client.Api;
using K8sServiceAccount.Client.Http;
using K8sServiceAccount.Client.Models;
using K8sServiceAccount.Client.Permissions;
using K8sServiceAccount.Completion;
using K8sServiceAccount.Internal;

namespace K8sServiceAccount.Commands;

/// <summary>
/// Lists workloads (Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs, CronJobs) and Pods with the ServiceAccount
/// their Pods run as (the namespace's default one when the Pod spec names none) and the effective
/// automountServiceAccountToken. With -ServiceAccount (also bound from piped objects' ServiceAccount property, e.g. risk
/// findings) or a piped ServiceAccount, only what runs as it, in its namespace.
/// </summary>
[Cmdlet(VerbsCommon.Get, "K8sWorkload")]
[OutputType(typeof(K8sWorkloadInfo))]
public sealed class GetK8sWorkloadCommand : K8sClusterCmdlet
{
    internal static readonly string[] KindNames = WorkloadKind.All.Select(k => k.Kind).ToArray();

    private readonly HashSet<string> listed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ServiceAccount?> accounts = new(StringComparer.Ordinal);

    /// <summary>Names of the objects; wildcards allowed. All when omitted.</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    public string[]? Name { get; set; }

    /// <summary>
    /// The kinds to list (all when omitted): Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, Pod, or as kubectl
    /// names them (deploy, deployments, deployments.apps, sts, ds, rs, cj, po), as Set-K8sWorkloadServiceAccount takes them.
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(WorkloadKindCompleter))]
    public string[]? Kind { get; set; }

    /// <summary>
    /// Only what runs as this ServiceAccount: NAMESPACE/NAME, or NAME in -Namespace. Bound from piped objects'
    /// ServiceAccount property (Get-K8sWorkload's own rows, risk findings); a piped object whose ServiceAccount is empty is skipped.
    /// </summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ServiceAccountCompleter))]
    public string? ServiceAccount { get; set; }

    /// <summary>A ServiceAccount from Get-K8sServiceAccount, usually piped: lists what runs as it.</summary>
    [Parameter(ValueFromPipeline = true)]
    [ValidateNotNull]
    public K8sServiceAccountInfo? InputObject { get; set; }

    /// <summary>List in every namespace (kubectl -A); -Namespace is then ignored.</summary>
    [Parameter]
    [Alias("A")]
    public SwitchParameter AllNamespaces { get; set; }

    // The kinds -Kind names (BeginProcessing), or all of them.
    private IReadOnlyList<WorkloadKind> kinds = WorkloadKind.All;

    /// <summary>Resolves -Kind once, refusing a kind that names no workload kind before anything is listed.</summary>
    protected override void BeginProcessing()
    {
        base.BeginProcessing();
        if (Kind is null)
        {
            return;
        }

        var found = new HashSet<WorkloadKind>();
        foreach (var text in Kind)
        {
            if (WorkloadKind.Find(text) is not { } kind)
            {
                ThrowTerminatingError(new ErrorRecord(
                    new PSArgumentException($"-Kind: '{text}' is not a workload kind; use one of {string.Join(", ", KindNames)} (or kubectl's names, such as deploy or sts)."),
                    "InvalidWorkloadKind", ErrorCategory.InvalidArgument, text));
                return;
            }
            found.Add(kind);
        }
        // In WorkloadKind.All's order, as without -Kind.
        kinds = WorkloadKind.All.Where(found.Contains).ToList();
    }

    protected override void ProcessRecord()
    {
        string? ns;
        string? accountName = null;
        try
        {
            if (InputObject is { } account)
            {
                ns = account.Namespace;
                accountName = account.Name;
            }
            else if (!string.IsNullOrEmpty(ServiceAccount))
            {
                var subject = PermissionSubject.ParseServiceAccount(ServiceAccount, Settings.Namespace);
                ns = subject.Namespace;
                accountName = subject.Name;
            }
            else if (MyInvocation.ExpectingInput)
            {
                // A piped object with no ServiceAccount (a user or group finding) runs nothing.
                return;
            }
            else
            {
                ns = AllNamespaces ? null : Settings.Namespace;
            }
        }
        catch (K8sClientException e)
        {
            WriteErrorFor(e, ServiceAccount);
            return;
        }

        // The same ServiceAccount piped twice (several findings of one subject) is listed once.
        if (!listed.Add((ns ?? "*") + "/" + (accountName ?? "*")))
        {
            return;
        }

        var patterns = Name?.Select(NamePattern.Parse).ToList();
        foreach (var kind in kinds)
        {
            try
            {
                var items = new List<Workload>();
                InvokeEach((connection, token) => new WorkloadOperations(connection, Log).ListAsync(kind, ns, cancellationToken: token), items.Add);
                foreach (var item in items)
                {
                    var itemName = item.Metadata?.Name ?? string.Empty;
                    if (patterns is not null && !patterns.Any(p => p.IsWildcard ? p.IsMatch(itemName) : p.Literal == itemName))
                    {
                        continue;
                    }

                    var runsAs = WorkloadMapping.ServiceAccountName(kind, item, out _);
                    if (accountName is not null && runsAs != accountName)
                    {
                        continue;
                    }

                    WriteObject(WorkloadMapping.ToInfo(kind, item, Account(item.Metadata?.Namespace ?? string.Empty, runsAs)));
                }
            }
            catch (K8sClientException e)
            {
                WriteErrorFor(e, kind.Kind);
            }
        }
    }

    // Each ServiceAccount is read once per call; a missing one (or one the caller may not read) is null.
    private ServiceAccount? Account(string ns, string name)
    {
        var key = ns + "/" + name;
        if (!accounts.TryGetValue(key, out var account))
        {
            try
            {
                account = Invoke((connection, token) => new ServiceAccountOperations(connection, Log).GetAsync(ns, name, token));
            }
            catch (KubernetesApiException e) when (e.IsNotFound || e.StatusCode == 403)
            {
                account = null;
            }

            accounts[key] = account;
        }

        return account;
    }
}
