using System.Management.Automation;
using K8sServiceAccount.Client;
using K8sServiceAccount.Client.Http;
using K8sServiceAccount.Client.Permissions;
using K8sServiceAccount.Internal;
using K8sServiceAccount.Completion;

namespace K8sServiceAccount.Commands;

/// <summary>
/// Lists the effective RBAC rules of a ServiceAccount, a user or groups, each with its scope (cluster-wide or a
/// namespace) and the binding and role that grant it; or your own rules in a namespace (SelfSubjectRulesReview, as
/// kubectl auth can-i --list, with its Incomplete flag). Rules of others are computed from the cluster's RBAC objects
/// (read once; needs list on them), from a snapshot (-Snapshot) or offline from policy documents (-Policy).
/// </summary>
[Cmdlet(VerbsCommon.Get, "K8sPermission")]
[OutputType(typeof(K8sPermissionRule))]
public sealed class GetK8sPermissionCommand : RbacEvaluationCmdletBase
{

    private RbacSnapshot? rbac;
    private KubernetesApiException? rbacForbidden;

    /// <summary>
    /// The subject's rules from a SelfSubjectRulesReview: the caller's own, or (with <paramref name="listForbidden"/>) another
    /// identity's by impersonation.
    /// </summary>
    private void WriteReview(PermissionSubject subject, string ns, KubernetesApiException? listForbidden)
    {
        var review = Invoke((connection, token) => listForbidden is null
            ? new PermissionChecker(connection, log: Log).ReviewOwnRulesAsync(ns, token)
            : new PermissionChecker(connection, log: Log).ReviewRulesAsAsync(subject, ns, listForbidden, token));
        if (review.Incomplete)
        {
            var whose = listForbidden is null ? "your rules" : $"the rules of {subject}";
            WriteWarning($"The server could not list all {whose} in namespace {ns} (an authorizer cannot list rules): more may be allowed than shown.{(review.EvaluationError.Length > 0 ? " " + review.EvaluationError : "")}");
        }
        WriteObject(review.Rules.Select(r => PermissionMapping.ToRule(r, subject.ToString(), review.Incomplete, review.EvaluationError, K8sPermissionRule.RulesReviewMethod)), enumerateCollection: true);
    }

    /// <summary>
    /// The ServiceAccount: NAMESPACE/NAME, NAMESPACE:NAME, or NAME in -Namespace (bound from piped objects' ServiceAccount
    /// property). Without -Namespace every scope is listed; with it, that namespace's rules and the cluster-wide ones. On
    /// the cluster, a ServiceAccount that does not exist is reported with a warning (its bindings may still exist).
    /// </summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ServiceAccountCompleter))]
    public string? ServiceAccount { get; set; }

    /// <summary>
    /// A ServiceAccount from Get-K8sServiceAccount or New-K8sServiceAccount, usually piped: its rules are listed as for
    /// -ServiceAccount NAMESPACE/NAME (every scope unless -Namespace is given).
    /// </summary>
    [Parameter(ValueFromPipeline = true)]
    [ValidateNotNull]
    public K8sServiceAccountInfo? InputObject { get; set; }

    /// <summary>
    /// List the rules of this user, with the groups the server gives that user when impersonating it (kubectl --as): the -Group
    /// groups plus system:authenticated; a user named system:serviceaccount:NAMESPACE:NAME without -Group gets the
    /// ServiceAccount's groups, system:anonymous gets system:unauthenticated.
    /// </summary>
    [Parameter]
    [Alias("As")]
    [ValidateNotNullOrEmpty]
    public string? User { get; set; }

    /// <summary>The groups of the user (kubectl --as-group); alone, lists the rules of an identity with only these groups.</summary>
    [Parameter]
    [Alias("AsGroup")]
    [ValidateNotNullOrEmpty]
    public string[]? Group { get; set; }

    /// <summary>Writes the rules of each subject.</summary>
    protected override void ProcessRecord()
    {
        var explicitNamespace = PermissionMapping.Given(Namespace);
        PermissionSubject subject;
        try
        {
            if (InputObject is { } account)
            {
                if (ServiceAccount is not null || User is not null || Group is not null)
                {
                    throw PermissionErrors.InvalidArgument(
                        nameof(ServiceAccount), $"A ServiceAccount ({account}) was piped in: do not give -ServiceAccount, -User or -Group as well.");
                }

                subject = PermissionSubject.ServiceAccount(account.Namespace, account.Name, nameof(InputObject));
            }
            else
            {
                subject = PermissionMapping.Subject(ServiceAccount, User, Group, NamespaceOrDefault);
                if (subject.Kind == PermissionSubjectKind.ServiceAccount && OnCluster && MissingServiceAccount(subject, nameof(ServiceAccount)) is { } missing)
                {
                    WriteWarning($"{missing.Message} These are the rules it would have.");
                }
            }
        }
        catch (K8sClientException e)
        {
            WriteErrorFor(e, ServiceAccount ?? User);
            return;
        }

        try
        {
            if (subject.Kind == PermissionSubjectKind.Self && OnCluster)
            {
                WriteReview(subject, Settings.Namespace, null);
                return;
            }

            if (rbacForbidden is null)
            {
                try
                {
                    rbac ??= LoadRbac(PermissionMapping.Given(Namespace) ?? "default");
                }
                catch (KubernetesApiException e) when (e.IsForbidden && OnCluster)
                {
                    rbacForbidden = e;
                }
            }
            if (rbacForbidden is not null)
            {
                // Without list on RBAC objects, ask the server as the subject would (kubectl auth can-i --list --as), in a
                // ServiceAccount's own namespace unless -Namespace says otherwise.
                var ns = explicitNamespace ?? subject.Namespace ?? Settings.Namespace;
                this.WriteVerboseLine($"Listing the RBAC objects was forbidden ({rbacForbidden.Message}); asking the server for the rules of {subject} in namespace {ns} with a SelfSubjectRulesReview while impersonating it.");
                WriteReview(subject, ns, rbacForbidden);
                return;
            }

            var rules = rbac!.EffectiveRulesFor(subject, explicitNamespace, out var errors);
            var error = string.Join("; ", errors);
            if (error.Length > 0)
            {
                WriteWarning($"Some bindings of {subject} could not be resolved: {error}");
            }
            WriteObject(rules.Select(r => PermissionMapping.ToRule(r, subject.ToString(), false, error)), enumerateCollection: true);
        }
        catch (K8sClientException e)
        {
            WriteErrorFor(e, subject.ToString());
        }
    }
}
