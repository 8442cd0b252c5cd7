using System.Management.Automation;
using K8sServiceAccount.Client;
using K8sServiceAccount.Client.Permissions;
using K8sServiceAccount.Completion;
using K8sServiceAccount.Internal;

namespace K8sServiceAccount.Commands;

/// <summary>
/// Lists the permissions that let a subject take more than it was given: reading Secrets, creating Pods or workloads,
/// exec/attach, ServiceAccount tokens, impersonation, escalate/bind, writing bindings, nodes/proxy, certificate approval,
/// wildcards and cluster-admin equivalents; each with the binding and role that grant it, a severity and a reason. Every
/// subject of every binding by default, or the ServiceAccounts, users and groups given (with their implicit groups).
/// Computed from the cluster's RBAC objects (needs list on them), a snapshot (-Snapshot) or policy documents (-Policy).
/// </summary>
[Cmdlet(VerbsCommon.Get, "K8sRiskyPermission")]
[OutputType(typeof(K8sRiskFinding))]
public sealed class GetK8sRiskyPermissionCommand : RbacEvaluationCmdletBase
{
    private readonly List<PermissionSubject> subjects = [];
    private readonly HashSet<string> lookedUp = new(StringComparer.Ordinal);
    private bool failed;

    /// <summary>
    /// ServiceAccounts to audit: NAMESPACE/NAME, NAMESPACE:NAME, or NAME in -Namespace (bound from piped objects'
    /// ServiceAccount property). Findings through system:serviceaccounts, system:serviceaccounts:NAMESPACE and
    /// system:authenticated bindings are reported for it.
    /// </summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ServiceAccountCompleter))]
    public string[]? ServiceAccount { get; set; }

    /// <summary>A ServiceAccount from Get-K8sServiceAccount or New-K8sServiceAccount, usually piped.</summary>
    [Parameter(ValueFromPipeline = true)]
    [ValidateNotNull]
    public K8sServiceAccountInfo? InputObject { get; set; }

    /// <summary>Users to audit, each with system:authenticated (a system:serviceaccount:NAMESPACE:NAME user with its ServiceAccount groups).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? User { get; set; }

    /// <summary>Groups to audit: the bindings to each group exactly.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Group { get; set; }

    /// <summary>Leave out findings below this severity (default Low: all).</summary>
    [Parameter]
    public K8sRiskSeverity MinimumSeverity { get; set; } = K8sRiskSeverity.Low;

    /// <summary>Collects the subjects given by parameters and pipeline.</summary>
    protected override void ProcessRecord()
    {
        try
        {
            if (InputObject is { } account)
            {
                subjects.Add(PermissionSubject.ServiceAccount(account.Namespace, account.Name, nameof(InputObject)));
            }
            foreach (var name in ServiceAccount ?? [])
            {
                if (!string.IsNullOrEmpty(name))
                {
                    var subject = PermissionSubject.ParseServiceAccount(name, NamespaceOrDefault);
                    // A mistyped name is not audited silently, as in Get-K8sPermission: its bindings may still exist.
                    // Looked up once, however many objects are piped with -ServiceAccount given.
                    if (OnCluster && lookedUp.Add(subject.ToString()) && MissingServiceAccount(subject, nameof(ServiceAccount)) is { } missing)
                    {
                        WriteWarning($"{missing.Message} These are the findings its bindings would give it.");
                    }
                    subjects.Add(subject);
                }
            }
            foreach (var name in User ?? [])
            {
                subjects.Add(PermissionSubject.User(name));
            }
            foreach (var name in Group ?? [])
            {
                subjects.Add(PermissionSubject.User(null, [name]));
            }
        }
        catch (K8sClientException e)
        {
            failed = true;
            WriteErrorFor(e, InputObject?.ToString() ?? ServiceAccount?.FirstOrDefault());
        }
    }

    /// <summary>Audits once, for every subject collected (or all), and writes the findings, most severe first.</summary>
    protected override void EndProcessing()
    {
        if (failed && subjects.Count == 0)
        {
            return; // every subject given was wrong: auditing everyone instead would answer another question
        }
        try
        {
            var rbac = LoadRbac(PermissionMapping.Given(Namespace) ?? "default");
            var ns = PermissionMapping.Given(Namespace);
            var result = RiskAudit.Audit(rbac.Policy, new RiskAuditOptions
            {
                Subjects = subjects.DistinctBy(s => s + "|" + string.Join(",", s.Groups)).ToList(),
                MinimumSeverity = (RiskSeverity)(int)MinimumSeverity,
                Namespaces = ns is null ? null : [ns],
            });
            if (result.Errors.Count > 0)
            {
                WriteWarning("Some bindings could not be resolved (their roles are missing): " + string.Join("; ", result.Errors));
            }
            var ordered = result.Findings
                .OrderByDescending(f => f.Severity)
                .ThenBy(f => f.SubjectKind, StringComparer.Ordinal)
                .ThenBy(f => f.SubjectNamespace, StringComparer.Ordinal)
                .ThenBy(f => f.SubjectName, StringComparer.Ordinal)
                .ThenBy(f => f.Scope, StringComparer.Ordinal);
            WriteObject(ordered.Select(PermissionMapping.ToFinding), enumerateCollection: true);
        }
        catch (K8sClientException e)
        {
            WriteErrorFor(e, Namespace);
        }
    }
}
