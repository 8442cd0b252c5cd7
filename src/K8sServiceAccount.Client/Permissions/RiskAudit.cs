using K8sServiceAccount.Client.Models;
using K8sServiceAccount.Client.Rbac;

namespace K8sServiceAccount.Client.Permissions;

/// <summary>How much a permission lets its holder take beyond what it was given. Ordered: a higher value is worse.</summary>
public enum RiskSeverity
{
    Low = 0,
    Medium = 1,
    High = 2,
    Critical = 3,
}

/// <summary>
/// One kind of risky permission: the verbs, API groups and resources that grant it (any one is enough), the severity when a
/// ClusterRoleBinding grants it and when a RoleBinding grants it (null: a RoleBinding cannot grant it, the resources are
/// cluster-scoped), and why it is risky.
/// </summary>
public sealed record RiskCategory(
    string Name,
    RiskSeverity ClusterSeverity,
    RiskSeverity? NamespaceSeverity,
    string Reason,
    IReadOnlyList<string> Verbs,
    IReadOnlyList<(string Group, string Resource, string Subresource, bool ClusterScoped)> Targets);

/// <summary>One risky permission a subject holds: which rule, granted by which binding and role, how severe and why.</summary>
public sealed record RiskFinding
{
    /// <summary>User, Group or ServiceAccount.</summary>
    public required string SubjectKind { get; init; }

    public required string SubjectName { get; init; }

    /// <summary>The ServiceAccount's namespace; <c>""</c> for users and groups.</summary>
    public string SubjectNamespace { get; init; } = "";

    /// <summary><c>NAMESPACE/NAME</c> when the subject is a ServiceAccount (also named as a user), otherwise null.</summary>
    public string? ServiceAccount { get; init; }

    /// <summary><c>""</c>: cluster-wide (a ClusterRoleBinding); otherwise the RoleBinding's namespace.</summary>
    public string Scope { get; init; } = "";

    /// <summary>The <see cref="RiskCategory.Name"/>.</summary>
    public required string Category { get; init; }

    public required RiskSeverity Severity { get; init; }

    /// <summary>One line: why this is risky.</summary>
    public required string Reason { get; init; }

    /// <summary>The rule, in the API server's compact form.</summary>
    public required string Rule { get; init; }

    public required string BindingKind { get; init; }

    public required string BindingName { get; init; }

    /// <summary>The RoleBinding's namespace; <c>""</c> for a ClusterRoleBinding.</summary>
    public string BindingNamespace { get; init; } = "";

    public required string RoleKind { get; init; }

    public required string RoleName { get; init; }

    /// <summary>The binding's subject that matched, as the module writes subjects (e.g. <c>Group system:serviceaccounts:ns1</c>).</summary>
    public required string BindingSubject { get; init; }
}

/// <summary>What to audit: every binding subject (no <see cref="Subjects"/>) or the identities given.</summary>
public sealed record RiskAuditOptions
{
    /// <summary>
    /// The identities to audit; null or empty: every subject named in a binding, as written. A ServiceAccount or user is
    /// evaluated with its groups (a ServiceAccount's system:serviceaccounts, system:serviceaccounts:NS and
    /// system:authenticated), so findings through a group binding are reported for it.
    /// </summary>
    public IReadOnlyList<PermissionSubject>? Subjects { get; init; }

    /// <summary>Findings below this severity are left out.</summary>
    public RiskSeverity MinimumSeverity { get; init; } = RiskSeverity.Low;

    /// <summary>
    /// Only what takes effect in these namespaces: their RoleBindings and every ClusterRoleBinding (which applies in every
    /// namespace); null: everything.
    /// </summary>
    public IReadOnlyList<string>? Namespaces { get; init; }
}

/// <summary>The findings, and the bindings that could not be resolved (a missing role).</summary>
public sealed record RiskAuditResult(IReadOnlyList<RiskFinding> Findings, IReadOnlyList<string> Errors);

/// <summary>
/// Lists the permissions that let a subject take more than it was given (Kubernetes' RBAC good practices and privilege
/// escalation prevention; K8S-SEMANTICS §1): reading Secrets, creating Pods or workloads (they run as any ServiceAccount of
/// the namespace and get its token), exec/attach, token requests, impersonation, escalate/bind, writing bindings,
/// nodes/proxy, approving certificates, wildcards, cluster-admin equivalents. Rules come from the same role resolution as
/// the authorizer (<see cref="RbacAuthorizer"/>; aggregated ClusterRoles carry their aggregated rules), and each role's rules
/// are classified once, so a policy is audited in one pass over its bindings.
/// </summary>
public static class RiskAudit
{
    private const string Core = "";
    private const string Apps = "apps";
    private const string Batch = "batch";
    private const string Rbac = "rbac.authorization.k8s.io";
    private const string Certificates = "certificates.k8s.io";
    private const string Authentication = "authentication.k8s.io";
    private const string ClusterAdminName = "ClusterAdmin";

    /// <summary>
    /// The severity policy, the one table the engine, the help and the docs follow. A rule limited to resourceNames is one
    /// level lower (not below Low). A rule that is cluster-admin equivalent (<c>*</c> verbs on <c>*</c> resources in <c>*</c>
    /// groups) is reported once as ClusterAdmin, not once per category it also covers.
    /// </summary>
    public static IReadOnlyList<RiskCategory> Policy { get; } =
    [
        new(ClusterAdminName, RiskSeverity.Critical, RiskSeverity.High,
            "* verbs on * resources in * API groups: everything, including every other risk listed here", ["*"], []),
        new("Impersonate", RiskSeverity.Critical, RiskSeverity.High,
            "impersonate users, groups or ServiceAccounts: act as any of them, including cluster administrators", ["impersonate"],
            [(Core, "users", "", true), (Core, "groups", "", true), (Core, "serviceaccounts", "", false)]),
        new("EscalateOrBind", RiskSeverity.Critical, RiskSeverity.High,
            "escalate or bind on roles: write or bind roles with permissions it does not hold (bypasses escalation prevention)", ["escalate", "bind"],
            [(Rbac, "roles", "", false), (Rbac, "clusterroles", "", false)]),
        new("TokenCreate", RiskSeverity.Critical, RiskSeverity.High,
            "create serviceaccounts/token: mint a token for any ServiceAccount in scope and act as it", ["create"],
            [(Core, "serviceaccounts", "token", false)]),
        new("SecretRead", RiskSeverity.Critical, RiskSeverity.High,
            "get/list/watch secrets: read every Secret in scope, including ServiceAccount tokens and credentials", ["get", "list", "watch"],
            [(Core, "secrets", "", false)]),
        new("PodCreate", RiskSeverity.Critical, RiskSeverity.High,
            "create pods or workloads: run as any ServiceAccount of the namespace (and read its token), mount Secrets", ["create"],
            [(Core, "pods", "", false), (Core, "replicationcontrollers", "", false), (Apps, "deployments", "", false), (Apps, "replicasets", "", false),
             (Apps, "statefulsets", "", false), (Apps, "daemonsets", "", false), (Batch, "jobs", "", false), (Batch, "cronjobs", "", false)]),
        new("PodExec", RiskSeverity.Critical, RiskSeverity.High,
            "pods/exec or pods/attach: run commands in running pods and use their ServiceAccount tokens", ["create", "get"],
            [(Core, "pods", "exec", false), (Core, "pods", "attach", false)]),
        new("NodeProxy", RiskSeverity.Critical, null,
            "nodes/proxy: the kubelet API, which runs commands in any pod of the node, bypassing admission and audit", ["get", "create"],
            [(Core, "nodes", "proxy", true)]),
        new("BindingWrite", RiskSeverity.High, RiskSeverity.Medium,
            "create/update/patch role bindings: hand the permissions it holds (or may bind) to other subjects", ["create", "update", "patch"],
            [(Rbac, "rolebindings", "", false), (Rbac, "clusterrolebindings", "", true)]),
        new("CsrApproval", RiskSeverity.High, null,
            "update certificatesigningrequests/approval: approve certificates (with signers approve: a client certificate for any user)", ["update", "patch"],
            [(Certificates, "certificatesigningrequests", "approval", true)]),
        new("SignerApprove", RiskSeverity.High, null,
            "approve on signers: the signers whose certificates it may approve (with CSR approval: any identity)", ["approve"],
            [(Certificates, "signers", "", true)]),
        new("ImpersonateExtra", RiskSeverity.Medium, RiskSeverity.Low,
            "impersonate uids or userextras: forge identity attributes (a user or group impersonation is needed too)", ["impersonate"],
            [(Authentication, "uids", "", true), (Authentication, "userextras", "", true)]),
        new("PortForward", RiskSeverity.Medium, RiskSeverity.Low,
            "pods/portforward or pods/proxy: reach pod ports behind network policies (not the pod's token)", ["create", "get"],
            [(Core, "pods", "portforward", false), (Core, "pods", "proxy", false)]),
        new("Wildcard", RiskSeverity.Medium, RiskSeverity.Low,
            "* in verbs, resources or API groups: also grants verbs and types added later, including custom resources", ["*"], []),
    ];

    private static readonly RiskCategory ClusterAdmin = Policy[0];
    private static readonly RiskCategory WildcardCategory = Policy[^1];

    /// <summary>The categories a rule falls in, with the severity when granted cluster-wide (true) or in a namespace (false).</summary>
    public static IReadOnlyList<(RiskCategory Category, RiskSeverity Severity)> Classify(PolicyRule rule, bool clusterWide)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var found = new List<(RiskCategory, RiskSeverity)>();
        if (rule.Resources is not { Count: > 0 })
        {
            // Non-resource URLs (/metrics, /healthz...) give no way to take more: not audited.
            return found;
        }
        var limitedToNames = rule.ResourceNames is { Count: > 0 };
        if (Contains(rule.Verbs, "*") && Contains(rule.Resources, "*") && Contains(rule.ApiGroups, "*"))
        {
            Add(found, ClusterAdmin, clusterWide, limitedToNames);
            return found;
        }
        foreach (var category in Policy)
        {
            if (category.Targets.Count == 0)
            {
                continue;
            }
            if (Grants(rule, category, clusterWide))
            {
                Add(found, category, clusterWide, limitedToNames);
            }
        }
        if (Contains(rule.Verbs, "*") || Contains(rule.ApiGroups, "*") || rule.Resources.Any(r => r == "*" || r.StartsWith("*/", StringComparison.Ordinal)))
        {
            Add(found, WildcardCategory, clusterWide, limitedToNames);
        }
        return found;
    }

    private static bool Grants(PolicyRule rule, RiskCategory category, bool clusterWide)
    {
        foreach (var (group, resource, subresource, clusterScoped) in category.Targets)
        {
            // A RoleBinding grants nothing on cluster-scoped types (their requests have no namespace).
            if (clusterScoped && !clusterWide)
            {
                continue;
            }
            if (!RuleMatcher.ApiGroupMatches(rule, group) || !RuleMatcher.ResourceMatches(rule, resource, subresource))
            {
                continue;
            }
            foreach (var verb in category.Verbs)
            {
                if (RuleMatcher.VerbMatches(rule, verb))
                {
                    return true;
                }
            }
        }
        return false;
    }

    private static void Add(List<(RiskCategory, RiskSeverity)> found, RiskCategory category, bool clusterWide, bool limitedToNames)
    {
        var severity = clusterWide ? category.ClusterSeverity : category.NamespaceSeverity;
        if (severity is not { } value)
        {
            return;
        }
        found.Add((category, limitedToNames && value > RiskSeverity.Low ? value - 1 : value));
    }

    private static bool Contains(List<string>? values, string value) => values is not null && values.Contains(value, StringComparer.Ordinal);

    /// <summary>Audits <paramref name="policy"/> (see <see cref="RiskAudit"/>). Findings are in binding order (cluster first).</summary>
    public static RiskAuditResult Audit(IRbacPolicy policy, RiskAuditOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(policy);
        options ??= new RiskAuditOptions();
        var authorizer = new RbacAuthorizer(policy);
        var identities = options.Subjects is { Count: > 0 } subjects ? subjects.Select(s => (Subject: s, User: IdentityOf(s))).ToList() : null;
        var namespaces = options.Namespaces is { Count: > 0 } list ? new HashSet<string>(list, StringComparer.Ordinal) : null;
        var findings = new List<RiskFinding>();
        var errors = new List<string>();
        // A role's rules are classified once per scope kind; bindings to the same role share the result.
        var cache = new Dictionary<(string Kind, string Namespace, string Name, bool ClusterWide), RuleRisks[]?>();

        foreach (var binding in policy.ClusterRoleBindings)
        {
            Visit(GrantSource.ClusterRoleBindingKind, binding.Metadata.Name ?? "", "", binding.RoleRef, binding.Subjects);
        }
        var roleBindings = policy is InMemoryRbacPolicy memory
            ? memory.RoleBindings
            : throw new ArgumentException("Auditing needs every RoleBinding: give an InMemoryRbacPolicy.", nameof(policy));
        foreach (var binding in roleBindings)
        {
            var ns = binding.Metadata.Namespace ?? "";
            if (namespaces is null || namespaces.Contains(ns))
            {
                Visit(GrantSource.RoleBindingKind, binding.Metadata.Name ?? "", ns, binding.RoleRef, binding.Subjects);
            }
        }
        return new RiskAuditResult(findings, errors);

        void Visit(string bindingKind, string bindingName, string bindingNamespace, RoleRef roleRef, List<Subject>? bindingSubjects)
        {
            if (bindingSubjects is not { Count: > 0 })
            {
                return;
            }
            var clusterWide = bindingNamespace.Length == 0;
            var roleNamespace = roleRef?.Kind == "Role" ? bindingNamespace : "";
            var key = (roleRef?.Kind ?? "", roleNamespace, roleRef?.Name ?? "", clusterWide);
            if (!cache.TryGetValue(key, out var risks))
            {
                var rules = authorizer.GetRoleReferenceRules(roleRef ?? new RoleRef(), bindingNamespace, out var error);
                if (error is not null)
                {
                    errors.Add($"{bindingKind} {Qualified(bindingNamespace, bindingName)}: {error}");
                }
                risks = rules is null ? null : ClassifyAll(rules, clusterWide, options.MinimumSeverity);
                cache[key] = risks;
            }
            if (risks is not { Length: > 0 })
            {
                return;
            }
            if (identities is null)
            {
                foreach (var subject in bindingSubjects)
                {
                    if (subject.Kind == SubjectKinds.ServiceAccount && string.IsNullOrEmpty(subject.Namespace) && clusterWide)
                    {
                        continue; // matches nobody (K8S-SEMANTICS §1.3)
                    }
                    Emit(SubjectOf(subject, bindingNamespace), subject, risks);
                }
                return;
            }
            foreach (var (given, user) in identities)
            {
                var index = RbacAuthorizer.IndexOfApplyingSubject(user, bindingSubjects, bindingNamespace);
                if (index >= 0)
                {
                    Emit(SubjectOf(given), bindingSubjects[index], risks);
                }
            }

            void Emit((string Kind, string Name, string Namespace, string? Account) who, Subject matched, RuleRisks[] ruleRisks)
            {
                var bindingSubject = EffectiveRule.SubjectText(matched, bindingNamespace);
                foreach (var risk in ruleRisks)
                {
                    foreach (var (category, severity) in risk.Categories)
                    {
                        findings.Add(new RiskFinding
                        {
                            SubjectKind = who.Kind,
                            SubjectName = who.Name,
                            SubjectNamespace = who.Namespace,
                            ServiceAccount = who.Account,
                            Scope = bindingNamespace,
                            Category = category.Name,
                            Severity = severity,
                            Reason = category.Reason,
                            Rule = risk.Text,
                            BindingKind = bindingKind,
                            BindingName = bindingName,
                            BindingNamespace = bindingNamespace,
                            RoleKind = roleRef?.Kind ?? "",
                            RoleName = roleRef?.Name ?? "",
                            BindingSubject = bindingSubject,
                        });
                    }
                }
            }
        }
    }

    // A group asked about alone is that group exactly (not also system:authenticated, as a user would be).
    private static UserInfo IdentityOf(PermissionSubject subject)
        => subject.Kind == PermissionSubjectKind.User && subject.Name is null ? new UserInfo("", null, subject.Groups) : subject.ToUserInfo();

    private sealed record RuleRisks(string Text, (RiskCategory Category, RiskSeverity Severity)[] Categories);

    private static RuleRisks[] ClassifyAll(IReadOnlyList<PolicyRule> rules, bool clusterWide, RiskSeverity minimum)
    {
        var result = new List<RuleRisks>();
        foreach (var rule in rules)
        {
            var categories = Classify(rule, clusterWide).Where(c => c.Severity >= minimum).ToArray();
            if (categories.Length > 0)
            {
                result.Add(new RuleRisks(EscalationCheck.CompactString(rule), categories));
            }
        }
        return [.. result];
    }

    private static (string Kind, string Name, string Namespace, string? Account) SubjectOf(Subject subject, string bindingNamespace)
    {
        var kind = subject.Kind ?? "";
        var name = subject.Name ?? "";
        if (kind == SubjectKinds.ServiceAccount)
        {
            var ns = string.IsNullOrEmpty(subject.Namespace) ? bindingNamespace : subject.Namespace;
            return (kind, name, ns, ns + "/" + name);
        }
        return kind == SubjectKinds.User && ServiceAccountIdentity.TryParse(name, out var saNamespace, out var saName)
            ? (kind, name, "", saNamespace + "/" + saName)
            : (kind, name, "", null);
    }

    private static (string Kind, string Name, string Namespace, string? Account) SubjectOf(PermissionSubject subject) => subject.Kind switch
    {
        PermissionSubjectKind.ServiceAccount => (SubjectKinds.ServiceAccount, subject.Name!, subject.Namespace!, subject.Namespace + "/" + subject.Name),
        PermissionSubjectKind.User when subject.Name is not null => SubjectOf(new Subject { Kind = SubjectKinds.User, Name = subject.Name }, ""),
        _ => (SubjectKinds.Group, string.Join(",", subject.Groups), "", null),
    };

    private static string Qualified(string @namespace, string name) => @namespace.Length == 0 ? name : @namespace + "/" + name;
}
