using System.Collections;
using System.Globalization;
using System.Management.Automation;
using K8sServiceAccount.Client;
using K8sServiceAccount.Client.Permissions;
using K8sServiceAccount.Completion;
using K8sServiceAccount.Internal;

namespace K8sServiceAccount;

/// <summary>
/// The action parameters of Test-K8sPermission and Get-K8sPermissionSubject, as kubectl auth can-i takes them: -Verb,
/// -Resource, -ApiGroup, -Subresource, -Name, -NonResourceUrl and -Namespace (all bindable from pipeline objects by property
/// name, such as Import-Csv rows), -Action for a hashtable row (which PowerShell cannot bind by property name), and
/// -AllNamespaces.
/// </summary>
public abstract class PermissionActionCmdletBase : RbacEvaluationCmdletBase
{
    /// <summary>The verb: get, list, watch, create, update, patch, delete, deletecollection, use, bind, escalate, impersonate, * or a custom verb.</summary>
    // Not Mandatory: a piped hashtable (-Action) gives it as a key, and PowerShell would refuse the row before reading it.
    // A check without a verb is an InvalidVerb error.
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(VerbCompleter))]
    public string Verb { get; set; } = string.Empty;

    /// <summary>
    /// The resource type in kubectl's syntax: plural, singular or short name (pods, pod, po), with .group
    /// (deployments.apps) and /subresource (deployments/scale). Resolved through the server's discovery, with kubectl's
    /// warnings for unknown types; offline (-Policy) it is used as written (a plural without its group is in the core group,
    /// with a warning when the policy names that type only in other API groups).
    /// </summary>
    [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ResourceCompleter))]
    public string? Resource { get; set; }

    /// <summary>
    /// The API group (apps, batch; core for the core group), as kubectl writes it in RESOURCE.GROUP; when empty, taken
    /// from -Resource or discovery. Bound from a piped row's ApiGroup (Test-K8sPermission's results carry it).
    /// </summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ApiGroupCompleter))]
    public string? ApiGroup { get; set; }

    /// <summary>The subresource (scale, status, log...), unless given in -Resource as TYPE/SUBRESOURCE.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? Subresource { get; set; }

    /// <summary>The object name, for rules limited to resourceNames; any object when omitted.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? Name { get; set; }

    /// <summary>A non-resource URL such as /healthz or /logs/ (instead of -Resource); checked at cluster level.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? NonResourceUrl { get; set; }

    /// <summary>
    /// The namespace to check in instead of the context's; also bound from piped rows' Namespace property. Null or empty
    /// means the default.
    /// </summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("n")]
    [ValidateNamespace]
    [ArgumentCompleter(typeof(NamespaceCompleter))]
    public new string? Namespace
    {
        get => base.Namespace;
        set => base.Namespace = value;
    }

    /// <summary>
    /// The action as a hashtable, usually piped (@{ Verb = 'get'; Resource = 'pods' }): its keys are the names of the
    /// parameters a piped object's properties bind to (Verb, Resource, ApiGroup, Subresource, Name, NonResourceUrl,
    /// Namespace, and ServiceAccount for Test-K8sPermission); a parameter given on the command line wins over its key,
    /// and any other key is an error. A piped hashtable reaches it through -PipelineInput (see <see cref="PipelineInput"/>).
    /// </summary>
    [Parameter]
    [ValidateNotNull]
    public IDictionary? Action { get; set; }

    /// <summary>
    /// Every piped object, as it is: a hashtable is the -Action, a ServiceAccount Test-K8sPermission's -InputObject, and
    /// any other object a row whose properties bind by name. Hidden: the pipeline's way in, not a parameter to type; one
    /// parameter of type object, so that PowerShell never tries to convert each row into a hashtable or a ServiceAccount
    /// (<see cref="PipelineRouting"/>).
    /// </summary>
    [Parameter(ValueFromPipeline = true, DontShow = true)]
    public object? PipelineInput { get; set; }

    /// <summary>Ask in every namespace and at cluster scope (kubectl -A): only what is allowed cluster-wide counts.</summary>
    [Parameter]
    [Alias("A")]
    public SwitchParameter AllNamespaces { get; set; }

    // Only this module's cmdlets derive from it: the hooks they use name client types and stay off the public surface.
    private protected PermissionActionCmdletBase()
    {
        Piped = new PipelineRouting(this);
    }

    /// <summary>How piped objects reach -Action and the derived cmdlet's by-value parameters.</summary>
    private protected PipelineRouting Piped { get; }

    /// <summary>The -Action of this record: the piped hashtable, else the command line's (set by <see cref="RouteInput"/>).</summary>
    private protected IDictionary? RowAction { get; private set; }

    /// <summary>Notes the parameters given on the command line, before any piped object binds.</summary>
    protected override void BeginProcessing()
    {
        base.BeginProcessing();
        Piped.Begin();
    }

    /// <summary>
    /// Gives this record's piped object to the parameter of its type: a hashtable to -Action; a derived cmdlet routes its
    /// own types first (<see cref="RouteOwnInput"/>). Any other piped object must bind a parameter by property name.
    /// </summary>
    private protected void RouteInput()
    {
        RowAction = PipelineRouting.Route(PipelineInput, Action, nameof(Action), "a hashtable");
        if (!RouteOwnInput() && PipelineValue.Unwrap(PipelineInput) is not IDictionary)
        {
            Piped.EnsureBound(PipelineInput, PipedParameter, PipedExpected);
        }
    }

    /// <summary>Routes the derived cmdlet's own by-value types; true when the piped object was one.</summary>
    private protected virtual bool RouteOwnInput() => false;

    /// <summary>The parameter an object that binds to nothing is reported against.</summary>
    private protected virtual string PipedParameter => nameof(Action);

    /// <summary>What may be piped, for the error about an object that binds to nothing.</summary>
    private protected virtual string PipedExpected => "a hashtable (-Action)";

    /// <summary>The keys an -Action hashtable may have: the parameters that bind from a piped object's properties.</summary>
    private protected virtual IEnumerable<string> ActionKeys =>
        [nameof(Verb), nameof(Resource), nameof(ApiGroup), nameof(Subresource), nameof(Name), nameof(NonResourceUrl), nameof(Namespace)];

    /// <summary>The object name checked; a derived cmdlet may take it from elsewhere (not from a piped ServiceAccount's name).</summary>
    private protected virtual string? ObjectName => ActionValue(nameof(Name), Name);

    /// <summary>
    /// A parameter's value for this record: as given (on the command line or from a piped object's property), else the
    /// -Action hashtable's key of the same name (case-insensitive).
    /// </summary>
    private protected string? ActionValue(string parameter, string? given)
    {
        if (PermissionMapping.Given(given) is not null || RowAction is null)
        {
            return given;
        }

        foreach (DictionaryEntry entry in RowAction)
        {
            if (string.Equals(Convert.ToString(PipelineValue.Unwrap(entry.Key), CultureInfo.InvariantCulture), parameter, StringComparison.OrdinalIgnoreCase))
            {
                return Convert.ToString(PipelineValue.Unwrap(entry.Value), CultureInfo.InvariantCulture);
            }
        }

        return given;
    }

    /// <summary>
    /// Refuses an -Action hashtable with a key that names no action parameter (a typo such as Verbs would otherwise be
    /// ignored) and a Namespace value that is no namespace name, as -Namespace itself is validated.
    /// </summary>
    private protected void ValidateAction()
    {
        if (RowAction is null)
        {
            return;
        }

        var keys = ActionKeys.ToList();
        foreach (var key in RowAction.Keys.Cast<object?>().Select(k => Convert.ToString(PipelineValue.Unwrap(k), CultureInfo.InvariantCulture) ?? ""))
        {
            if (!keys.Contains(key, StringComparer.OrdinalIgnoreCase))
            {
                throw PermissionErrors.InvalidArgument(nameof(Action), $"-Action: the key \"{key}\" names no parameter; the keys are {string.Join(", ", keys)}.");
            }
        }

        if (KubernetesNames.NamespaceError(ActionValue(nameof(Namespace), Namespace)) is { } error)
        {
            throw PermissionErrors.InvalidArgument(nameof(Namespace), "-Namespace: " + error);
        }
    }

    /// <summary>
    /// The namespace of the check: -Namespace (or the row's), else the namespace of a <paramref name="serviceAccount"/>
    /// given as NAMESPACE/NAME, else the connection's, the snapshot's or (offline) default.
    /// </summary>
    private protected string CheckNamespace(string? serviceAccount) =>
        PermissionMapping.ServiceAccountScope(serviceAccount, ActionValue(nameof(Namespace), Namespace), () => NamespaceOrDefault);

    /// <summary>The action as a check for <paramref name="subject"/>, in <paramref name="namespace"/> unless -AllNamespaces.</summary>
    private protected PermissionCheck ActionCheck(string @namespace, PermissionSubject subject) =>
        PermissionMapping.Check(
            ActionValue(nameof(Verb), Verb),
            ActionValue(nameof(Resource), Resource),
            ActionValue(nameof(ApiGroup), ApiGroup),
            ActionValue(nameof(Subresource), Subresource),
            ObjectName,
            ActionValue(nameof(NonResourceUrl), NonResourceUrl),
            AllNamespaces ? "" : @namespace,
            subject);

    /// <summary>What a failed check is reported against: -Resource, else -NonResourceUrl, else -Verb.</summary>
    private protected string ActionTarget =>
        PermissionMapping.Given(ActionValue(nameof(Resource), Resource))
        ?? PermissionMapping.Given(ActionValue(nameof(NonResourceUrl), NonResourceUrl))
        ?? ActionValue(nameof(Verb), Verb)
        ?? "";
}
