using K8sServiceAccount.Client.Models;

namespace K8sServiceAccount.Client.Rbac;

/// <summary>
/// The path by which a rule reaches a subject: a ClusterRoleBinding or RoleBinding, the role it references, and the
/// subject of that binding (as written in the binding).
/// </summary>
/// <param name="BindingKind"><c>ClusterRoleBinding</c> or <c>RoleBinding</c>.</param>
/// <param name="BindingName">Name of the binding.</param>
/// <param name="BindingNamespace">Namespace of a RoleBinding; <c>""</c> for a ClusterRoleBinding.</param>
/// <param name="RoleKind"><c>ClusterRole</c> or <c>Role</c>, as written in roleRef.</param>
/// <param name="RoleName">roleRef.name.</param>
/// <param name="Subject">The subject of the binding, as written (a ServiceAccount subject may lack its namespace).</param>
public sealed record GrantSource(string BindingKind, string BindingName, string BindingNamespace, string RoleKind, string RoleName, Subject Subject)
{
    public const string ClusterRoleBindingKind = "ClusterRoleBinding";
    public const string RoleBindingKind = "RoleBinding";

    /// <summary>True for a ClusterRoleBinding (the rule applies in every namespace and at cluster scope).</summary>
    public bool IsClusterWide => BindingKind == ClusterRoleBindingKind;

    /// <summary>Where the grant is effective: <c>""</c> for everywhere (ClusterRoleBinding), otherwise the RoleBinding's namespace.</summary>
    public string Scope => BindingNamespace;

    /// <summary>
    /// The description the RBAC authorizer uses in its reasons, e.g.
    /// <c>ClusterRoleBinding "crb" of ClusterRole "r" to Group "g"</c> or
    /// <c>RoleBinding "rb/ns1" of Role "r" to ServiceAccount "app/ns1"</c>.
    /// </summary>
    public override string ToString()
    {
        var binding = IsClusterWide ? BindingName : BindingName + "/" + BindingNamespace;
        return $"{BindingKind} {GoQuote.Quote(binding)} of {RoleKind} {GoQuote.Quote(RoleName)} to {DescribeSubject(Subject, BindingNamespace)}";
    }

    internal static string DescribeSubject(Subject subject, string bindingNamespace)
    {
        var kind = subject.Kind ?? "";
        var name = subject.Name ?? "";
        if (kind == SubjectKinds.ServiceAccount)
        {
            var ns = string.IsNullOrEmpty(subject.Namespace) ? bindingNamespace : subject.Namespace;
            return kind + " " + GoQuote.Quote(name + "/" + ns);
        }
        return kind + " " + GoQuote.Quote(name);
    }
}

/// <summary>One rule granted through one binding.</summary>
public sealed record PermissionGrant(GrantSource Source, PolicyRule Rule);

/// <summary>
/// The rules that apply to a user in a namespace (SelfSubjectRulesReview semantics, K8S-SEMANTICS §3.4): every rule of
/// every matching binding, as written and not merged, plus the lookup errors met on the way. Readable rules are returned even
/// when some lookups failed.
/// </summary>
public sealed record RuleResolution(IReadOnlyList<PermissionGrant> Grants, IReadOnlyList<string> Errors)
{
    /// <summary>The rules alone, in evaluation order.</summary>
    public IEnumerable<PolicyRule> Rules => Grants.Select(g => g.Rule);

    /// <summary>The rules that name resources, as SelfSubjectRulesReview reports them in <c>status.resourceRules</c>.</summary>
    public IEnumerable<PolicyRule> ResourceRules => Grants.Select(g => g.Rule).Where(r => r.Resources is { Count: > 0 });

    /// <summary>The rules that name URLs, as SelfSubjectRulesReview reports them in <c>status.nonResourceRules</c>.</summary>
    public IEnumerable<PolicyRule> NonResourceRules => Grants.Select(g => g.Rule).Where(r => r.NonResourceURLs is { Count: > 0 });

    /// <summary>The errors joined as Kubernetes aggregates them (one error as-is, several as <c>[e1, e2]</c>), or null when none.</summary>
    public string? EvaluationError => Errors.Count == 0 ? null : RbacErrors.Aggregate(Errors);
}

/// <summary>
/// A subject that a binding allows to perform a request ("who can"). <see cref="Subject"/> is the effective subject: a
/// ServiceAccount subject without namespace in a RoleBinding has the RoleBinding's namespace filled in.
/// </summary>
public sealed record SubjectGrant(Subject Subject, GrantSource Source, PolicyRule Rule);

/// <summary>The outcome of authorizing one request with RBAC.</summary>
/// <param name="Allowed">True when some rule allows the request. RBAC never denies: false means "no opinion".</param>
/// <param name="Reason">
/// <c>RBAC: allowed by ...</c> when allowed; otherwise <c>""</c>, or <c>RBAC: </c> followed by the lookup errors
/// (as the real authorizer reports them in its reason).
/// </param>
/// <param name="EvaluationError">The lookup errors alone (already part of <see cref="Reason"/> when not allowed), or null.
/// The real RBAC authorizer does not fill SubjectAccessReview <c>status.evaluationError</c> with them.</param>
public sealed record AuthorizationResult(bool Allowed, string Reason, string? EvaluationError);

/// <summary>Kinds of RBAC subjects.</summary>
public static class SubjectKinds
{
    public const string User = "User";
    public const string Group = "Group";
    public const string ServiceAccount = "ServiceAccount";
}

/// <summary>Error texts as the Kubernetes code produces them.</summary>
internal static class RbacErrors
{
    /// <summary>
    /// The apiserver's own rule resolution uses informer listers, whose NotFound errors name the singular resource
    /// (<c>clusterrole.rbac.authorization.k8s.io "x" not found</c>); the escalation checks read through the registry, which names
    /// the plural (<c>clusterroles.rbac.authorization.k8s.io "x" not found</c>).
    /// </summary>
    public static string RoleNotFound(string kind, string name, bool registryStyle)
    {
        var resource = kind == "Role" ? (registryStyle ? "roles" : "role") : (registryStyle ? "clusterroles" : "clusterrole");
        return resource + ".rbac.authorization.k8s.io " + GoQuote.Quote(name) + " not found";
    }

    public static string UnsupportedRoleRefKind(string? kind) => "unsupported role reference kind: " + GoQuote.Quote(kind ?? "");

    /// <summary>Like k8s.io/apimachinery's aggregate error: one message as-is, several de-duplicated inside <c>[a, b]</c>.</summary>
    public static string Aggregate(IReadOnlyList<string> errors)
    {
        if (errors.Count == 1)
        {
            return errors[0];
        }
        var distinct = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var error in errors)
        {
            if (seen.Add(error))
            {
                distinct.Add(error);
            }
        }
        return distinct.Count == 1 ? distinct[0] : "[" + string.Join(", ", distinct) + "]";
    }
}

/// <summary>Go's <c>%q</c> quoting of a string, used by every Kubernetes message that quotes a name.</summary>
internal static class GoQuote
{
    public static string Quote(string value)
    {
        var needsEscape = false;
        foreach (var c in value)
        {
            if (c is '"' or '\\' || c < ' ' || c == '\x7f')
            {
                needsEscape = true;
                break;
            }
        }
        if (!needsEscape)
        {
            return "\"" + value + "\"";
        }
        var builder = new System.Text.StringBuilder(value.Length + 8).Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                default:
                    if (c < ' ' || c == '\x7f')
                    {
                        builder.Append("\\x").Append(((int)c).ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        builder.Append(c);
                    }
                    break;
            }
        }
        return builder.Append('"').ToString();
    }

    /// <summary>Go's <c>%q</c> of a <c>[]string</c>: <c>["a" "b"]</c>.</summary>
    public static string QuoteList(IEnumerable<string> values) => "[" + string.Join(" ", values.Select(Quote)) + "]";
}
