using System.Runtime.CompilerServices;
using K8sServiceAccount.Client.Models;

namespace K8sServiceAccount.Client.Rbac;

/// <summary>
/// The Kubernetes RBAC authorizer (K8S-SEMANTICS §1.3): walks every ClusterRoleBinding, then (for a namespaced request)
/// the RoleBindings of the request's namespace, and allows the request when a rule of a role bound to the user allows it.
/// It never denies, and it knows nothing about <c>system:masters</c> (a separate authorizer in kube-apiserver), except
/// through the bootstrap <c>cluster-admin</c> binding. Thread-safe when the policy is.
/// The evaluation walk allocates only the allow reason and lookup errors; its methods (and <see cref="RuleMatcher"/>'s) are compiled
/// fully optimized from the first call, so a one-shot offline audit of thousands of checks does not run on tier-0 code.
/// </summary>
public sealed class RbacAuthorizer
{
    private const string ClusterRoleKind = "ClusterRole";
    private const string RoleKind = "Role";

    private readonly IRbacPolicy _policy;

    public RbacAuthorizer(IRbacPolicy policy)
    {
        _policy = policy ?? throw new ArgumentNullException(nameof(policy));
    }

    /// <summary>The policy this authorizer evaluates.</summary>
    public IRbacPolicy Policy => _policy;

    /// <summary>
    /// Authorizes one request. Allowed → reason <c>RBAC: allowed by &lt;binding description&gt;</c> naming the first binding
    /// (in policy order) whose rule allows it. Not allowed → reason <c>""</c>, or <c>RBAC: &lt;errors&gt;</c> when a binding
    /// references a role that does not exist (that binding contributes nothing; others still count).
    /// </summary>
    public AuthorizationResult Authorize(AccessRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var visitor = new AllowVisitor(request);
        Walk(request.User, ScopeOf(request), registryStyleErrors: false, ref visitor);
        if (visitor.Allowing is { } source)
        {
            return new AuthorizationResult(true, "RBAC: allowed by " + source.Describe(), null);
        }
        if (visitor.Errors is { Count: > 0 } errors)
        {
            var aggregated = RbacErrors.Aggregate(errors);
            return new AuthorizationResult(false, "RBAC: " + aggregated, aggregated);
        }
        return new AuthorizationResult(false, "", null);
    }

    /// <summary>
    /// All rules that apply to <paramref name="user"/> in <paramref name="namespace"/> (ClusterRoleBindings, plus the
    /// RoleBindings of that namespace when it is not empty), as SelfSubjectRulesReview reports them.
    /// </summary>
    public RuleResolution RulesFor(UserInfo user, string @namespace) => RulesFor(user, @namespace, registryStyleErrors: false);

    internal RuleResolution RulesFor(UserInfo user, string @namespace, bool registryStyleErrors)
    {
        ArgumentNullException.ThrowIfNull(user);
        var visitor = new CollectVisitor(null);
        Walk(user, @namespace ?? "", registryStyleErrors, ref visitor);
        return new RuleResolution(visitor.Grants, (IReadOnlyList<string>?)visitor.Errors ?? []);
    }

    /// <summary>Every binding, role and rule that allows <paramref name="request"/> (not just the first).</summary>
    public IReadOnlyList<PermissionGrant> Explain(AccessRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var visitor = new CollectVisitor(request);
        Walk(request.User, ScopeOf(request), registryStyleErrors: false, ref visitor);
        return visitor.Grants;
    }

    /// <summary>
    /// Who can perform the request ("who-can"): every subject of every binding whose role has a rule allowing it, with
    /// the first such rule. <see cref="AccessRequest.User"/> is ignored. Group subjects are listed as groups; a ServiceAccount
    /// subject without namespace in a ClusterRoleBinding matches nobody and is left out. Lookup errors are ignored here;
    /// use the overload with <c>errors</c> to see them.
    /// </summary>
    public IReadOnlyList<SubjectGrant> SubjectsThatCan(AccessRequest requestWithoutUser) => SubjectsThatCan(requestWithoutUser, out _);

    /// <inheritdoc cref="SubjectsThatCan(AccessRequest)"/>
    public IReadOnlyList<SubjectGrant> SubjectsThatCan(AccessRequest requestWithoutUser, out IReadOnlyList<string> errors)
    {
        ArgumentNullException.ThrowIfNull(requestWithoutUser);
        var result = new List<SubjectGrant>();
        var errorList = new List<string>();
        foreach (var binding in _policy.ClusterRoleBindings)
        {
            var rule = FirstAllowingRule(binding.RoleRef, "", requestWithoutUser, errorList);
            if (rule is null || binding.Subjects is null)
            {
                continue;
            }
            foreach (var subject in binding.Subjects)
            {
                if (subject.Kind == SubjectKinds.ServiceAccount && string.IsNullOrEmpty(subject.Namespace))
                {
                    continue;
                }
                result.Add(new SubjectGrant(subject, SourceOf(binding, subject), rule));
            }
        }
        var ns = ScopeOf(requestWithoutUser);
        if (ns.Length > 0)
        {
            foreach (var binding in _policy.RoleBindingsIn(ns))
            {
                var rule = FirstAllowingRule(binding.RoleRef, ns, requestWithoutUser, errorList);
                if (rule is null || binding.Subjects is null)
                {
                    continue;
                }
                foreach (var subject in binding.Subjects)
                {
                    var effective = subject.Kind == SubjectKinds.ServiceAccount && string.IsNullOrEmpty(subject.Namespace)
                        ? new Subject { Kind = subject.Kind, ApiGroup = subject.ApiGroup, Name = subject.Name, Namespace = ns }
                        : subject;
                    result.Add(new SubjectGrant(effective, SourceOf(binding, subject), rule));
                }
            }
        }
        errors = errorList;
        return result;
    }

    /// <summary>Non-resource requests are always cluster-scoped: the API server never gives them a namespace.</summary>
    private static string ScopeOf(AccessRequest request) => request.IsResourceRequest ? request.Namespace ?? "" : "";

    /// <summary>
    /// The rules of the role a binding references, resolved as the authorizer does: <c>Role</c> in
    /// <paramref name="bindingNamespace"/>, <c>ClusterRole</c> by name. Returns null and sets <paramref name="error"/>
    /// when the role does not exist or the kind is not supported.
    /// </summary>
    public IReadOnlyList<PolicyRule>? GetRoleReferenceRules(RoleRef roleRef, string bindingNamespace, out string? error)
        => ResolveRoleRef(roleRef, bindingNamespace, registryStyleErrors: false, out error);

    internal IReadOnlyList<PolicyRule>? ResolveRoleRef(RoleRef roleRef, string bindingNamespace, bool registryStyleErrors, out string? error)
    {
        var rules = Resolve(roleRef, bindingNamespace, registryStyleErrors, out error);
        return error is null ? (IReadOnlyList<PolicyRule>?)rules ?? [] : null;
    }

    /// <summary>
    /// Finds the index of the first subject that applies to <paramref name="user"/>, or -1. A ServiceAccount subject without
    /// namespace takes <paramref name="bindingNamespace"/>; with none (a ClusterRoleBinding) it matches nobody.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int IndexOfApplyingSubject(UserInfo user, List<Subject>? subjects, string bindingNamespace)
    {
        if (subjects is null)
        {
            return -1;
        }
        for (var i = 0; i < subjects.Count; i++)
        {
            if (SubjectAppliesTo(subjects[i], user, bindingNamespace))
            {
                return i;
            }
        }
        return -1;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool SubjectAppliesTo(Subject subject, UserInfo user, string bindingNamespace)
    {
        var name = subject.Name ?? "";
        switch (subject.Kind)
        {
            case SubjectKinds.User:
                return string.Equals(user.Name, name, StringComparison.Ordinal);
            case SubjectKinds.Group:
                return user.IsInGroup(name);
            case SubjectKinds.ServiceAccount:
                var ns = string.IsNullOrEmpty(subject.Namespace) ? bindingNamespace : subject.Namespace;
                return ns.Length > 0 && ServiceAccountIdentity.Matches(user.Name, ns, name);
            default:
                return false;
        }
    }

    private PolicyRule? FirstAllowingRule(RoleRef roleRef, string bindingNamespace, AccessRequest request, List<string> errors)
    {
        var rules = Resolve(roleRef, bindingNamespace, registryStyleErrors: false, out var error);
        if (error is not null)
        {
            errors.Add(error);
            return null;
        }
        if (rules is null)
        {
            return null;
        }
        for (var i = 0; i < rules.Count; i++)
        {
            if (RuleMatcher.Allows(rules[i], request))
            {
                return rules[i];
            }
        }
        return null;
    }

    private List<PolicyRule>? Resolve(RoleRef? roleRef, string bindingNamespace, bool registryStyleErrors, out string? error)
    {
        error = null;
        var kind = roleRef?.Kind;
        var name = roleRef?.Name ?? "";
        switch (kind)
        {
            case RoleKind:
                var role = bindingNamespace.Length == 0 ? null : _policy.GetRole(bindingNamespace, name);
                if (role is null)
                {
                    error = RbacErrors.RoleNotFound(RoleKind, name, registryStyleErrors);
                    return null;
                }
                return role.Rules;
            case ClusterRoleKind:
                var clusterRole = _policy.GetClusterRole(name);
                if (clusterRole is null)
                {
                    error = RbacErrors.RoleNotFound(ClusterRoleKind, name, registryStyleErrors);
                    return null;
                }
                return clusterRole.Rules;
            default:
                error = RbacErrors.UnsupportedRoleRefKind(kind);
                return null;
        }
    }

    private static GrantSource SourceOf(ClusterRoleBinding binding, Subject subject)
        => new(GrantSource.ClusterRoleBindingKind, binding.Metadata.Name ?? "", "", binding.RoleRef.Kind ?? "", binding.RoleRef.Name ?? "", subject);

    private static GrantSource SourceOf(RoleBinding binding, Subject subject)
        => new(GrantSource.RoleBindingKind, binding.Metadata.Name ?? "", binding.Metadata.Namespace ?? "", binding.RoleRef.Kind ?? "", binding.RoleRef.Name ?? "", subject);

    /// <summary>Walks the rules reachable by the user, in the authorizer's order, until the visitor says stop.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Walk<TVisitor>(UserInfo user, string @namespace, bool registryStyleErrors, ref TVisitor visitor)
        where TVisitor : struct, IRuleVisitor
    {
        ArgumentNullException.ThrowIfNull(user);
        var clusterBindings = _policy.ClusterRoleBindings;
        if (clusterBindings is IReadOnlyList<ClusterRoleBinding> clusterList)
        {
            for (var i = 0; i < clusterList.Count; i++)
            {
                if (!VisitClusterBinding(clusterList[i], user, registryStyleErrors, ref visitor))
                {
                    return;
                }
            }
        }
        else
        {
            foreach (var binding in clusterBindings)
            {
                if (!VisitClusterBinding(binding, user, registryStyleErrors, ref visitor))
                {
                    return;
                }
            }
        }

        if (string.IsNullOrEmpty(@namespace))
        {
            return;
        }
        var bindings = _policy.RoleBindingsIn(@namespace);
        if (bindings is IReadOnlyList<RoleBinding> list)
        {
            for (var i = 0; i < list.Count; i++)
            {
                if (!VisitRoleBinding(list[i], user, @namespace, registryStyleErrors, ref visitor))
                {
                    return;
                }
            }
        }
        else
        {
            foreach (var binding in bindings)
            {
                if (!VisitRoleBinding(binding, user, @namespace, registryStyleErrors, ref visitor))
                {
                    return;
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool VisitClusterBinding<TVisitor>(ClusterRoleBinding binding, UserInfo user, bool registryStyleErrors, ref TVisitor visitor)
        where TVisitor : struct, IRuleVisitor
    {
        var subjectIndex = IndexOfApplyingSubject(user, binding.Subjects, "");
        if (subjectIndex < 0)
        {
            return true;
        }
        var rules = Resolve(binding.RoleRef, "", registryStyleErrors, out var error);
        if (error is not null)
        {
            return visitor.VisitError(error);
        }
        if (rules is null)
        {
            return true;
        }
        var context = new BindingContext(binding, null, binding.Subjects![subjectIndex]);
        for (var i = 0; i < rules.Count; i++)
        {
            if (!visitor.Visit(in context, rules[i]))
            {
                return false;
            }
        }
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool VisitRoleBinding<TVisitor>(RoleBinding binding, UserInfo user, string @namespace, bool registryStyleErrors, ref TVisitor visitor)
        where TVisitor : struct, IRuleVisitor
    {
        var subjectIndex = IndexOfApplyingSubject(user, binding.Subjects, @namespace);
        if (subjectIndex < 0)
        {
            return true;
        }
        var rules = Resolve(binding.RoleRef, @namespace, registryStyleErrors, out var error);
        if (error is not null)
        {
            return visitor.VisitError(error);
        }
        if (rules is null)
        {
            return true;
        }
        var context = new BindingContext(null, binding, binding.Subjects![subjectIndex]);
        for (var i = 0; i < rules.Count; i++)
        {
            if (!visitor.Visit(in context, rules[i]))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The binding a rule came from; turned into a <see cref="GrantSource"/> only when needed.</summary>
    private readonly record struct BindingContext(ClusterRoleBinding? ClusterBinding, RoleBinding? Binding, Subject Subject)
    {
        public GrantSource ToSource() => ClusterBinding is not null ? SourceOf(ClusterBinding, Subject) : SourceOf(Binding!, Subject);

        public string Describe() => ToSource().ToString();
    }

    private interface IRuleVisitor
    {
        /// <summary>Returns false to stop the walk.</summary>
        bool Visit(in BindingContext context, PolicyRule rule);

        bool VisitError(string error);
    }

    private struct AllowVisitor(AccessRequest request) : IRuleVisitor
    {
        public BindingContext? Allowing;
        public List<string>? Errors;

        public bool Visit(in BindingContext context, PolicyRule rule)
        {
            if (RuleMatcher.Allows(rule, request))
            {
                Allowing = context;
                return false;
            }
            return true;
        }

        public bool VisitError(string error)
        {
            (Errors ??= []).Add(error);
            return true;
        }
    }

    /// <summary>Collects every visited rule, or only those allowing <c>filter</c> when given.</summary>
    private struct CollectVisitor(AccessRequest? filter) : IRuleVisitor
    {
        public List<PermissionGrant> Grants = [];
        public List<string>? Errors;

        public bool Visit(in BindingContext context, PolicyRule rule)
        {
            if (filter is null || RuleMatcher.Allows(rule, filter))
            {
                Grants.Add(new PermissionGrant(context.ToSource(), rule));
            }
            return true;
        }

        public bool VisitError(string error)
        {
            (Errors ??= []).Add(error);
            return true;
        }
    }
}
