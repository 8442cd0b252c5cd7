using System.Collections.Concurrent;
using System.Management.Automation;
using K8sServiceAccount.Client;
using K8sServiceAccount.Client.Api;
using K8sServiceAccount.Client.Permissions;
using K8sServiceAccount.Internal;

namespace K8sServiceAccount.Commands;

/// <summary>
/// Checks whether you, a ServiceAccount, a user or groups may perform an action, as kubectl auth can-i does: on the
/// server (SelfSubjectAccessReview, SubjectAccessReview, impersonation when SubjectAccessReview is forbidden), on an
/// RBAC snapshot (-Snapshot) or offline on policy files (-Policy). Piped rows (objects, hashtables, Import-Csv rows) are
/// checked concurrently, bounded by -ThrottleLimit, and each result is written as soon as it is known. A denial is a
/// result with Allowed false; an error is written only when a check could not run.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "K8sPermission")]
[OutputType(typeof(K8sPermissionCheckResult), typeof(bool))]
public sealed class TestK8sPermissionCommand : RbacEvaluationCmdletBase
{
    private const string ActivityName = "Test-K8sPermission";

    private readonly List<PermissionCheck> checks = new();
    private readonly ConcurrentDictionary<PermissionCheckResult, PermissionExplanation> explanations = new();

    /// <summary>The verb: get, list, watch, create, update, patch, delete, deletecollection, use, bind, escalate, impersonate, * or a custom verb.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Verb { get; set; } = string.Empty;

    /// <summary>
    /// The resource type in kubectl's syntax: plural, singular or short name (pods, pod, po), with .group
    /// (deployments.apps) and /subresource (deployments/scale). Resolved through the server's discovery, with kubectl's
    /// warnings for unknown types; offline (-Policy) it is used as written.
    /// </summary>
    [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
    public string? Resource { get; set; }

    /// <summary>The API group (apps, batch; core for the core group); when empty, taken from -Resource or discovery.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? Group { get; set; }

    /// <summary>The subresource (scale, status, log...), unless given in -Resource as TYPE/SUBRESOURCE.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? Subresource { get; set; }

    /// <summary>The object name, for rules limited to resourceNames; any object when omitted.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? Name { get; set; }

    /// <summary>A non-resource URL such as /healthz or /logs/ (instead of -Resource); checked at cluster level.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? NonResourceUrl { get; set; }

    /// <summary>Check in every namespace and at cluster scope (kubectl -A): the action must be allowed cluster-wide.</summary>
    [Parameter]
    public SwitchParameter AllNamespaces { get; set; }

    /// <summary>
    /// Check a ServiceAccount instead of yourself: NAMESPACE/NAME, NAMESPACE:NAME, system:serviceaccount:NAMESPACE:NAME, or
    /// NAME in -Namespace. The ServiceAccount's groups (system:serviceaccounts, system:serviceaccounts:NAMESPACE,
    /// system:authenticated) are included.
    /// </summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? ServiceAccount { get; set; }

    /// <summary>
    /// Check a user instead of yourself, with the groups the server gives that user when impersonating it (kubectl --as): the -UserGroup
    /// groups plus system:authenticated; a user named system:serviceaccount:NAMESPACE:NAME without -UserGroup gets the
    /// ServiceAccount's groups, system:anonymous gets system:unauthenticated.
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? User { get; set; }

    /// <summary>The groups of the user checked (kubectl --as-group); alone, checks an identity with only these groups.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? UserGroup { get; set; }

    /// <summary>
    /// Also list every binding, role and rule that grants the action (or say that none does, or that the server allowed
    /// it without RBAC). On the cluster this reads all RBAC objects once, which needs list on them.
    /// </summary>
    [Parameter]
    public SwitchParameter Explain { get; set; }

    /// <summary>Write only True or False per check, in input order, instead of result objects.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    /// <summary>How many checks run at the same time (default 16).</summary>
    [Parameter]
    [ValidateRange(1, 256)]
    public int ThrottleLimit { get; set; } = 16;

    /// <summary>Collects each pipeline row as a check; the checks run together in EndProcessing.</summary>
    protected override void ProcessRecord()
    {
        var target = PermissionMapping.Given(Resource) ?? PermissionMapping.Given(NonResourceUrl) ?? Verb;
        try
        {
            var ns = DefaultNamespace();
            var subject = PermissionMapping.Subject(ServiceAccount, User, UserGroup, ns);
            checks.Add(PermissionMapping.Check(Verb, Resource, Group, Subresource, Name, NonResourceUrl, AllNamespaces ? "" : ns, subject));
        }
        catch (K8sClientException e)
        {
            WriteErrorFor(e, target);
        }
    }

    /// <summary>Runs the collected checks concurrently and writes each result as it arrives.</summary>
    protected override void EndProcessing()
    {
        if (checks.Count == 0)
        {
            return;
        }

        var quietAnswers = new SortedDictionary<int, bool>();
        var completed = 0;
        var progress = new ProgressRecord(1, ActivityName, $"Checking {checks.Count} permissions");
        void OnOutcome(PermissionCheckOutcome outcome)
        {
            completed++;
            if (checks.Count > 1)
            {
                progress.PercentComplete = completed * 100 / checks.Count;
                progress.StatusDescription = $"{completed} of {checks.Count} checked";
                WriteProgress(progress);
            }

            if (outcome.Error is not null)
            {
                WriteErrorFor(outcome.Error, outcome.Check.Resource ?? outcome.Check.NonResourceUrl);
            }
            else if (Quiet)
            {
                quietAnswers[outcome.Index] = outcome.Result!.Allowed;
            }
            else
            {
                explanations.TryGetValue(outcome.Result!, out var explanation);
                WriteObject(PermissionMapping.ToResult(outcome.Result!, explanation));
            }
        }

        try
        {
            if (OnCluster)
            {
                var evaluator = Invoke((connection, token) => ServerEvaluatorAsync(connection, token));
                InvokeEach((_, token) => evaluator.CheckManyAsync(checks, ThrottleLimit, null, token), OnOutcome);
            }
            else
            {
                var snapshot = LoadRbac(PermissionMapping.Given(Namespace) ?? "default");
                RunLocally(Explain ? new ExplainingEvaluator(snapshot, snapshot, null, explanations) : snapshot, OnOutcome);
            }
        }
        catch (K8sClientException e)
        {
            ThrowTerminatingErrorFor(e, Offline ? PolicyDocuments.Describe(Policy!) : null);
        }
        finally
        {
            if (checks.Count > 1)
            {
                progress.RecordType = ProgressRecordType.Completed;
                WriteProgress(progress);
            }
        }

        foreach (var answer in quietAnswers.Values)
        {
            WriteObject(answer);
        }
    }

    // The namespace of a check: -Namespace, else the connection's, the snapshot's or (offline) default.
    private string DefaultNamespace() => NamespaceOrDefault;

    private async Task<IPermissionEvaluator> ServerEvaluatorAsync(Client.Http.KubernetesConnection connection, CancellationToken token)
    {
        var checker = new PermissionChecker(connection, new ResourceNameResolver(connection, Log), Log);
        if (!Explain)
        {
            return checker;
        }

        var snapshot = await RbacSnapshot.LoadAsync(connection, new ResourceNameResolver(connection), cancellationToken: token).ConfigureAwait(false);
        Client.Rbac.UserInfo? self = null;
        if (checks.Any(c => c.Subject.Kind == PermissionSubjectKind.Self))
        {
            var identity = await new AuthenticationOperations(connection).WhoAmIAsync(token).ConfigureAwait(false);
            self = new Client.Rbac.UserInfo(identity.Username ?? "", identity.Uid, identity.Groups);
        }
        return new ExplainingEvaluator(checker, snapshot, self, explanations);
    }

    // Offline and snapshot checks need no connection: they run on the pipeline thread's behalf, still concurrently bounded.
    private void RunLocally(IPermissionEvaluator evaluator, Action<PermissionCheckOutcome> onOutcome)
    {
        var outcomes = evaluator.CheckManyAsync(checks, ThrottleLimit, null, CancellationToken).GetAsyncEnumerator(CancellationToken);
        try
        {
            while (outcomes.MoveNextAsync().AsTask().GetAwaiter().GetResult())
            {
                onOutcome(outcomes.Current);
            }
        }
        catch (OperationCanceledException) when (CancellationToken.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        finally
        {
            outcomes.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>Answers with an inner evaluator and records, for each answer, the RBAC explanation from a snapshot.</summary>
    private sealed class ExplainingEvaluator(
        IPermissionEvaluator inner, RbacSnapshot rbac, Client.Rbac.UserInfo? self, ConcurrentDictionary<PermissionCheckResult, PermissionExplanation> explanations)
        : IPermissionEvaluator
    {
        public async Task<PermissionCheckResult> CheckAsync(PermissionCheck check, CancellationToken cancellationToken = default)
        {
            var result = await inner.CheckAsync(check, cancellationToken).ConfigureAwait(false);
            var explained = check;
            if (check.Subject.Kind == PermissionSubjectKind.Self && self is not null)
            {
                // Your own identity as the server reported it (SelfSubjectReview), evaluated against the snapshot.
                explained = check with { Subject = PermissionSubject.User(self.Name, self.Groups) };
            }
            var explanation = await rbac.ExplainAsync(explained, ReferenceEquals(inner, rbac) ? null : result, cancellationToken).ConfigureAwait(false);
            explanations[result] = explanation;
            return result;
        }
    }
}
