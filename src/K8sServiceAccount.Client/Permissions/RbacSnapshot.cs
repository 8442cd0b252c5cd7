using System.Globalization;
using System.Text.Json.Serialization.Metadata;
using K8sServiceAccount.Client.Http;
using K8sServiceAccount.Client.Models;
using K8sServiceAccount.Client.Rbac;

namespace K8sServiceAccount.Client.Permissions;

/// <summary>
/// A cluster's (or a set of documents') Roles, ClusterRoles, RoleBindings and ClusterRoleBindings held in memory, so that
/// thousands of checks, explanations, effective-rule listings and who-can questions are answered locally in one pass.
/// </summary>
/// <remarks>
/// <para>What it models: the RBAC authorizer exactly (the client's engine; K8S-SEMANTICS §1), plus kube-apiserver's
/// privileged-group authorizer, which allows members of <c>system:masters</c> everything before RBAC runs (§1.7) — so a
/// user checked with that group gets the real server's answer. <see cref="ModelsPrivilegedGroup"/> turns this off for a
/// pure RBAC view.</para>
/// <para>What it does not model: the Node authorizer, webhook authorizers, and any change made after the snapshot was
/// taken. ClusterRoles with an aggregationRule are evaluated with the rules the server's aggregation controller stored in
/// them (for offline documents the reader computes them). A ServiceAccount's identity is derived from its name (the
/// ServiceAccount need not exist, as with SubjectAccessReview).</para>
/// </remarks>
public sealed class RbacSnapshot : IPermissionEvaluator
{
    internal const string RbacApiPrefix = "/apis/rbac.authorization.k8s.io/v1/";
    private const string PrivilegedGroupReason = "allowed: member of group \"system:masters\" (privileged-group authorizer, not RBAC)";

    private readonly RbacAuthorizer _authorizer;
    private readonly ResourceNameResolver _resolver;

    /// <summary>Evaluates <paramref name="policy"/>; results carry <paramref name="method"/> (Offline or LocalRbac).</summary>
    public RbacSnapshot(InMemoryRbacPolicy policy, PermissionCheckMethod method = PermissionCheckMethod.Offline, ResourceNameResolver? resolver = null)
    {
        Policy = policy ?? throw new ArgumentNullException(nameof(policy));
        if (method is not (PermissionCheckMethod.Offline or PermissionCheckMethod.LocalRbac))
        {
            throw new ArgumentOutOfRangeException(nameof(method), method, "A snapshot answers with Offline or LocalRbac.");
        }
        Method = method;
        _authorizer = new RbacAuthorizer(policy);
        _resolver = resolver ?? ResourceNameResolver.WithoutDiscovery();
        TakenAt = DateTimeOffset.UtcNow;
    }

    private RbacSnapshot(RbacSnapshot source, ResourceNameResolver resolver)
    {
        Policy = source.Policy;
        Method = source.Method;
        TakenAt = source.TakenAt;
        ModelsPrivilegedGroup = source.ModelsPrivilegedGroup;
        _authorizer = source._authorizer;
        _resolver = resolver;
    }

    /// <summary>
    /// The same objects, evaluated with kubectl's resolution warnings (unknown types, cluster-scoped types given a
    /// namespace) written to <paramref name="log"/>: a snapshot is taken by one command and used by others, each with its
    /// own log. Nothing is copied.
    /// </summary>
    public RbacSnapshot WithLog(IClientLog log) => new(this, _resolver.WithLog(log));

    /// <summary>The RBAC objects evaluated.</summary>
    public InMemoryRbacPolicy Policy { get; }

    /// <summary>Offline (documents) or LocalRbac (read from a cluster).</summary>
    public PermissionCheckMethod Method { get; }

    /// <summary>When the objects were read.</summary>
    public DateTimeOffset TakenAt { get; init; }

    /// <summary>Allow members of <c>system:masters</c> everything, as kube-apiserver does (default true).</summary>
    public bool ModelsPrivilegedGroup { get; init; } = true;

    /// <summary>
    /// Reads every Role, ClusterRole, RoleBinding and ClusterRoleBinding of the cluster (paged lists, the four kinds
    /// concurrently). Resource names in later checks are resolved with <paramref name="resolver"/> (discovery of the same
    /// connection by default). Needs list on the four kinds cluster-wide.
    /// </summary>
    public static async Task<RbacSnapshot> LoadAsync(
        IKubernetesTransport transport, ResourceNameResolver? resolver = null, int pageSize = 500, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transport);
        if (pageSize < 1)
        {
            throw PermissionErrors.InvalidArgument("PageSize", "The page size must be at least 1.");
        }
        var taken = DateTimeOffset.UtcNow;
        // The four lists run at once; the first one to fail cancels the others (their answers are of no use any more, and a
        // broken server's would each be read up to the size limit) and is the error reported.
        using var firstFailure = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Exception? failure = null;
        async Task<List<TItem>> ListAsync<TList, TItem>(string resource, JsonTypeInfo<TList> listType, Func<TList, List<TItem>> items, Func<TList, ListMeta?> meta)
        {
            try
            {
                return await ListAllAsync(transport, resource, pageSize, listType, items, meta, firstFailure.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (!firstFailure.IsCancellationRequested)
            {
                Interlocked.CompareExchange(ref failure, e, null);
                firstFailure.Cancel();
                throw;
            }
        }

        var clusterRoles = ListAsync("clusterroles", KubeJsonContext.Default.ClusterRoleList, l => l.Items, l => l.Metadata);
        var clusterRoleBindings = ListAsync("clusterrolebindings", KubeJsonContext.Default.ClusterRoleBindingList, l => l.Items, l => l.Metadata);
        var roles = ListAsync("roles", KubeJsonContext.Default.RoleList, l => l.Items, l => l.Metadata);
        var roleBindings = ListAsync("rolebindings", KubeJsonContext.Default.RoleBindingList, l => l.Items, l => l.Metadata);
        try
        {
            await Task.WhenAll(clusterRoles, clusterRoleBindings, roles, roleBindings).ConfigureAwait(false);
        }
        catch when (failure is not null && !cancellationToken.IsCancellationRequested)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }

        var policy = new InMemoryRbacPolicy(await clusterRoles.ConfigureAwait(false), await clusterRoleBindings.ConfigureAwait(false),
            await roles.ConfigureAwait(false), await roleBindings.ConfigureAwait(false));
        return new RbacSnapshot(policy, PermissionCheckMethod.LocalRbac, resolver ?? new ResourceNameResolver(transport)) { TakenAt = taken };
    }

    /// <summary>
    /// An offline policy from YAML or JSON documents (files, multi-document YAML, List objects; see
    /// <see cref="RbacDocumentReader"/>, whose errors name the source, document and field). Results carry Method Offline.
    /// </summary>
    public static RbacSnapshot FromDocuments(IEnumerable<RbacSource> sources, RbacReadOptions? options = null, IList<string>? notes = null)
        => new(RbacDocumentReader.Read(sources, notes, options), PermissionCheckMethod.Offline);

    /// <summary>
    /// An offline policy from objects already in hand (Role, ClusterRole, RoleBinding, ClusterRoleBinding, e.g. from the
    /// pipeline). ClusterRoles with an aggregationRule get their rules filled as the aggregation controller would; Roles and
    /// RoleBindings without a namespace are taken to be in <paramref name="defaultNamespace"/>. The objects are not modified.
    /// </summary>
    public static RbacSnapshot FromObjects(IEnumerable<object> objects, bool includeBootstrapPolicy = false, string defaultNamespace = "default")
    {
        ArgumentNullException.ThrowIfNull(objects);
        var clusterRoles = new List<ClusterRole>(includeBootstrapPolicy ? BootstrapPolicy.ClusterRoles : []);
        var policy = includeBootstrapPolicy ? InMemoryRbacPolicy.WithBootstrapPolicy() : new InMemoryRbacPolicy();
        var index = 0;
        foreach (var item in objects)
        {
            switch (item)
            {
                case Role role:
                    policy.Add(string.IsNullOrEmpty(role.Metadata.Namespace)
                        ? new Role { Metadata = InNamespace(role.Metadata, defaultNamespace), Rules = role.Rules }
                        : role);
                    break;
                case RoleBinding binding:
                    policy.Add(string.IsNullOrEmpty(binding.Metadata.Namespace)
                        ? new RoleBinding { Metadata = InNamespace(binding.Metadata, defaultNamespace), RoleRef = binding.RoleRef, Subjects = binding.Subjects }
                        : binding);
                    break;
                case ClusterRole clusterRole:
                    clusterRoles.RemoveAll(c => c.Metadata.Name == clusterRole.Metadata.Name);
                    clusterRoles.Add(clusterRole);
                    break;
                case ClusterRoleBinding clusterBinding:
                    policy.Add(clusterBinding);
                    break;
                default:
                    throw PermissionErrors.InvalidArgument("Policy",
                        $"Policy item {index} is a {item?.GetType().Name ?? "null"}, not a Role, ClusterRole, RoleBinding or ClusterRoleBinding.");
            }
            index++;
        }
        foreach (var clusterRole in ClusterRoleAggregation.ApplyAll(clusterRoles))
        {
            policy.Add(clusterRole);
        }
        return new RbacSnapshot(policy, PermissionCheckMethod.Offline);
    }

    private static ObjectMeta InNamespace(ObjectMeta metadata, string @namespace)
        => new() { Name = metadata.Name, Namespace = @namespace, Labels = metadata.Labels, Annotations = metadata.Annotations };

    /// <inheritdoc />
    public async Task<PermissionCheckResult> CheckAsync(PermissionCheck check, CancellationToken cancellationToken = default)
    {
        var attributes = await ResolveAsync(check, cancellationToken).ConfigureAwait(false);
        return Evaluate(check, attributes);
    }

    /// <summary>Answers a check whose attributes are already resolved (no discovery): Resource is taken as the plural name.</summary>
    public PermissionCheckResult Check(PermissionCheck check)
    {
        ArgumentNullException.ThrowIfNull(check);
        check.Validate();
        if (check.IsNonResource)
        {
            return Evaluate(check, new ReviewAttributes(check.Subject.ToString(), check.Verb, "", "", "", "", "", check.NonResourceUrl!));
        }
        var (type, sub) = ResourceNameResolver.SplitSubresource(check.Resource!, check.Subresource);
        var (resource, group) = type == "*" ? ("*", "") : ResourceNameResolver.ParseGroupResource(type);
        return Evaluate(check, new ReviewAttributes(check.Subject.ToString(), check.Verb, check.Namespace ?? "", check.Group ?? group, resource, sub, check.Name ?? "", ""));
    }

    /// <summary>
    /// Every binding, role and rule that grants the check. With <paramref name="serverResult"/> (the server's answer for
    /// the same check) an allow that no RBAC rule explains is reported as <see cref="ExplanationVerdict.AllowedByOtherAuthorizer"/>.
    /// </summary>
    public async Task<PermissionExplanation> ExplainAsync(PermissionCheck check, PermissionCheckResult? serverResult = null, CancellationToken cancellationToken = default)
    {
        var attributes = await ResolveAsync(check, cancellationToken).ConfigureAwait(false);
        var user = UserFor(check.Subject);
        var grants = _authorizer.Explain(ToRequest(user, attributes)).Select(EffectiveRule.From).ToList();
        var result = serverResult ?? Evaluate(check, attributes);
        var what = Describe(attributes);
        if (grants.Count > 0)
        {
            var lines = grants.Select(g => $"{g.BindingKind} {Qualified(g.BindingName, g.BindingNamespace)} -> {g.RoleKind} {g.RoleName}: {g}");
            return new PermissionExplanation(result, ExplanationVerdict.GrantedByRbac, grants,
                $"{check.Subject} may {what}, granted by:\n" + string.Join("\n", lines));
        }
        if (result.Allowed)
        {
            var by = ModelsPrivilegedGroup && IsPrivileged(user) && serverResult is null
                ? "the privileged-group authorizer (member of system:masters)"
                : "another authorizer (for example system:masters, Node or a webhook)" + (result.Reason.Length > 0 ? $"; the server said: {result.Reason}" : "");
            return new PermissionExplanation(result, ExplanationVerdict.AllowedByOtherAuthorizer, grants,
                $"{check.Subject} may {what}, allowed by the server but by no RBAC rule: {by}.");
        }
        // A binding to a missing role may be why nothing grants it.
        var unresolved = _authorizer.Authorize(ToRequest(user, attributes)).EvaluationError;
        return new PermissionExplanation(result, ExplanationVerdict.NotGranted, grants,
            $"No RBAC rule allows {check.Subject} to {what}." + (string.IsNullOrEmpty(unresolved) ? "" : $" Bindings that could not be resolved: {unresolved}."));
    }

    /// <summary>
    /// The rules <paramref name="subject"/> holds, each with its scope and the binding that gives it. With a namespace: the
    /// ClusterRoleBindings' rules (scope "") and that namespace's RoleBindings' rules; with <c>""</c>: ClusterRoleBindings
    /// only; with null: ClusterRoleBindings and the RoleBindings of every namespace.
    /// </summary>
    public IReadOnlyList<EffectiveRule> EffectiveRulesFor(PermissionSubject subject, string? @namespace, out IReadOnlyList<string> errors)
    {
        var user = UserFor(subject);
        var collected = new List<EffectiveRule>();
        var errorList = new List<string>();
        if (@namespace is not null)
        {
            var resolution = _authorizer.RulesFor(user, @namespace);
            collected.AddRange(resolution.Grants.Select(EffectiveRule.From));
            errorList.AddRange(resolution.Errors);
        }
        else
        {
            var clusterWide = _authorizer.RulesFor(user, "");
            collected.AddRange(clusterWide.Grants.Select(EffectiveRule.From));
            errorList.AddRange(clusterWide.Errors);
            foreach (var ns in Policy.RoleBindings.Select(b => b.Metadata.Namespace!).Distinct(StringComparer.Ordinal))
            {
                var inNamespace = _authorizer.RulesFor(user, ns);
                collected.AddRange(inNamespace.Grants.Where(g => !g.Source.IsClusterWide).Select(EffectiveRule.From));
                errorList.AddRange(inNamespace.Errors.Except(clusterWide.Errors));
            }
        }
        errors = errorList;
        return collected;
    }

    /// <inheritdoc cref="EffectiveRulesFor(PermissionSubject, string?, out IReadOnlyList{string})"/>
    public IReadOnlyList<EffectiveRule> EffectiveRulesFor(PermissionSubject subject, string? @namespace) => EffectiveRulesFor(subject, @namespace, out _);

    /// <summary>
    /// Who may perform the check (its Subject is ignored): every subject of every binding whose role allows it, with
    /// what each subject covers; plus <c>system:masters</c> when the privileged group is modelled.
    /// </summary>
    public async Task<IReadOnlyList<PermissionHolder>> SubjectsThatCanAsync(PermissionCheck check, CancellationToken cancellationToken = default)
    {
        var attributes = await ResolveAsync(check, cancellationToken).ConfigureAwait(false);
        var request = ToRequest(new UserInfo("", null, []), attributes);
        var holders = new List<PermissionHolder>();
        if (ModelsPrivilegedGroup)
        {
            holders.Add(new PermissionHolder
            {
                SubjectKind = SubjectKinds.Group,
                SubjectName = ServiceAccountIdentity.MastersGroup,
                Covers = PermissionHolder.Describe(SubjectKinds.Group, ServiceAccountIdentity.MastersGroup, ""),
            });
        }
        foreach (var grant in _authorizer.SubjectsThatCan(request))
        {
            var subject = grant.Subject;
            var kind = subject.Kind ?? "";
            var name = subject.Name ?? "";
            var ns = kind == SubjectKinds.ServiceAccount ? subject.Namespace ?? "" : "";
            if (ModelsPrivilegedGroup && kind == SubjectKinds.Group && name == ServiceAccountIdentity.MastersGroup)
            {
                continue;
            }
            holders.Add(new PermissionHolder
            {
                SubjectKind = kind,
                SubjectName = name,
                SubjectNamespace = ns,
                Covers = PermissionHolder.Describe(kind, name, ns),
                BindingKind = grant.Source.BindingKind,
                BindingName = grant.Source.BindingName,
                BindingNamespace = grant.Source.BindingNamespace,
                RoleKind = grant.Source.RoleKind,
                RoleName = grant.Source.RoleName,
                Rule = EscalationCheck.CompactString(grant.Rule),
            });
        }
        return holders;
    }

    private async Task<ReviewAttributes> ResolveAsync(PermissionCheck check, CancellationToken cancellationToken)
    {
        var attributes = await PermissionChecker.ResolveAsync(_resolver, check, cancellationToken).ConfigureAwait(false);
        if (Method == PermissionCheckMethod.Offline && !check.IsNonResource && check.Group is null && attributes.Group.Length == 0 && attributes.Resource != "*")
        {
            // No discovery offline: a plural given without its group stays in the core group, where kubectl on a cluster
            // would have found it elsewhere. When the policy names it only in other groups, say how to ask what was meant.
            var groups = GroupsNaming(attributes.Resource);
            if (groups.Count > 0 && !groups.Contains("") && !groups.Contains("*"))
            {
                _resolver.WarnOnce($"offline, '{attributes.Resource}' is evaluated in the core API group (there is no discovery to find its group), " +
                    $"and the policy names it only in {string.Join(", ", groups.Select(g => $"'{g}'"))}: give -ApiGroup or write {attributes.Resource}.{groups[0]}");
            }
        }
        return attributes;
    }

    // The API groups in which the policy's rules name a resource type (with or without a subresource), in order.
    private List<string> GroupsNaming(string resource)
    {
        var groups = new List<string>();
        var rules = Policy.ClusterRoles.SelectMany(r => r.Rules ?? []).Concat(Policy.Roles.SelectMany(r => r.Rules ?? []));
        foreach (var rule in rules)
        {
            if ((rule.Resources ?? []).Any(r => r == resource || r.StartsWith(resource + "/", StringComparison.Ordinal)))
            {
                groups.AddRange((rule.ApiGroups ?? []).Where(g => !groups.Contains(g)));
            }
        }
        return groups;
    }

    private PermissionCheckResult Evaluate(PermissionCheck check, ReviewAttributes attributes)
    {
        var user = UserFor(check.Subject);
        if (ModelsPrivilegedGroup && IsPrivileged(user))
        {
            return attributes.ToResult(check, true, PrivilegedGroupReason, "", Method);
        }
        var decision = _authorizer.Authorize(ToRequest(user, attributes));
        return attributes.ToResult(check, decision.Allowed, decision.Reason, decision.EvaluationError ?? "", Method);
    }

    private static bool IsPrivileged(UserInfo user) => user.IsInGroup(ServiceAccountIdentity.MastersGroup);

    private static UserInfo UserFor(PermissionSubject subject)
    {
        if (subject.Kind == PermissionSubjectKind.Self)
        {
            throw PermissionErrors.InvalidArgument("ServiceAccount",
                "A local or offline evaluation needs the identity to evaluate: give a ServiceAccount, a user or groups (the current identity is known only to the server).");
        }
        return subject.ToUserInfo();
    }

    private static AccessRequest ToRequest(UserInfo user, ReviewAttributes attributes) => attributes.NonResourceUrl.Length > 0
        ? AccessRequest.ForPath(user, attributes.Verb, attributes.NonResourceUrl)
        : AccessRequest.ForResource(user, attributes.Verb, attributes.Resource, attributes.Namespace, attributes.Group, attributes.Subresource, attributes.Name);

    private static string Describe(ReviewAttributes a)
    {
        if (a.NonResourceUrl.Length > 0)
        {
            return $"{a.Verb} {a.NonResourceUrl}";
        }
        // kubectl's form: RESOURCE.GROUP/SUBRESOURCE.
        var group = a.Group.Length > 0 ? "." + a.Group : "";
        var subresource = a.Subresource.Length > 0 ? "/" + a.Subresource : "";
        var name = a.Name.Length > 0 ? $" \"{a.Name}\"" : "";
        var scope = a.Namespace.Length > 0 ? $" in namespace {a.Namespace}" : " at cluster scope";
        return $"{a.Verb} {a.Resource}{group}{subresource}{name}{scope}";
    }

    private static string Qualified(string? name, string? @namespace) => string.IsNullOrEmpty(@namespace) ? name ?? "" : $"{@namespace}/{name}";

    private static async Task<List<TItem>> ListAllAsync<TList, TItem>(
        IKubernetesTransport transport, string resource, int pageSize, JsonTypeInfo<TList> listType,
        Func<TList, List<TItem>> items, Func<TList, ListMeta?> meta, CancellationToken cancellationToken)
    {
        var all = new List<TItem>();
        string? continueToken = null;
        do
        {
            var path = RbacApiPrefix + resource + "?limit=" + pageSize.ToString(CultureInfo.InvariantCulture)
                + (string.IsNullOrEmpty(continueToken) ? "" : "&continue=" + Uri.EscapeDataString(continueToken));
            var page = await transport.GetAsync(path, listType, cancellationToken).ConfigureAwait(false);
            all.AddRange(items(page));
            continueToken = meta(page)?.Continue;
        }
        while (!string.IsNullOrEmpty(continueToken));
        return all;
    }
}
