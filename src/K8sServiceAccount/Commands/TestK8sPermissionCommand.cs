using System.Collections;
using System.Collections.Concurrent;
using System.Management.Automation;
using K8sServiceAccount.Client;
using K8sServiceAccount.Client.Api;
using K8sServiceAccount.Client.Permissions;
using K8sServiceAccount.Client.Rbac;
using K8sServiceAccount.Internal;
using K8sServiceAccount.Completion;

namespace K8sServiceAccount.Commands;

/// <summary>
/// Checks whether you, a ServiceAccount, a user or groups may perform an action, as kubectl auth can-i does: on the
/// server (SelfSubjectAccessReview, SubjectAccessReview, impersonation when SubjectAccessReview is forbidden), on an
/// RBAC snapshot (-Snapshot) or offline on policy files (-Policy). Piped rows (objects, hashtables, Import-Csv rows) are
/// checked as they arrive, concurrently up to -ThrottleLimit, and results (and errors) are written in input order, each as
/// soon as it and every earlier row are done, while later rows are still being read. -ThrottleLimit bounds the checks
/// running; four times it bounds the rows checked or waiting to be written (a slow row holds back the results after it,
/// not the checks): when either is reached the input waits. A
/// denial is a result with Allowed false; an error is written only when a check could not run.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "K8sPermission")]
[OutputType(typeof(K8sPermissionCheckResult), typeof(bool))]
public sealed class TestK8sPermissionCommand : PermissionActionCmdletBase
{
    private const string ActivityName = "Test-K8sPermission";
    private const long ProgressIntervalMs = 200;

    // Explanations by result object (two rows may ask the same question), removed as each result is written.
    private readonly ConcurrentDictionary<PermissionCheckResult, PermissionExplanation> explanations = new(ReferenceEqualityComparer.Instance);
    private PermissionBatch? batch;
    private int completed;
    private int failed;
    private ProgressRecord? progress;
    private long lastProgress;
    // -Name as given on the command line: a piped ServiceAccount's Name also binds to -Name, and is not an object name.
    private string? commandLineName;

    /// <summary>
    /// Check a ServiceAccount instead of yourself: NAMESPACE/NAME, NAMESPACE:NAME or system:serviceaccount:NAMESPACE:NAME
    /// (checked in that namespace unless -Namespace is given), or NAME in -Namespace. The ServiceAccount's groups
    /// (system:serviceaccounts, system:serviceaccounts:NAMESPACE, system:authenticated) are included.
    /// </summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ServiceAccountCompleter))]
    public string? ServiceAccount { get; set; }

    /// <summary>
    /// A ServiceAccount from Get-K8sServiceAccount or New-K8sServiceAccount, usually piped: it is the subject checked, in
    /// its own namespace unless -Namespace is given. Its Name is not taken as -Name. A piped one reaches it through
    /// -PipelineInput (<see cref="PipelineRouting"/>).
    /// </summary>
    [Parameter]
    [ValidateNotNull]
    public K8sServiceAccountInfo? InputObject { get; set; }

    /// <summary>
    /// Check a user instead of yourself, with the groups the server gives that user when impersonating it (kubectl --as): the -Group
    /// groups plus system:authenticated; a user named system:serviceaccount:NAMESPACE:NAME without -Group gets the
    /// ServiceAccount's groups, system:anonymous gets system:unauthenticated.
    /// </summary>
    [Parameter]
    [Alias("As")]
    [ValidateNotNullOrEmpty]
    public string? User { get; set; }

    /// <summary>
    /// The groups of the user checked (kubectl --as-group); needs -User, as --as-group needs --as. A subject's group, never
    /// an API group (that is -ApiGroup).
    /// </summary>
    [Parameter]
    [Alias("AsGroup")]
    [ValidateNotNullOrEmpty]
    public string[]? Group { get; set; }

    /// <summary>
    /// Also list every binding, role and rule that grants the action (or say that none does, naming any binding whose role
    /// is missing, or that the server allowed it without RBAC). On the cluster this reads all RBAC objects once, which
    /// needs list on them.
    /// </summary>
    [Parameter]
    public SwitchParameter Explain { get; set; }

    /// <summary>Write only True or False per check, in input order, instead of result objects.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    /// <summary>
    /// How many rows are in flight at the same time (default 16), checked or waiting for an earlier row's result to be
    /// written: a row waits for a free slot, and the pipeline input waits with it, so a long input is read only as fast as
    /// it is checked.
    /// </summary>
    [Parameter]
    [ValidateRange(1, 256)]
    public int ThrottleLimit { get; set; } = 16;

    /// <inheritdoc cref="PermissionActionCmdletBase.ActionKeys"/>
    private protected override IEnumerable<string> ActionKeys => base.ActionKeys.Append(nameof(ServiceAccount));

    /// <inheritdoc cref="PermissionActionCmdletBase.ObjectName"/>
    private protected override string? ObjectName => rowAccount is null ? base.ObjectName : commandLineName;

    /// <inheritdoc cref="PermissionActionCmdletBase.PipedParameter"/>
    private protected override string PipedParameter => nameof(InputObject);

    /// <inheritdoc cref="PermissionActionCmdletBase.PipedExpected"/>
    private protected override string PipedExpected => "a ServiceAccount (Get-K8sServiceAccount), a hashtable (-Action)";

    // The -InputObject of this record: the piped ServiceAccount, else the command line's.
    private K8sServiceAccountInfo? rowAccount;

    /// <summary>A piped ServiceAccount is the -InputObject of its record.</summary>
    private protected override bool RouteOwnInput()
    {
        rowAccount = PipelineRouting.Route(PipelineInput, InputObject, nameof(InputObject), "a ServiceAccount");
        return PipelineValue.Unwrap(PipelineInput) is K8sServiceAccountInfo;
    }

    /// <summary>Refuses -Policy with -Snapshot; notes the command line's -Name before any piped object binds.</summary>
    protected override void BeginProcessing()
    {
        base.BeginProcessing();
        commandLineName = Name;
    }

    /// <summary>
    /// Starts the row's check at once, or, when -ThrottleLimit checks run (or the window is full), waits for room; meanwhile
    /// writes the results that are ready, so they come out while the input is still being read.
    /// </summary>
    protected override void ProcessRecord()
    {
        string? target = null;
        PermissionCheck check;
        try
        {
            RouteInput();
            target = ActionTarget;
            ValidateAction();
            var (ns, subject) = Subject();
            check = ActionCheck(ns, subject);
        }
        catch (K8sClientException e)
        {
            WriteErrorFor(e, target);
            return;
        }

        if (batch is null && OnCluster && !MyInvocation.ExpectingInput)
        {
            // One check on the cluster and no pipeline input (Test-K8sPermission get pods typed alone): no batch to hold
            // it in input order, only the request and its answer, written as the batch would write it.
            CheckAlone(check);
            return;
        }

        // Input order: a result waits for the earlier rows', within the -ThrottleLimit rows the batch holds.
        batch ??= new PermissionBatch(StartEvaluator(), ThrottleLimit, WakePipelineThread, CancellationToken, inputOrder: true);
        // The check starts here, on the pipeline thread, as soon as a slot is free: at once, or when a finished check's
        // result has been written (freeing its slot) during the wait. On the cluster its requests log to this command.
        using (OnCluster ? UseConnection(ClientConnection) : null)
        {
            PipelineAdmission.Add(batch, check, WriteOutcomes, WaitForBatch);
        }
    }

    /// <summary>Waits for the checks still in flight, writing each result as it finishes, and completes the progress record.</summary>
    protected override void EndProcessing()
    {
        if (batch is null)
        {
            return;
        }

        batch.Complete();
        WaitForBatch(batch.Completion, WriteOutcomes);
        // Every check has ended: this only releases the batch's cancellation link.
        batch.DisposeAsync().AsTask().GetAwaiter().GetResult();
        if (progress is not null)
        {
            progress.RecordType = ProgressRecordType.Completed;
            WriteProgress(progress);
        }
    }

    // Whose permission, and where: a piped ServiceAccount in its own namespace (bound to -Namespace from it unless given),
    // else -ServiceAccount, -User and -Group, or yourself, in the namespace CheckNamespace chooses.
    private (string Namespace, PermissionSubject Subject) Subject()
    {
        var serviceAccount = ActionValue(nameof(ServiceAccount), ServiceAccount);
        if (rowAccount is { } account)
        {
            if (PermissionMapping.Given(serviceAccount) is not null || User is not null || Group is not null)
            {
                throw PermissionErrors.InvalidArgument(
                    nameof(ServiceAccount), $"A ServiceAccount ({account}) was piped in as the subject: do not give -ServiceAccount, -User or -Group as well.");
            }

            return (PermissionMapping.Given(Namespace) ?? account.Namespace, PermissionSubject.ServiceAccount(account.Namespace, account.Name, nameof(InputObject)));
        }

        if (PermissionMapping.Given(serviceAccount) is null && User is null && Group is null && RowSubject() is { } subject)
        {
            // A result piped back, or read back with Import-Csv, names its subject only in Subject: the same question is
            // asked of the same ServiceAccount, never silently of the caller instead.
            if (subject.StartsWith(ServiceAccountIdentity.UserNamePrefix, StringComparison.Ordinal))
            {
                serviceAccount = subject;
            }
            else if (subject != PermissionSubject.Self.ToString())
            {
                throw PermissionErrors.InvalidArgument(nameof(User),
                    $"The piped row's Subject \"{subject}\" is a user or groups, which a row does not carry in full: give -User (and -Group) to check it again. Without them the check would be yours.");
            }
        }

        var ns = CheckNamespace(serviceAccount);
        return (ns, PermissionMapping.Subject(serviceAccount, User, Group, ns, groupsNeedUser: true));
    }

    // The Subject property of a piped row (a result of this command, or its Export-Csv row), if it has a non-empty one.
    private string? RowSubject() =>
        MyInvocation.ExpectingInput && PipelineInput is not null && PipelineValue.Unwrap(PipelineInput) is not IDictionary
            && PSObject.AsPSObject(PipelineInput).Properties["Subject"]?.Value is string { Length: > 0 } subject
            ? subject
            : null;

    private void CheckAlone(PermissionCheck check)
    {
        var evaluator = StartEvaluator();
        PermissionCheckOutcome outcome;
        try
        {
            // A check that cannot run is this row's error, as in a batch; Ctrl+C stops the command.
            outcome = new PermissionCheckOutcome(0, check, Invoke((_, token) => evaluator.CheckAsync(check, token)), null);
        }
        catch (K8sClientException e)
        {
            outcome = new PermissionCheckOutcome(0, check, null, e);
        }

        WriteOutcome(outcome);
    }

    // The evaluator is made for the first valid row: a command without one never connects or reads policy files.
    private IPermissionEvaluator StartEvaluator()
    {
        IPermissionEvaluator evaluator;
        try
        {
            if (OnCluster)
            {
                evaluator = Invoke((connection, token) => ServerEvaluatorAsync(connection, token));
            }
            else
            {
                var snapshot = LoadRbac(PermissionMapping.Given(Namespace) ?? "default");
                evaluator = Explain ? new ExplainingEvaluator(snapshot, snapshot, null, explanations) : snapshot;
            }
        }
        catch (K8sClientException e)
        {
            ThrowTerminatingErrorFor(e, Offline ? PolicyDocuments.Describe(Policy!) : null);
            throw;
        }

        return evaluator;
    }

    // Blocks the pipeline thread on the batch (a free slot, or its end) while writing results, errors and the client's log
    // through drain. A check that could not run is an outcome; what fails here is the batch itself, and that ends the command.
    private void WaitForBatch(Task task, Action drain)
    {
        try
        {
            WaitAndDrain(task, drain);
        }
        catch (K8sClientException e)
        {
            ThrowTerminatingErrorFor(e, null);
        }
    }

    // On the pipeline thread: every outcome ready now, then one progress update.
    private void WriteOutcomes()
    {
        var taken = false;
        while (batch!.TryTake(out var outcome))
        {
            taken = true;
            WriteOutcome(outcome);
        }

        if (taken)
        {
            ReportProgress();
        }
    }

    private void WriteOutcome(PermissionCheckOutcome outcome)
    {
        completed++;
        PermissionExplanation? explanation = null;
        if (outcome.Result is not null)
        {
            explanations.TryRemove(outcome.Result, out explanation);
        }

        if (outcome.Error is not null)
        {
            failed++;
            WriteErrorFor(outcome.Error, outcome.Check.Resource ?? outcome.Check.NonResourceUrl);
        }
        else if (Quiet)
        {
            WriteObject(outcome.Result!.Allowed);
        }
        else
        {
            WriteObject(PermissionMapping.ToResult(outcome.Result!, explanation));
        }
    }

    // The input's length is unknown while it streams: progress counts checks, without a percentage. One row alone shows
    // none, and updates are spaced out since local checks can finish far faster than a host redraws.
    private void ReportProgress()
    {
        if (batch!.Added < 2 || Environment.TickCount64 - lastProgress < ProgressIntervalMs)
        {
            return;
        }

        lastProgress = Environment.TickCount64;
        progress ??= new ProgressRecord(1, ActivityName, "Checking permissions");
        progress.StatusDescription = failed == 0
            ? $"{completed} checked, {batch.InFlight} in flight"
            : $"{completed} checked ({failed} could not run), {batch.InFlight} in flight";
        WriteProgress(progress);
    }

    private async Task<IPermissionEvaluator> ServerEvaluatorAsync(Client.Http.KubernetesConnection connection, CancellationToken token)
    {
        var checker = new PermissionChecker(connection, new ResourceNameResolver(connection, Log), Log);
        if (!Explain)
        {
            return checker;
        }

        var snapshot = await RbacSnapshot.LoadAsync(connection, new ResourceNameResolver(connection), cancellationToken: token).ConfigureAwait(false);
        // Your own identity is asked for (SelfSubjectReview) only when a row checks yourself.
        async Task<Client.Rbac.UserInfo> WhoAmIAsync(CancellationToken cancellationToken)
        {
            var identity = await new AuthenticationOperations(connection).WhoAmIAsync(cancellationToken).ConfigureAwait(false);
            return new Client.Rbac.UserInfo(identity.Username ?? "", identity.Uid, identity.Groups);
        }
        return new ExplainingEvaluator(checker, snapshot, WhoAmIAsync, explanations);
    }

    /// <summary>Answers with an inner evaluator and records, for each answer, the RBAC explanation from a snapshot.</summary>
    private sealed class ExplainingEvaluator(
        IPermissionEvaluator inner,
        RbacSnapshot rbac,
        Func<CancellationToken, Task<Client.Rbac.UserInfo>>? whoAmI,
        ConcurrentDictionary<PermissionCheckResult, PermissionExplanation> explanations)
        : IPermissionEvaluator
    {
        private readonly object selfGate = new();
        private Task<Client.Rbac.UserInfo>? self;

        public async Task<PermissionCheckResult> CheckAsync(PermissionCheck check, CancellationToken cancellationToken = default)
        {
            var result = await inner.CheckAsync(check, cancellationToken).ConfigureAwait(false);
            var explained = check;
            if (check.Subject.Kind == PermissionSubjectKind.Self && whoAmI is not null)
            {
                // Your own identity as the server reported it (SelfSubjectReview, asked once), evaluated against the snapshot.
                Task<Client.Rbac.UserInfo> asking;
                lock (selfGate)
                {
                    asking = self ??= whoAmI(cancellationToken);
                }
                var me = await asking.ConfigureAwait(false);
                explained = check with { Subject = PermissionSubject.User(me.Name, me.Groups) };
            }
            var explanation = await rbac.ExplainAsync(explained, ReferenceEquals(inner, rbac) ? null : result, cancellationToken).ConfigureAwait(false);
            explanations[result] = explanation;
            return result;
        }
    }
}
