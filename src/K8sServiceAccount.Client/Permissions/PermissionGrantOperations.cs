using K8sServiceAccount.Client.Http;
using K8sServiceAccount.Client.Models;
using K8sServiceAccount.Client.Rbac;

namespace K8sServiceAccount.Client.Permissions;

/// <summary>What Grant or Revoke should do: the subject, the rules and where.</summary>
public sealed record GrantRequest
{
    /// <summary>A ServiceAccount, a user or a single group (not Self).</summary>
    public required PermissionSubject Subject { get; init; }

    /// <summary>The rules (from <see cref="PolicyRuleBuilder"/>). For Revoke, empty means "remove the subject's whole grant".</summary>
    public IReadOnlyList<PolicyRule> Rules { get; init; } = [];

    /// <summary>The namespace of the Role and RoleBinding; ignored when <see cref="ClusterWide"/>.</summary>
    public string? Namespace { get; init; }

    /// <summary>Use a ClusterRole and ClusterRoleBinding (effective in every namespace and at cluster scope).</summary>
    public bool ClusterWide { get; init; }

    /// <summary>The role and binding name; default <see cref="PermissionGrantOperations.DefaultName"/>.</summary>
    public string? Name { get; init; }
}

/// <summary>What happened to one object.</summary>
public enum GrantAction
{
    Unchanged,
    Created,
    Updated,
    Deleted,
    NotFound,
}

/// <summary>The outcome of Grant or Revoke.</summary>
public sealed record GrantResult
{
    public required string Subject { get; init; }

    /// <summary>Role or ClusterRole.</summary>
    public required string RoleKind { get; init; }

    /// <summary>RoleBinding or ClusterRoleBinding.</summary>
    public required string BindingKind { get; init; }

    public required string Name { get; init; }

    /// <summary>The namespace; "" for cluster-wide.</summary>
    public string Namespace { get; init; } = "";

    public GrantAction RoleAction { get; init; }

    public GrantAction BindingAction { get; init; }

    /// <summary>Rules added to the role (Grant) or removed from it (Revoke).</summary>
    public IReadOnlyList<PolicyRule> ChangedRules { get; init; } = [];

    /// <summary>
    /// Revoke only: the parts of the requested rules that the role's remaining rules still grant (a broader or overlapping
    /// rule another Grant added), compacted as the API server prints them; empty when the revocation took full effect.
    /// </summary>
    public IReadOnlyList<PolicyRule> StillGranted { get; init; } = [];

    /// <summary>
    /// Grant only: rules were added to a role that Grant did not make (no managed-by label, a -Name chosen by the caller),
    /// so every subject its bindings bind gets them too.
    /// </summary>
    public bool ChangedUnmanagedRole { get; init; }

    /// <summary>True when nothing changed (a repeated Grant or Revoke).</summary>
    public bool Unchanged => RoleAction == GrantAction.Unchanged && BindingAction == GrantAction.Unchanged
        || RoleAction == GrantAction.NotFound && BindingAction == GrantAction.NotFound;
}

/// <summary>
/// One-step provisioning: <see cref="GrantAsync"/> creates or reconciles a predictably named Role and RoleBinding (or
/// ClusterRole and ClusterRoleBinding) for a subject, and <see cref="RevokeAsync"/> takes it back.
/// </summary>
/// <remarks>
/// <para>Grant, like <c>kubectl auth reconcile</c>, only adds: each requested rule not already covered by the role's rules
/// (per atomic verb/group/resource/name) is appended as written; the subject is added to the binding if missing; nothing
/// is ever removed. Granting the same thing twice changes nothing the second time.</para>
/// <para>Revoke with rules removes exactly those permissions from the role (<see cref="RuleSubtraction"/>): revoking list
/// from a rule granting get and list leaves get; rules that do not overlap are left alone. A wildcard that would have to
/// be narrowed ("every verb but list") is an error (<see cref="WildcardConflictErrorId"/>) and changes nothing; so is
/// revoking rules from a role whose binding, or any other binding of it, binds other subjects too
/// (<see cref="SharedRoleErrorId"/>): they would lose them as well. Revoke
/// without rules removes the subject from the binding. When the role is left with no rules (and Grant made it, by its
/// label), both the role and the binding are deleted; when the binding is left with no subjects, the binding is, with its
/// role if Grant made it. Revoking what is not there
/// changes nothing.</para>
/// <para>A Grant that creates the role and then cannot make or update the binding (not allowed to, escalation
/// prevention, a conflict) deletes the role it created again before reporting the failure, so a refused Grant leaves
/// nothing behind. A role that existed before the call keeps the rules the call added (they bind no one new).</para>
/// <para>Objects are labelled <c>app.kubernetes.io/managed-by=K8sServiceAccount</c>. Updates use the object's
/// resourceVersion, so a concurrent change fails with 409 Conflict instead of being overwritten.</para>
/// </remarks>
public sealed class PermissionGrantOperations
{
    public const string ManagedByLabel = "app.kubernetes.io/managed-by";
    public const string ManagedByValue = "K8sServiceAccount";
    public const string NamePrefix = "k8ssa-grant:";

    private readonly IKubernetesTransport _transport;
    private readonly RbacObjectOperations _objects;

    public PermissionGrantOperations(IKubernetesTransport transport)
    {
        _transport = transport ?? throw new ArgumentNullException(nameof(transport));
        _objects = new RbacObjectOperations(transport);
    }

    /// <summary>
    /// The rules of a Grant or Revoke from resources written as kubectl takes them, resolved through this connection's
    /// discovery as <c>kubectl create role</c> does: <c>deployments</c> is apps/deployments, <c>deploy</c> and <c>rs.apps</c> are
    /// expanded, a type the server does not have is an error. Grant and Revoke resolve the same words to the same rules,
    /// so Revoke finds what Grant wrote.
    /// </summary>
    public Task<IReadOnlyList<PolicyRule>> BuildRulesAsync(
        PolicyRuleRequest request, bool clusterWide, ICollection<string>? warnings = null, IClientLog? log = null, CancellationToken cancellationToken = default)
        => PolicyRuleBuilder.BuildAsync(
            request, clusterWide ? RoleScope.ClusterRole : RoleScope.Role, new ResourceNameResolver(_transport, log), warnings, cancellationToken);

    /// <summary>
    /// The role and binding name for a subject: <c>k8ssa-grant:NAMESPACE:NAME</c> for a ServiceAccount,
    /// <c>k8ssa-grant:user:NAME</c> or <c>k8ssa-grant:group:NAME</c> otherwise.
    /// </summary>
    public static string DefaultName(PermissionSubject subject)
    {
        ArgumentNullException.ThrowIfNull(subject);
        return subject.Kind switch
        {
            PermissionSubjectKind.ServiceAccount => $"{NamePrefix}{subject.Namespace}:{subject.Name}",
            PermissionSubjectKind.User when subject.Name is not null => $"{NamePrefix}user:{subject.Name}",
            PermissionSubjectKind.User when subject.Groups.Count == 1 => $"{NamePrefix}group:{subject.Groups[0]}",
            _ => throw PermissionErrors.InvalidArgument("Subject", "Grant and Revoke take a ServiceAccount, a user or a single group."),
        };
    }

    /// <summary>Creates or reconciles the role and binding (see the type remarks).</summary>
    public async Task<GrantResult> GrantAsync(GrantRequest request, CancellationToken cancellationToken = default)
    {
        var (name, ns, subject) = Prepare(request);
        if (request.Rules.Count == 0)
        {
            throw PermissionErrors.InvalidArgument("Rule", "Grant needs at least one rule (verbs and resources or non-resource URLs).");
        }
        RbacValidation.ValidateRules(request.Rules, namespaced: !request.ClusterWide);

        GrantAction roleAction;
        IReadOnlyList<PolicyRule> added;
        var unmanaged = false;
        var role = await TryGetRoleRulesAsync(request.ClusterWide, ns, name, cancellationToken).ConfigureAwait(false);
        if (role is null)
        {
            await CreateRoleAsync(request.ClusterWide, ns, name, [.. request.Rules.Select(PolicyRules.Clone)], cancellationToken).ConfigureAwait(false);
            (roleAction, added) = (GrantAction.Created, request.Rules);
        }
        else
        {
            added = Missing(role.Rules, request.Rules);
            roleAction = added.Count == 0 ? GrantAction.Unchanged : GrantAction.Updated;
            if (added.Count > 0)
            {
                await role.ReplaceAsync([.. role.Rules ?? [], .. added.Select(PolicyRules.Clone)]).ConfigureAwait(false);
                unmanaged = !role.ManagedByGrant;
            }
        }

        GrantAction bindingAction;
        try
        {
            bindingAction = await EnsureBindingAsync(request.ClusterWide, ns, name, subject, cancellationToken).ConfigureAwait(false);
        }
        catch (K8sClientException bindingError) when (roleAction == GrantAction.Created)
        {
            await RollBackCreatedRoleAsync(request.ClusterWide, ns, name, bindingError).ConfigureAwait(false);
            throw;
        }

        return Result(request, name, ns, roleAction, bindingAction, added) with { ChangedUnmanagedRole = unmanaged };
    }

    // Undoes this call's role creation after the binding failed. The delete is idempotent (404 means it is gone), so it
    // is retried; if it still fails, the error names the role left behind instead of hiding it behind the binding's error.
    private async Task RollBackCreatedRoleAsync(bool clusterWide, string @namespace, string name, K8sClientException bindingError)
    {
        var kind = clusterWide ? "ClusterRole" : "Role";
        try
        {
            await PartialWrite.DeleteIdempotentAsync(() => clusterWide
                ? _objects.DeleteClusterRoleAsync(name, CancellationToken.None)
                : _objects.DeleteRoleAsync(@namespace, name, CancellationToken.None)).ConfigureAwait(false);
        }
        catch (K8sClientException rollbackError)
        {
            throw PartialWrite.LeftBehind(bindingError, rollbackError, kind, clusterWide ? null : @namespace, name);
        }
    }

    // Revoke's second delete: the binding is gone, so the role must go too. Retried as a rollback is (404 means gone), and
    // when it still fails, the error names the role left behind instead of a bare delete failure.
    private async Task<GrantAction> DeleteRoleAfterBindingAsync(bool clusterWide, string @namespace, string name)
    {
        var scope = clusterWide ? null : @namespace;
        try
        {
            var deleted = await PartialWrite.DeleteIdempotentAsync(() => clusterWide
                ? _objects.DeleteClusterRoleAsync(name, CancellationToken.None)
                : _objects.DeleteRoleAsync(@namespace, name, CancellationToken.None)).ConfigureAwait(false);
            return deleted ? GrantAction.Deleted : GrantAction.NotFound;
        }
        catch (K8sClientException deleteError)
        {
            throw PartialWrite.LeftBehind(
                new WrittenObject(clusterWide ? "ClusterRoleBinding" : "RoleBinding", scope, name),
                new WrittenObject(RoleKind(clusterWide), scope, name),
                deleteError);
        }
    }

    // The rules of the Role or ClusterRole Grant/Revoke manage, with the way to write them back: the two kinds share no base type.
    private sealed record RoleRules(List<PolicyRule>? Rules, Func<List<PolicyRule>, Task> ReplaceAsync, bool ManagedByGrant);

    private async Task<RoleRules?> TryGetRoleRulesAsync(bool clusterWide, string @namespace, string name, CancellationToken cancellationToken)
    {
        if (clusterWide)
        {
            var clusterRole = await _objects.TryGetClusterRoleAsync(name, cancellationToken).ConfigureAwait(false);
            return clusterRole is null ? null : new RoleRules(clusterRole.Rules, rules =>
            {
                clusterRole.Rules = rules;
                return _objects.ReplaceClusterRoleAsync(clusterRole, cancellationToken);
            }, IsManaged(clusterRole.Metadata));
        }
        var role = await _objects.TryGetRoleAsync(@namespace, name, cancellationToken).ConfigureAwait(false);
        return role is null ? null : new RoleRules(role.Rules, rules =>
        {
            role.Rules = rules;
            return _objects.ReplaceRoleAsync(role, cancellationToken);
        }, IsManaged(role.Metadata));
    }

    // Grant labels what it creates; only such a role is Revoke's to delete.
    private static bool IsManaged(ObjectMeta? metadata)
        => metadata?.Labels?.TryGetValue(ManagedByLabel, out var value) == true && value == ManagedByValue;

    private Task CreateRoleAsync(bool clusterWide, string @namespace, string name, List<PolicyRule> rules, CancellationToken cancellationToken) => clusterWide
        ? _objects.CreateClusterRoleAsync(new ClusterRole { Metadata = Metadata(name, null), Rules = rules }, cancellationToken)
        : _objects.CreateRoleAsync(new Role { Metadata = Metadata(name, @namespace), Rules = rules }, cancellationToken);

    /// <summary>
    /// What <see cref="RevokeAsync"/> would do to the role's rules, read without changing anything (for -WhatIf and the
    /// confirmation prompt); null when the role does not exist or no rules are revoked. A wildcard the revoked rules would
    /// have to narrow throws as <see cref="RevokeAsync"/> does.
    /// </summary>
    public async Task<RuleSubtractionResult?> PreviewRevokeAsync(GrantRequest request, CancellationToken cancellationToken = default)
    {
        var (name, ns, subject) = Prepare(request);
        if (request.Rules.Count == 0)
        {
            return null;
        }
        var role = await TryGetRoleRulesAsync(request.ClusterWide, ns, name, cancellationToken).ConfigureAwait(false);
        var subtraction = role is null ? null : RuleSubtraction.Subtract(role.Rules ?? [], request.Rules);
        if (subtraction is { Conflicts.Count: > 0 })
        {
            throw WildcardConflict(request.ClusterWide, ns, name, subtraction.Conflicts);
        }
        if (subtraction is { Changed: true })
        {
            await EnsureNotSharedAsync(request, ns, name, subject, cancellationToken).ConfigureAwait(false);
        }
        return subtraction;
    }

    /// <summary>The error id when rules would be revoked from a role whose binding also binds other subjects.</summary>
    public const string SharedRoleErrorId = "RevokeSharedRole";

    // Rules revoked from a role are revoked from everyone its bindings bind: with another subject in the binding Grant
    // manages (a Grant -Name several subjects share), or in any other binding of the role, nothing is changed and the
    // error says how to take this subject out instead.
    private async Task EnsureNotSharedAsync(GrantRequest request, string ns, string name, Subject subject, CancellationToken cancellationToken)
    {
        var where = RoleTarget(request.ClusterWide, ns, name);
        var bindingKind = request.ClusterWide ? "ClusterRoleBinding" : "RoleBinding";
        var binding = await TryGetBindingAsync(request.ClusterWide, ns, name, cancellationToken).ConfigureAwait(false);
        var bindingNamespace = request.ClusterWide ? "" : ns;
        var others = binding?.Subjects?.Where(s => !SameSubject(s, subject, bindingNamespace)).ToList() ?? [];
        if (others.Count > 0)
        {
            var alsoThisSubject = others.Count < binding!.Subjects!.Count ? $" as well as to {request.Subject}" : "";
            throw SharedRole(name, $"{where} is bound by {bindingKind} {name} to {Describe(others.Select(s => (s, bindingNamespace)))}{alsoThisSubject}");
        }

        foreach (var (description, subjects) in await OtherBindingsAsync(request.ClusterWide, ns, name, cancellationToken).ConfigureAwait(false))
        {
            var elsewhere = subjects.Where(s => !SameSubject(s.Subject, subject, s.Namespace)).ToList();
            if (elsewhere.Count > 0)
            {
                throw SharedRole(name, $"{where} is also bound by {description} to {Describe(elsewhere)}");
            }
        }
    }

    private static K8sClientException SharedRole(string name, string sharedWith) =>
        new(SharedRoleErrorId, K8sErrorCategory.InvalidOperation,
            $"{sharedWith}: revoking rules from it would take them from every subject it binds. Nothing was changed. " +
            "Revoke without -Verb and -Resource (or -NonResourceUrl) to take this subject out of the binding, or edit the role.")
        { Target = name };

    // The bindings other than the one Grant manages that refer to the role, with their subjects (a subject's namespace
    // defaults to its binding's). A caller who may not list them sees none, as before this check existed.
    private async Task<List<(string Description, List<(Subject Subject, string Namespace)> Subjects)>> OtherBindingsAsync(
        bool clusterWide, string ns, string name, CancellationToken cancellationToken)
    {
        var found = new List<(string, List<(Subject, string)>)>();
        var roleKind = RoleKind(clusterWide);
        try
        {
            foreach (var roleBinding in await _objects.ListRoleBindingsAsync(clusterWide ? null : ns, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                var bindingNs = roleBinding.Metadata.Namespace ?? "";
                if (roleBinding.RoleRef?.Kind == roleKind && roleBinding.RoleRef.Name == name && !(bindingNs == ns && roleBinding.Metadata.Name == name))
                {
                    found.Add(($"RoleBinding {bindingNs}/{roleBinding.Metadata.Name}", (roleBinding.Subjects ?? []).Select(s => (s, bindingNs)).ToList()));
                }
            }
            if (clusterWide)
            {
                foreach (var clusterBinding in await _objects.ListClusterRoleBindingsAsync(cancellationToken: cancellationToken).ConfigureAwait(false))
                {
                    if (clusterBinding.RoleRef?.Kind == roleKind && clusterBinding.RoleRef.Name == name && clusterBinding.Metadata.Name != name)
                    {
                        found.Add(($"ClusterRoleBinding {clusterBinding.Metadata.Name}", (clusterBinding.Subjects ?? []).Select(s => (s, "")).ToList()));
                    }
                }
            }
        }
        catch (K8sClientException e) when (PermissionErrors.IsForbidden(e))
        {
            return [];
        }
        return found;
    }

    // Binding subjects in words, as -Explain names them; a ServiceAccount without a namespace is in its binding's.
    private static string Describe(IEnumerable<(Subject Subject, string Namespace)> subjects) => string.Join(", ", subjects.Select(s =>
        PermissionHolder.Describe(s.Subject.Kind ?? "", s.Subject.Name ?? "", string.IsNullOrEmpty(s.Subject.Namespace) ? s.Namespace : s.Subject.Namespace)));

    private static string RoleTarget(bool clusterWide, string ns, string name) => clusterWide ? $"ClusterRole {name}" : $"Role {ns}/{name}";

    /// <summary>Removes exactly the requested permissions (see the type remarks).</summary>
    public async Task<GrantResult> RevokeAsync(GrantRequest request, CancellationToken cancellationToken = default)
    {
        var (name, ns, subject) = Prepare(request);
        IReadOnlyList<PolicyRule> removed = [];
        var roleAction = GrantAction.Unchanged;
        var bindingAction = GrantAction.Unchanged;

        IReadOnlyList<PolicyRule>? remainingRules = null;
        IReadOnlyList<PolicyRule> stillGranted = [];
        var deleteAll = false;
        var keepRole = false;
        if (request.Rules.Count > 0)
        {
            var role = await TryGetRoleRulesAsync(request.ClusterWide, ns, name, cancellationToken).ConfigureAwait(false);
            if (role is null)
            {
                roleAction = GrantAction.NotFound;
                var bindingExists = await TryGetBindingAsync(request.ClusterWide, ns, name, cancellationToken).ConfigureAwait(false) is not null;
                bindingAction = bindingExists ? GrantAction.Unchanged : GrantAction.NotFound;
            }
            else
            {
                var subtraction = RuleSubtraction.Subtract(role.Rules ?? [], request.Rules);
                if (subtraction.Conflicts.Count > 0)
                {
                    // Nothing is changed: a partial revoke would look done while the wildcard still grants it.
                    throw WildcardConflict(request.ClusterWide, ns, name, subtraction.Conflicts);
                }
                removed = subtraction.Removed;
                remainingRules = subtraction.Remaining;
                stillGranted = StillCovered(remainingRules, request.Rules);
                if (subtraction.Changed)
                {
                    await EnsureNotSharedAsync(request, ns, name, subject, cancellationToken).ConfigureAwait(false);
                    // An emptied role goes (with its binding) only when Grant made it; any other role is kept, empty.
                    deleteAll = remainingRules.Count == 0 && role.ManagedByGrant;
                    if (!deleteAll)
                    {
                        await role.ReplaceAsync([.. remainingRules]).ConfigureAwait(false);
                        roleAction = GrantAction.Updated;
                    }
                }
            }
        }
        else
        {
            // Take the subject out of the binding; an empty binding goes, with its role.
            var binding = await TryGetBindingAsync(request.ClusterWide, ns, name, cancellationToken).ConfigureAwait(false);
            bindingAction = binding is null ? GrantAction.NotFound : GrantAction.Unchanged;
            if (binding is not null && RemoveSubject(binding.Subjects, subject, ns))
            {
                if (binding.Subjects!.Count == 0)
                {
                    deleteAll = true;
                    // The emptied binding goes; its role only when Grant made it (a -Name role made by hand may be bound
                    // elsewhere too), as when a role is emptied of rules.
                    keepRole = await TryGetRoleRulesAsync(request.ClusterWide, ns, name, cancellationToken).ConfigureAwait(false) is { ManagedByGrant: false };
                }
                else
                {
                    await binding.ReplaceAsync(binding.Subjects).ConfigureAwait(false);
                    bindingAction = GrantAction.Updated;
                }
            }
            if (bindingAction == GrantAction.NotFound)
            {
                roleAction = GrantAction.NotFound;
            }
        }

        if (deleteAll)
        {
            bindingAction = await DeleteIfPresentAsync(() => request.ClusterWide
                ? _objects.DeleteClusterRoleBindingAsync(name, cancellationToken)
                : _objects.DeleteRoleBindingAsync(ns, name, cancellationToken)).ConfigureAwait(false);
            if (!keepRole)
            {
                roleAction = await DeleteRoleAfterBindingAsync(request.ClusterWide, ns, name).ConfigureAwait(false);
            }
        }
        return Result(request, name, ns, roleAction, bindingAction, removed) with { StillGranted = stillGranted };
    }

    /// <summary>The error id when a revoked permission is granted through a wildcard that subtraction cannot narrow.</summary>
    public const string WildcardConflictErrorId = "RevokeWildcardRule";

    private static K8sClientException WildcardConflict(bool clusterWide, string ns, string name, IReadOnlyList<RuleSubtractionConflict> conflicts)
    {
        var where = RoleTarget(clusterWide, ns, name);
        return new K8sClientException(WildcardConflictErrorId, K8sErrorCategory.InvalidOperation,
            $"Cannot revoke exactly what was asked from {where}: {string.Join("; ", conflicts)}. Nothing was changed. " +
            "Revoke the whole wildcard rule (as it is written in the role) and grant back what should stay, or edit the role.")
        { Target = name };
    }

    /// <summary>The atomic parts of <paramref name="requested"/> that <paramref name="rules"/> still allow, compacted.</summary>
    private static IReadOnlyList<PolicyRule> StillCovered(IReadOnlyList<PolicyRule> rules, IReadOnlyList<PolicyRule> requested)
        => rules.Count == 0
            ? []
            : EscalationCheck.Compact(requested.SelectMany(EscalationCheck.Breakdown).Where(atom => EscalationCheck.Covers(rules, [atom], out _)));

    /// <summary>The binding subject for a permission subject.</summary>
    public static Subject ToBindingSubject(PermissionSubject subject) => subject.Kind switch
    {
        PermissionSubjectKind.ServiceAccount => new Subject { Kind = SubjectKinds.ServiceAccount, Name = subject.Name, Namespace = subject.Namespace },
        PermissionSubjectKind.User when subject.Name is not null => new Subject { Kind = SubjectKinds.User, ApiGroup = EscalationCheck.RbacApiGroup, Name = subject.Name },
        PermissionSubjectKind.User when subject.Groups.Count == 1 => new Subject { Kind = SubjectKinds.Group, ApiGroup = EscalationCheck.RbacApiGroup, Name = subject.Groups[0] },
        _ => throw PermissionErrors.InvalidArgument("Subject", "Grant and Revoke take a ServiceAccount, a user or a single group."),
    };

    private static (string Name, string Namespace, Subject Subject) Prepare(GrantRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var subject = ToBindingSubject(request.Subject);
        var name = string.IsNullOrEmpty(request.Name) ? DefaultName(request.Subject) : request.Name;
        try
        {
            RbacValidation.ValidateName(name);
        }
        catch (K8sClientException e) when (string.IsNullOrEmpty(request.Name))
        {
            // A user or group name may hold '/' or '%' (OIDC issuers, e-mail-like names), which a role name may not.
            throw PermissionErrors.InvalidArgument("Name", $"The default role and binding name {name} is not a valid object name ({e.Message}); give one with Name.", e);
        }
        var ns = request.ClusterWide ? "" : request.Namespace ?? "";
        if (!request.ClusterWide && ns.Length == 0)
        {
            throw PermissionErrors.InvalidArgument("Namespace", "Give the namespace the permissions apply in, or ClusterWide.");
        }
        return (name, ns, subject);
    }

    private async Task<GrantAction> EnsureBindingAsync(bool clusterWide, string ns, string name, Subject subject, CancellationToken cancellationToken)
    {
        var binding = await TryGetBindingAsync(clusterWide, ns, name, cancellationToken).ConfigureAwait(false);
        if (binding is null)
        {
            await CreateBindingAsync(clusterWide, ns, name, subject, cancellationToken).ConfigureAwait(false);
            return GrantAction.Created;
        }
        var bindingNamespace = clusterWide ? "" : ns;
        CheckRoleRef(binding.RoleRef, RoleKind(clusterWide), name, clusterWide ? "ClusterRoleBinding" : "RoleBinding", bindingNamespace);
        if (HasSubject(binding.Subjects, subject, bindingNamespace))
        {
            return GrantAction.Unchanged;
        }
        await binding.ReplaceAsync([.. binding.Subjects ?? [], subject]).ConfigureAwait(false);
        return GrantAction.Updated;
    }

    private static string RoleKind(bool clusterWide) => clusterWide ? "ClusterRole" : "Role";

    // The RoleBinding or ClusterRoleBinding Grant/Revoke manage, with the way to write its subjects back.
    private sealed record BindingSubjects(RoleRef? RoleRef, List<Subject>? Subjects, Func<List<Subject>, Task> ReplaceAsync);

    private async Task<BindingSubjects?> TryGetBindingAsync(bool clusterWide, string @namespace, string name, CancellationToken cancellationToken)
    {
        if (clusterWide)
        {
            var clusterBinding = await _objects.TryGetClusterRoleBindingAsync(name, cancellationToken).ConfigureAwait(false);
            return clusterBinding is null ? null : new BindingSubjects(clusterBinding.RoleRef, clusterBinding.Subjects, subjects =>
            {
                clusterBinding.Subjects = subjects;
                return _objects.ReplaceClusterRoleBindingAsync(clusterBinding, cancellationToken);
            });
        }
        var binding = await _objects.TryGetRoleBindingAsync(@namespace, name, cancellationToken).ConfigureAwait(false);
        return binding is null ? null : new BindingSubjects(binding.RoleRef, binding.Subjects, subjects =>
        {
            binding.Subjects = subjects;
            return _objects.ReplaceRoleBindingAsync(binding, cancellationToken);
        });
    }

    private Task CreateBindingAsync(bool clusterWide, string @namespace, string name, Subject subject, CancellationToken cancellationToken)
    {
        var roleRef = new RoleRef { ApiGroup = EscalationCheck.RbacApiGroup, Kind = RoleKind(clusterWide), Name = name };
        return clusterWide
            ? _objects.CreateClusterRoleBindingAsync(new ClusterRoleBinding { Metadata = Metadata(name, null), RoleRef = roleRef, Subjects = [subject] }, cancellationToken)
            : _objects.CreateRoleBindingAsync(new RoleBinding { Metadata = Metadata(name, @namespace), RoleRef = roleRef, Subjects = [subject] }, cancellationToken);
    }

    private static void CheckRoleRef(RoleRef? roleRef, string kind, string name, string bindingKind, string ns)
    {
        if (roleRef?.Kind != kind || roleRef.Name != name)
        {
            var where = ns.Length > 0 ? $"{ns}/{name}" : name;
            throw new K8sClientException("GrantBindingConflict", K8sErrorCategory.ResourceExists,
                $"The {bindingKind} {where} exists but refers to {roleRef?.Kind} \"{roleRef?.Name}\", not {kind} \"{name}\" (roleRef cannot be changed). Give another Name or remove that binding.")
            { Target = name };
        }
    }

    private static bool HasSubject(List<Subject>? subjects, Subject wanted, string bindingNamespace)
        => subjects?.Any(s => SameSubject(s, wanted, bindingNamespace)) == true;

    private static bool SameSubject(Subject a, Subject b, string bindingNamespace)
    {
        if (a.Kind != b.Kind || a.Name != b.Name)
        {
            return false;
        }
        if (a.Kind != SubjectKinds.ServiceAccount)
        {
            return true;
        }
        var nsA = string.IsNullOrEmpty(a.Namespace) ? bindingNamespace : a.Namespace;
        var nsB = string.IsNullOrEmpty(b.Namespace) ? bindingNamespace : b.Namespace;
        return nsA == nsB;
    }

    // bindingNamespace: a ServiceAccount subject without namespace in a RoleBinding is in the binding's namespace.
    private static bool RemoveSubject(List<Subject>? subjects, Subject subject, string bindingNamespace)
        => subjects is not null && subjects.RemoveAll(s => SameSubject(s, subject, bindingNamespace)) > 0;

    /// <summary>The requested rules that the existing rules do not fully cover, as written.</summary>
    private static IReadOnlyList<PolicyRule> Missing(List<PolicyRule>? existing, IReadOnlyList<PolicyRule> requested)
    {
        var have = new List<PolicyRule>(existing ?? []);
        var missing = new List<PolicyRule>();
        foreach (var rule in requested)
        {
            if (!EscalationCheck.Covers(have, [rule], out _))
            {
                missing.Add(rule);
                have.Add(rule);
            }
        }
        return missing;
    }

    private static async Task<GrantAction> DeleteIfPresentAsync(Func<Task> delete)
    {
        try
        {
            await delete().ConfigureAwait(false);
            return GrantAction.Deleted;
        }
        catch (KubernetesApiException ex) when (ex.IsNotFound)
        {
            return GrantAction.NotFound;
        }
    }

    private static ObjectMeta Metadata(string name, string? ns) => new()
    {
        Name = name,
        Namespace = ns,
        Labels = new Dictionary<string, string> { [ManagedByLabel] = ManagedByValue },
    };

    private static GrantResult Result(GrantRequest request, string name, string ns, GrantAction roleAction, GrantAction bindingAction, IReadOnlyList<PolicyRule> changed)
        => new()
        {
            Subject = request.Subject.ToString(),
            RoleKind = request.ClusterWide ? "ClusterRole" : "Role",
            BindingKind = request.ClusterWide ? "ClusterRoleBinding" : "RoleBinding",
            Name = name,
            Namespace = ns,
            RoleAction = roleAction,
            BindingAction = bindingAction,
            ChangedRules = changed,
        };
}
