using System.Management.Automation;
using K8sServiceAccount.Client;
using K8sServiceAccount.Client.Models;
using K8sServiceAccount.Client.Permissions;
using K8sServiceAccount.Internal;
using K8sServiceAccount.Completion;

namespace K8sServiceAccount;

/// <summary>
/// Shared parameters and request building of Grant-K8sPermission and Revoke-K8sPermission: the subject (a
/// ServiceAccount, user or groups), the rule (-Resource, -ApiGroup, -ResourceName, -NonResourceUrl), -ClusterWide and the
/// name of the managed role and binding. Each cmdlet declares -Verb itself, since only Grant requires it.
/// </summary>
public abstract class PermissionGrantCmdletBase : NamespacedObjectCmdletBase
{
    /// <summary>The parameter set of a subject and rules given as parameters (Revoke-K8sPermission also takes a piped grant).</summary>
    private protected const string SubjectSet = "Subject";

    /// <summary>
    /// The ServiceAccount: NAMESPACE/NAME or NAMESPACE:NAME (the role and binding are then made in that namespace unless
    /// -Namespace is given), or NAME in -Namespace; bound from piped objects' ServiceAccount property. The ServiceAccount
    /// need not exist yet.
    /// </summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = SubjectSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ServiceAccountCompleter))]
    public string? ServiceAccount { get; set; }

    /// <summary>
    /// A ServiceAccount from Get-K8sServiceAccount or New-K8sServiceAccount, usually piped: the subject, with the role and
    /// binding in its own namespace unless -Namespace is given. A piped one reaches it through -PipelineInput.
    /// </summary>
    [Parameter(ParameterSetName = SubjectSet)]
    [ValidateNotNull]
    public K8sServiceAccountInfo? InputObject { get; set; }

    /// <summary>
    /// Every piped object, as it is: a ServiceAccount is the -InputObject (a grant Revoke-K8sPermission's -Grant), any
    /// other object a row whose ServiceAccount property binds by name. Hidden: the pipeline's way in, not a parameter to
    /// type; one parameter of type object, so that PowerShell never tries to convert each row into a ServiceAccount
    /// (<see cref="PipelineRouting"/>).
    /// </summary>
    [Parameter(ValueFromPipeline = true, DontShow = true, ParameterSetName = SubjectSet)]
    public object? PipelineInput { get; set; }

    /// <summary>A user instead of a ServiceAccount.</summary>
    [Parameter(ParameterSetName = SubjectSet)]
    [ValidateNotNullOrEmpty]
    public string? User { get; set; }

    /// <summary>
    /// Groups instead of a ServiceAccount (for example system:serviceaccounts:NAMESPACE for all its ServiceAccounts), as
    /// kubectl create rolebinding --group; each group is a subject of its own (its own role and binding unless -Name).
    /// </summary>
    [Parameter(ParameterSetName = SubjectSet)]
    [ValidateNotNullOrEmpty]
    public string[]? Group { get; set; }

    /// <summary>
    /// The resources in kubectl's syntax: deployments, deployments.apps, deployments/scale, deploy, *. Resolved through the cluster's discovery as kubectl create role does (deployments is apps/deployments); a type the server does not have is an error.
    /// </summary>
    [Parameter(ParameterSetName = SubjectSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ResourceCompleter))]
    public string[]? Resource { get; set; }

    /// <summary>The API groups for all resources ('' or core for the core group), e.g. apps,extensions; by default from each resource's text.</summary>
    [Parameter(ParameterSetName = SubjectSet)]
    [ArgumentCompleter(typeof(ApiGroupCompleter))]
    public string[]? ApiGroup { get; set; }

    /// <summary>Limit the rule to objects with these names.</summary>
    [Parameter(ParameterSetName = SubjectSet)]
    [ValidateNotNullOrEmpty]
    public string[]? ResourceName { get; set; }

    /// <summary>Non-resource URLs (/healthz, /logs/*); only with -ClusterWide.</summary>
    [Parameter(ParameterSetName = SubjectSet)]
    [ValidateNotNullOrEmpty]
    public string[]? NonResourceUrl { get; set; }

    /// <summary>Use a ClusterRole and ClusterRoleBinding (effective in every namespace and at cluster scope) instead of a Role and RoleBinding in -Namespace.</summary>
    [Parameter(ParameterSetName = SubjectSet)]
    public SwitchParameter ClusterWide { get; set; }

    /// <summary>The name of the role and the binding; by default k8ssa-grant:NAMESPACE:NAME (user:NAME, group:NAME for users and groups).</summary>
    [Parameter(ParameterSetName = SubjectSet)]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    // Only this module's cmdlets derive from it: the request they build names client types and stays off the public surface.
    private protected PermissionGrantCmdletBase()
    {
        Piped = new PipelineRouting(this);
    }

    /// <summary>How piped objects reach -InputObject (and Revoke-K8sPermission's -Grant).</summary>
    private protected PipelineRouting Piped { get; }

    /// <summary>The -InputObject of this record: the piped ServiceAccount, else the command line's (set by <see cref="RouteInput"/>).</summary>
    private protected K8sServiceAccountInfo? RowAccount { get; private set; }

    /// <summary>Notes the parameters given on the command line, before any piped object binds.</summary>
    protected override void BeginProcessing()
    {
        base.BeginProcessing();
        Piped.Begin();
    }

    /// <summary>
    /// Gives this record's piped object to the parameter of its type: a ServiceAccount to -InputObject. An object of
    /// none of <paramref name="otherTypes"/> (the derived cmdlet's own) must bind -ServiceAccount by property name.
    /// </summary>
    private protected void RouteInput(params Type[] otherTypes)
    {
        RowAccount = PipelineRouting.Route(PipelineInput, InputObject, nameof(InputObject), "a ServiceAccount");
        var piped = PipelineValue.Unwrap(PipelineInput);
        if (piped is not K8sServiceAccountInfo && !otherTypes.Any(t => t.IsInstanceOfType(piped)))
        {
            Piped.EnsureBound(PipelineInput, nameof(InputObject), "a ServiceAccount (Get-K8sServiceAccount)" + PipedExpected);
        }
    }

    /// <summary><see cref="RouteInput"/>, writing its error for this record: false when the record is not to be processed.</summary>
    private protected bool TryRouteInput(params Type[] otherTypes)
    {
        try
        {
            RouteInput(otherTypes);
            return true;
        }
        catch (K8sClientException e)
        {
            WriteErrorFor(e, PipelineValue.Unwrap(PipelineInput));
            return false;
        }
    }

    /// <summary>What else the derived cmdlet takes from the pipeline, for the error about an object that binds to nothing.</summary>
    private protected virtual string PipedExpected => "";

    /// <summary>
    /// Builds one request per subject (the ServiceAccount, the user, or each group) from the parameters, each with its
    /// target for ShouldProcess and errors. <paramref name="verb"/> is the derived cmdlet's -Verb (mandatory for Grant,
    /// optional for Revoke); rules are built once, when <paramref name="rulesRequired"/> or when any rule parameter is given.
    /// </summary>
    private protected IReadOnlyList<(GrantRequest Request, string Target)> Prepare(string[]? verb, bool rulesRequired)
    {
        // A piped ServiceAccount stands for -ServiceAccount NAMESPACE/NAME (its Namespace also bound -Namespace, unless given).
        var serviceAccount = RowAccount?.ToString() ?? ServiceAccount;
        if (RowAccount is not null && (ServiceAccount is not null || User is not null || Group is not null))
        {
            throw PermissionErrors.InvalidArgument(
                "ServiceAccount", $"A ServiceAccount ({RowAccount}) was piped in as the subject: do not give -ServiceAccount, -User or -Group as well.");
        }

        var ns = PermissionMapping.ServiceAccountScope(serviceAccount, Namespace, () => Settings.Namespace);
        var subjects = PermissionMapping.GrantSubjects(serviceAccount, User, Group, ns);

        IReadOnlyList<PolicyRule> rules = [];
        if (rulesRequired || verb is not null || Resource is not null || NonResourceUrl is not null)
        {
            var ruleRequest = new PolicyRuleRequest
            {
                Verbs = verb ?? [],
                Resources = Resource ?? [],
                Groups = ApiGroup?.Select(PermissionMapping.ApiGroup).ToArray(),
                ResourceNames = ResourceName ?? [],
                NonResourceUrls = NonResourceUrl ?? [],
            };
            // Resources are resolved through discovery as kubectl create role does (deployments is in apps), so the
            // rule grants what the user meant, and Revoke resolves the same words to the rules Grant wrote.
            var warnings = new List<string>();
            var log = Log;
            rules = Invoke((connection, token) => new PermissionGrantOperations(connection).BuildRulesAsync(ruleRequest, ClusterWide, warnings, log, token));
            warnings.ForEach(WriteWarning);
        }

        return subjects
            .Select(subject => new GrantRequest { Subject = subject, Rules = rules, Namespace = ns, ClusterWide = ClusterWide, Name = Name })
            .Select(request => (request, Target(request)))
            .ToList();
    }

    /// <summary>The role and binding a request changes, for ShouldProcess and errors.</summary>
    private protected static string Target(GrantRequest request)
    {
        var name = request.Name ?? PermissionGrantOperations.DefaultName(request.Subject);
        return request.ClusterWide
            ? $"{PermissionMapping.Target("ClusterRole", null, name)} and {PermissionMapping.Target("ClusterRoleBinding", null, name)}"
            : $"{PermissionMapping.Target("Role", request.Namespace, name)} and {PermissionMapping.Target("RoleBinding", request.Namespace, name)}";
    }

    /// <summary>
    /// Prepares the requests and runs <paramref name="apply"/> on each: an error is written for the subject it concerns
    /// (or, when the arguments are wrong, for the whole command) while the other subjects are still processed.
    /// </summary>
    private protected void ForEachRequest(string[]? verb, bool rulesRequired, Action<GrantRequest, string> apply) =>
        ForEachRequest(() => Prepare(verb, rulesRequired), RowAccount?.ToString() ?? ServiceAccount ?? User ?? (Group is null ? null : string.Join(",", Group)), apply);

    /// <summary>Runs <paramref name="apply"/> on each request <paramref name="prepare"/> makes; its errors concern <paramref name="subject"/>.</summary>
    private protected void ForEachRequest(Func<IReadOnlyList<(GrantRequest Request, string Target)>> prepare, object? subject, Action<GrantRequest, string> apply)
    {
        IReadOnlyList<(GrantRequest Request, string Target)> requests;
        try
        {
            requests = prepare();
        }
        catch (K8sClientException e)
        {
            WriteErrorFor(e, subject);
            return;
        }

        foreach (var (request, target) in requests)
        {
            try
            {
                apply(request, target);
            }
            catch (K8sClientException e)
            {
                WriteErrorFor(e, target);
            }
        }
    }
}
