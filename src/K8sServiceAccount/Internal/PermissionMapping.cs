using K8sServiceAccount.Client;
using K8sServiceAccount.Client.Api;
using K8sServiceAccount.Client.Models;
using K8sServiceAccount.Client.Permissions;
using K8sServiceAccount.Client.Rbac;

namespace K8sServiceAccount.Internal;

/// <summary>
/// The permission and RBAC cmdlets' conversions: PowerShell arguments (NAMESPACE/NAME texts, Import-Csv rows with empty
/// cells) to client requests, client results to the module's output types, and ShouldProcess targets. No runspace needed.
/// </summary>
internal static class PermissionMapping
{
    /// <summary>An Import-Csv cell that is empty means "not given".</summary>
    internal static string? Given(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    /// <summary>The non-empty values of an array parameter (Import-Csv rows and splatted arrays may hold empty cells).</summary>
    internal static string[] Given(string[]? values) =>
        values?.Select(Given).Where(v => v is not null).Select(v => v!).Distinct(StringComparer.Ordinal).ToArray() ?? [];

    /// <summary>An API group as the -ApiGroup parameters take it: "core" is the core group ("").</summary>
    internal static string ApiGroup(string group) => group.Trim() is "core" ? "" : group.Trim();

    /// <summary>The ShouldProcess target: kind and namespace/name, or kind and name for cluster-scoped objects.</summary>
    internal static string Target(string kind, string? @namespace, string name) =>
        string.IsNullOrEmpty(@namespace) ? $"{kind} {name}" : $"{kind} {@namespace}/{name}";

    /// <summary>
    /// What every error about a subject's -Group adds: scripts written when -Group meant an API group in some cmdlets fail
    /// with this rather than silently checking or granting something else.
    /// </summary>
    internal const string GroupIsNotApiGroup = " -Group is a subject's group (kubectl --group, --as-group); give an API group as -ApiGroup.";

    /// <summary>
    /// The subject of a check: a ServiceAccount (NAMESPACE/NAME, NAMESPACE:NAME, system:serviceaccount:NS:NAME, or a bare
    /// NAME in <paramref name="defaultNamespace"/>), a user and/or groups, or, when none is given, the caller itself.
    /// With <paramref name="groupsNeedUser"/> (Test-K8sPermission, as kubectl --as-group needs --as) -Group alone is refused.
    /// </summary>
    internal static PermissionSubject Subject(string? serviceAccount, string? user, string[]? groups, string? defaultNamespace, bool groupsNeedUser = false)
    {
        serviceAccount = Given(serviceAccount);
        user = Given(user);
        var groupList = Given(groups);
        if (serviceAccount is not null)
        {
            if (groupList.Length > 0)
            {
                throw PermissionErrors.InvalidArgument("Group", "Give either -ServiceAccount or -User/-Group, not both." + GroupIsNotApiGroup);
            }
            if (user is not null)
            {
                throw PermissionErrors.InvalidArgument("ServiceAccount", "Give either -ServiceAccount or -User/-Group, not both.");
            }
            return PermissionSubject.ParseServiceAccount(serviceAccount, defaultNamespace);
        }
        if (groupsNeedUser && user is null && groupList.Length > 0)
        {
            throw PermissionErrors.InvalidArgument("Group", "-Group gives the groups of the user named by -User (as kubectl --as-group needs --as): give -User too." + GroupIsNotApiGroup);
        }
        return user is null && groupList.Length == 0 ? PermissionSubject.Self : PermissionSubject.User(user, groupList);
    }

    /// <summary>
    /// The subjects of Grant-K8sPermission and Revoke-K8sPermission, each granted on its own (its own role and binding
    /// unless -Name is given): the ServiceAccount, the user, or each group. One kind only, so that -User with an old
    /// -Group meaning API groups is an error rather than a grant to a group.
    /// </summary>
    internal static IReadOnlyList<PermissionSubject> GrantSubjects(string? serviceAccount, string? user, string[]? groups, string? defaultNamespace)
    {
        serviceAccount = Given(serviceAccount);
        user = Given(user);
        var groupList = Given(groups);
        if (groupList.Length > 0 && (serviceAccount is not null || user is not null))
        {
            throw PermissionErrors.InvalidArgument("Group", "Give one kind of subject: -ServiceAccount, -User or -Group." + GroupIsNotApiGroup);
        }
        if (serviceAccount is not null && user is not null)
        {
            throw PermissionErrors.InvalidArgument("ServiceAccount", "Give one kind of subject: -ServiceAccount, -User or -Group.");
        }
        if (serviceAccount is not null)
        {
            return [PermissionSubject.ParseServiceAccount(serviceAccount, defaultNamespace)];
        }
        if (user is not null)
        {
            return [PermissionSubject.User(user)];
        }
        if (groupList.Length == 0)
        {
            throw PermissionErrors.InvalidArgument("ServiceAccount", "Give the ServiceAccount (or -User or -Group) whose permissions to change.");
        }
        return groupList.Select(g => PermissionSubject.User(null, [g])).ToArray();
    }

    /// <summary>
    /// The namespace of an operation on a ServiceAccount given as text (DESIGN.md: -ServiceAccount NAMESPACE/NAME means that
    /// namespace unless -Namespace is given): <paramref name="namespaceParameter"/>, else the text's own namespace, else
    /// <paramref name="otherwise"/> (the connection's, a snapshot's or default), which is then also where a bare NAME lives.
    /// </summary>
    internal static string ServiceAccountScope(string? serviceAccount, string? namespaceParameter, Func<string> otherwise) =>
        Given(namespaceParameter) ?? Given(PermissionSubject.NamespaceOf(serviceAccount)) ?? otherwise();

    /// <summary>
    /// One check from the cmdlet's (possibly pipeline-bound) values. <paramref name="namespace"/> is the namespace to use
    /// for resource checks; non-resource checks are always cluster-level.
    /// </summary>
    internal static PermissionCheck Check(
        string? verb, string? resource, string? apiGroup, string? subresource, string? name, string? nonResourceUrl, string @namespace, PermissionSubject subject)
    {
        var url = Given(nonResourceUrl);
        var check = new PermissionCheck
        {
            Verb = Given(verb) ?? "",
            Resource = Given(resource),
            // An empty ApiGroup (an Import-Csv cell without a value) means "from the resource text"; "core" is the core group.
            Group = Given(apiGroup) is { } g ? ApiGroup(g) : null,
            Subresource = Given(subresource),
            Name = Given(name),
            NonResourceUrl = url,
            Namespace = url is null ? @namespace : "",
            Subject = subject,
        };
        check.Validate();
        return check;
    }

    internal static K8sPermissionCheckResult ToResult(PermissionCheckResult result, PermissionExplanation? explanation = null) => new()
    {
        Subject = result.Subject,
        Namespace = result.Namespace,
        Verb = result.Verb,
        ApiGroup = result.Group,
        Resource = result.Resource,
        Subresource = result.Subresource,
        Name = result.Name,
        NonResourceUrl = result.NonResourceUrl,
        Allowed = result.Allowed,
        Reason = result.Reason,
        EvaluationError = result.EvaluationError,
        Method = Enum.Parse<K8sPermissionCheckMethod>(result.Method.ToString()),
        Verdict = explanation?.Verdict.ToString(),
        GrantedBy = explanation?.Grants.Select(g => ToRule(g, result.Subject)).ToArray(),
        Explanation = explanation?.Message,
    };

    internal static K8sPermissionRule ToRule(EffectiveRule rule, string subject, bool incomplete = false, string evaluationError = "",
        string method = K8sPermissionRule.RbacObjectsMethod) => new()
    {
        Method = method,
        Subject = subject,
        Scope = rule.Scope,
        Verbs = [.. rule.Verbs],
        ApiGroups = [.. rule.ApiGroups],
        Resources = [.. rule.Resources],
        ResourceNames = [.. rule.ResourceNames],
        NonResourceUrls = [.. rule.NonResourceUrls],
        BindingKind = rule.BindingKind,
        BindingName = rule.BindingName,
        BindingNamespace = rule.BindingNamespace,
        RoleKind = rule.RoleKind,
        RoleName = rule.RoleName,
        BindingSubject = rule.BindingSubject,
        Incomplete = incomplete,
        EvaluationError = evaluationError,
        Rule = rule.ToString(),
    };

    internal static K8sRiskFinding ToFinding(RiskFinding finding) => new()
    {
        SubjectKind = finding.SubjectKind,
        SubjectName = finding.SubjectName,
        SubjectNamespace = finding.SubjectNamespace,
        ServiceAccount = finding.ServiceAccount,
        Scope = finding.Scope,
        Severity = (K8sRiskSeverity)(int)finding.Severity,
        Category = finding.Category,
        Reason = finding.Reason,
        Rule = finding.Rule,
        BindingKind = finding.BindingKind,
        BindingName = finding.BindingName,
        BindingNamespace = finding.BindingNamespace,
        RoleKind = finding.RoleKind,
        RoleName = finding.RoleName,
        BindingSubject = finding.BindingSubject,
    };

    internal static K8sPermissionHolder ToHolder(PermissionHolder holder) => new()
    {
        SubjectKind = holder.SubjectKind,
        SubjectName = holder.SubjectName,
        SubjectNamespace = holder.SubjectNamespace,
        Covers = holder.Covers,
        BindingKind = holder.BindingKind,
        BindingName = holder.BindingName,
        BindingNamespace = holder.BindingNamespace,
        RoleKind = holder.RoleKind,
        RoleName = holder.RoleName,
        Rule = holder.Rule,
    };

    internal static K8sPermissionDifference ToDifference(PermissionDifference difference) => new()
    {
        SideIndicator = difference.SideIndicator,
        Scope = difference.Scope,
        Verb = difference.Verb,
        ApiGroup = difference.ApiGroup,
        Resource = difference.Resource,
        ResourceName = difference.ResourceName,
        NonResourceUrl = difference.NonResourceUrl,
    };

    internal static K8sIdentity ToIdentity(UserIdentity identity) => new()
    {
        User = identity.Username ?? string.Empty,
        Uid = identity.Uid,
        Groups = [.. identity.Groups],
        Extra = identity.Extra.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal),
    };

    internal static K8sPolicyRule ToRule(PolicyRule rule) => new()
    {
        Verbs = [.. rule.Verbs ?? []],
        ApiGroups = [.. rule.ApiGroups ?? []],
        Resources = [.. rule.Resources ?? []],
        ResourceNames = [.. rule.ResourceNames ?? []],
        NonResourceUrls = [.. rule.NonResourceURLs ?? []],
    };

    /// <summary>The wire rule; empty lists are left out as the API server writes them.</summary>
    internal static PolicyRule ToPolicyRule(K8sPolicyRule rule)
    {
        static List<string>? List(string[]? values) => values is { Length: > 0 } ? [.. values] : null;
        return new PolicyRule
        {
            Verbs = List(rule.Verbs) ?? [],
            ApiGroups = rule.NonResourceUrls is { Length: > 0 } ? List(rule.ApiGroups) : [.. rule.ApiGroups ?? []],
            Resources = List(rule.Resources),
            ResourceNames = List(rule.ResourceNames),
            NonResourceURLs = List(rule.NonResourceUrls),
        };
    }

    internal static K8sRoleInfo ToRoleInfo(Role role) => RoleInfo("Role", role.Metadata, role.Rules, null);

    internal static K8sRoleInfo ToRoleInfo(ClusterRole role) => RoleInfo("ClusterRole", role.Metadata, role.Rules, role.AggregationRule);

    /// <summary>A label selector as kubectl writes one: k=v, k in (a,b), k notin (a), k, !k, joined by commas.</summary>
    internal static string SelectorText(LabelSelector selector)
    {
        var parts = (selector.MatchLabels ?? []).OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}").ToList();
        foreach (var requirement in selector.MatchExpressions ?? [])
        {
            var values = string.Join(",", requirement.Values ?? []);
            parts.Add(requirement.Operator switch
            {
                "In" => $"{requirement.Key} in ({values})",
                "NotIn" => $"{requirement.Key} notin ({values})",
                "Exists" => requirement.Key ?? "",
                "DoesNotExist" => "!" + requirement.Key,
                _ => $"{requirement.Key} {requirement.Operator} ({values})",
            });
        }
        return string.Join(",", parts);
    }

    internal static K8sRoleBindingInfo ToBindingInfo(RoleBinding binding) => BindingInfo("RoleBinding", binding.Metadata, binding.RoleRef, binding.Subjects);

    internal static K8sRoleBindingInfo ToBindingInfo(ClusterRoleBinding binding) => BindingInfo("ClusterRoleBinding", binding.Metadata, binding.RoleRef, binding.Subjects);

    /// <summary>
    /// Binding subjects from -ServiceAccount (NAMESPACE:NAME or NAMESPACE/NAME; a bare NAME is in
    /// <paramref name="defaultNamespace"/>), -User and -Group, in that order. At least one is required.
    /// </summary>
    internal static List<Subject> BindingSubjects(string[]? serviceAccounts, string[]? users, string[]? groups, string? defaultNamespace)
    {
        var subjects = new List<Subject>();
        foreach (var text in Given(serviceAccounts))
        {
            // Parsing refuses a namespace or name no ServiceAccount can have: the server checks only the name, and not
            // the namespace, of a ServiceAccount subject, so a mistyped namespace would silently bind nobody.
            var account = PermissionSubject.ParseServiceAccount(text, defaultNamespace);
            subjects.Add(new Subject { Kind = SubjectKinds.ServiceAccount, Name = account.Name, Namespace = account.Namespace });
        }
        subjects.AddRange(Given(users).Select(u => new Subject { Kind = SubjectKinds.User, ApiGroup = "rbac.authorization.k8s.io", Name = u }));
        subjects.AddRange(Given(groups).Select(g => new Subject { Kind = SubjectKinds.Group, ApiGroup = "rbac.authorization.k8s.io", Name = g }));
        if (subjects.Count == 0)
        {
            throw PermissionErrors.InvalidArgument("ServiceAccount", "A binding needs at least one subject: give -ServiceAccount, -User or -Group.");
        }
        return subjects;
    }

    /// <summary>The labels of a new role or binding from -Label; null when none are given.</summary>
    internal static Dictionary<string, string>? Labels(System.Collections.IDictionary? label)
    {
        var labels = ServiceAccountMapping.ToStringMap(label, "Label", allowRemoval: false);
        return labels.Count == 0 ? null : labels.ToDictionary(l => l.Key, l => l.Value ?? "", StringComparer.Ordinal);
    }

    /// <summary>
    /// An aggregationRule from -AggregationRule: one selector per hashtable, its entries as matchLabels (kubectl create
    /// clusterrole --aggregation-rule makes one). An empty hashtable selects every ClusterRole, as the server reads it.
    /// </summary>
    internal static AggregationRule AggregationRule(System.Collections.IDictionary[] selectors) => new()
    {
        ClusterRoleSelectors = selectors.Select(selector =>
        {
            var labels = ServiceAccountMapping.ToStringMap(selector, "AggregationRule", allowRemoval: false);
            return new LabelSelector { MatchLabels = labels.ToDictionary(l => l.Key, l => l.Value ?? "", StringComparer.Ordinal) };
        }).ToList(),
    };

    internal static K8sPermissionGrant ToGrant(GrantResult result, GrantRequest request) => new()
    {
        Subject = SubjectKind(request.Subject) == "Group" ? request.Subject.Groups[0] : result.Subject,
        SubjectKind = SubjectKind(request.Subject),
        Rules = request.Rules.Select(ToRule).ToArray(),
        RoleKind = result.RoleKind,
        BindingKind = result.BindingKind,
        Name = result.Name,
        Namespace = result.Namespace,
        RoleAction = result.RoleAction.ToString(),
        BindingAction = result.BindingAction.ToString(),
        ChangedRules = result.ChangedRules.Select(ToRule).ToArray(),
        StillGranted = result.StillGranted.Select(ToRule).ToArray(),
        Unchanged = result.Unchanged,
    };

    // A grant's subject is a ServiceAccount, a user, or a single group (GrantSubjects makes one subject per group).
    private static string SubjectKind(PermissionSubject subject) =>
        subject.Kind == PermissionSubjectKind.ServiceAccount ? "ServiceAccount" : subject.Name is null ? "Group" : "User";

    /// <summary>
    /// The request that takes back what <paramref name="grant"/> (from Grant-K8sPermission) granted: the same subject, rules,
    /// scope and name, as Revoke-K8sPermission with the Grant's arguments would. Errors name -Grant.
    /// </summary>
    internal static GrantRequest FromGrant(K8sPermissionGrant grant)
    {
        var subject = grant.SubjectKind switch
        {
            "ServiceAccount" => PermissionSubject.ParseServiceAccount(grant.Subject, parameter: "Grant"),
            "User" when Given(grant.Subject) is { } user => PermissionSubject.User(user),
            "Group" when Given(grant.Subject) is { } group => PermissionSubject.User(null, [group]),
            _ => throw PermissionErrors.InvalidArgument("Grant", $"-Grant: \"{grant}\" has no subject (SubjectKind \"{grant.SubjectKind}\", Subject \"{grant.Subject}\"); pipe the object Grant-K8sPermission wrote."),
        };
        var clusterWide = grant.RoleKind == "ClusterRole";
        if (Given(grant.Name) is null || (!clusterWide && Given(grant.Namespace) is null))
        {
            throw PermissionErrors.InvalidArgument("Grant", $"-Grant: \"{grant}\" names no role (Name \"{grant.Name}\", Namespace \"{grant.Namespace}\"); pipe the object Grant-K8sPermission wrote.");
        }
        return new GrantRequest
        {
            Subject = subject,
            Rules = (grant.Rules ?? []).Select(ToPolicyRule).ToList(),
            Namespace = clusterWide ? null : grant.Namespace,
            ClusterWide = clusterWide,
            Name = grant.Name,
        };
    }

    /// <summary>
    /// The -Verbose line of Grant-K8sPermission and Revoke-K8sPermission: what happened to the role and to the binding, and,
    /// when nothing did, that nothing changed and why, so a repeated Grant says it found everything in place.
    /// </summary>
    internal static string Describe(GrantResult result, bool grant, bool withRules = true)
    {
        var role = Target(result.RoleKind, result.Namespace, result.Name);
        var binding = Target(result.BindingKind, result.Namespace, result.Name);
        if (result.Unchanged)
        {
            return result.RoleAction == GrantAction.NotFound
                ? $"Nothing changed: {role} and {binding} do not exist."
                : grant
                    ? $"Nothing changed: {role} already grants every requested rule and {binding} already binds {result.Subject}."
                    : withRules
                        ? $"Nothing changed: {role} has no rule equal to the requested ones."
                        : $"Nothing changed: {binding} does not bind {result.Subject}.";
        }
        var rules = result.ChangedRules.Count == 0
            ? ""
            : $" ({(grant ? "added" : "removed")} {string.Join(" ", result.ChangedRules.Select(EscalationCheck.CompactString))})";
        return $"{role}: {result.RoleAction}{rules}; {binding}: {result.BindingAction}.";
    }

    /// <summary>Revoke-K8sPermission's warning when the role still grants part of what was revoked; null when it does not.</summary>
    internal static string? StillGrantedWarning(GrantResult result) => result.StillGranted.Count == 0
        ? null
        : $"{Target(result.RoleKind, result.Namespace, result.Name)} still grants {string.Join(" ", result.StillGranted.Select(EscalationCheck.CompactString))}. " +
          "Get-K8s" + result.RoleKind + " shows its rules.";

    /// <summary>The end of Revoke's ShouldProcess action: the rules the role would keep.</summary>
    internal static string Remaining(RuleSubtractionResult? preview) => preview switch
    {
        null => "",
        { Changed: false } => " (the role grants none of it: nothing changes)",
        { Remaining.Count: 0 } => ", leaving no rules (a role Grant made is deleted with its binding)",
        _ => ", leaving: " + string.Join("; ", preview.Remaining.Select(EscalationCheck.CompactString)),
    };

    /// <summary>Turns module role and binding objects (from the Get- cmdlets) into YAML-free policy objects for offline evaluation.</summary>
    internal static void AddTo(InMemoryRbacPolicy policy, K8sRoleInfo role)
    {
        var rules = role.Rules.Select(ToPolicyRule).ToList();
        if (role.Kind == "ClusterRole")
        {
            policy.Add(new ClusterRole { Metadata = new ObjectMeta { Name = role.Name }, Rules = rules });
        }
        else
        {
            policy.Add(new Role { Metadata = new ObjectMeta { Name = role.Name, Namespace = role.Namespace }, Rules = rules });
        }
    }

    /// <inheritdoc cref="AddTo(InMemoryRbacPolicy, K8sRoleInfo)"/>
    internal static void AddTo(InMemoryRbacPolicy policy, K8sRoleBindingInfo binding)
    {
        var roleRef = new RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = binding.RoleKind, Name = binding.RoleName };
        var subjects = binding.Subjects.Select(s => new Subject
        {
            Kind = s.Kind,
            Name = s.Name,
            Namespace = s.Namespace.Length > 0 ? s.Namespace : null,
            ApiGroup = s.Kind == SubjectKinds.ServiceAccount ? null : "rbac.authorization.k8s.io",
        }).ToList();
        if (binding.Kind == "ClusterRoleBinding")
        {
            policy.Add(new ClusterRoleBinding { Metadata = new ObjectMeta { Name = binding.Name }, RoleRef = roleRef, Subjects = subjects });
        }
        else
        {
            policy.Add(new RoleBinding { Metadata = new ObjectMeta { Name = binding.Name, Namespace = binding.Namespace }, RoleRef = roleRef, Subjects = subjects });
        }
    }

    private static K8sRoleInfo RoleInfo(string kind, ObjectMeta metadata, List<PolicyRule>? rules, AggregationRule? aggregation) => new()
    {
        Kind = kind,
        Name = metadata.Name ?? string.Empty,
        Namespace = metadata.Namespace ?? string.Empty,
        Rules = rules?.Select(ToRule).ToArray() ?? [],
        IsAggregated = aggregation is not null,
        AggregationRule = aggregation?.ClusterRoleSelectors?.Select(SelectorText).ToArray() ?? [],
        Labels = metadata.Labels is null ? new(StringComparer.Ordinal) : new(metadata.Labels, StringComparer.Ordinal),
        Uid = metadata.Uid,
        ResourceVersion = metadata.ResourceVersion,
        CreationTimestamp = metadata.CreationTimestamp?.UtcDateTime,
    };

    private static K8sRoleBindingInfo BindingInfo(string kind, ObjectMeta metadata, RoleRef roleRef, List<Subject>? subjects) => new()
    {
        Kind = kind,
        Name = metadata.Name ?? string.Empty,
        Namespace = metadata.Namespace ?? string.Empty,
        RoleKind = roleRef.Kind ?? string.Empty,
        RoleName = roleRef.Name ?? string.Empty,
        Subjects = subjects?.Select(s => new K8sRbacSubject { Kind = s.Kind ?? "", Name = s.Name ?? "", Namespace = s.Namespace ?? "" }).ToArray() ?? [],
        Labels = metadata.Labels is null ? new(StringComparer.Ordinal) : new(metadata.Labels, StringComparer.Ordinal),
        Uid = metadata.Uid,
        ResourceVersion = metadata.ResourceVersion,
        CreationTimestamp = metadata.CreationTimestamp?.UtcDateTime,
    };
}
