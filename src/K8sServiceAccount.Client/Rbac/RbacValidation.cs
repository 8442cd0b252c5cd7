using K8sServiceAccount.Client.Api;
using K8sServiceAccount.Client.Models;

namespace K8sServiceAccount.Client.Rbac;

/// <summary>
/// One validation error as the API server reports it in a 422 Status cause.
/// </summary>
/// <param name="Field">Field path, e.g. <c>subjects[0].kind</c>.</param>
/// <param name="Reason">Cause reason: <c>FieldValueRequired</c>, <c>FieldValueInvalid</c> or <c>FieldValueNotSupported</c>.</param>
/// <param name="Body">Cause message (the error without its field), e.g. <c>Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"</c>.</param>
public sealed record FieldError(string Field, string Reason, string Body)
{
    /// <summary><c>field: body</c>, the form used inside the Status message.</summary>
    public string Message => Field + ": " + Body;

    internal static FieldError Required(string field, string detail = "")
        => new(field, "FieldValueRequired", detail.Length == 0 ? "Required value" : "Required value: " + detail);

    internal static FieldError Invalid(string field, string renderedValue, string detail)
        => new(field, "FieldValueInvalid", $"Invalid value: {renderedValue}: {detail}");

    internal static FieldError NotSupported(string field, string? value, params string[] supported)
        => new(field, "FieldValueNotSupported", $"Unsupported value: {GoQuote.Quote(value ?? "")}: supported values: {string.Join(", ", supported.Select(GoQuote.Quote))}");
}

/// <summary>
/// Validation and defaulting of RBAC objects as the API server applies them on create and update (K8S-SEMANTICS §1.9).
/// Namespaces are not checked here (the server takes them from the URL). Call <see cref="ApplyDefaults(RoleBinding)"/> first,
/// as the server defaults before it validates.
/// </summary>
public static class RbacValidation
{
    public const string RbacApiGroup = "rbac.authorization.k8s.io";

    /// <summary>roleRef.apiGroup and User/Group subjects' apiGroup default to <c>rbac.authorization.k8s.io</c>.</summary>
    public static void ApplyDefaults(RoleBinding binding)
    {
        ArgumentNullException.ThrowIfNull(binding);
        Default(binding.RoleRef, binding.Subjects);
    }

    /// <inheritdoc cref="ApplyDefaults(RoleBinding)"/>
    public static void ApplyDefaults(ClusterRoleBinding binding)
    {
        ArgumentNullException.ThrowIfNull(binding);
        Default(binding.RoleRef, binding.Subjects);
    }

    public static IReadOnlyList<FieldError> Validate(Role role)
    {
        ArgumentNullException.ThrowIfNull(role);
        var errors = new List<FieldError>();
        ValidateName(role.Metadata, errors);
        ValidateRules(role.Rules, namespaced: true, errors);
        return errors;
    }

    public static IReadOnlyList<FieldError> Validate(ClusterRole role)
    {
        ArgumentNullException.ThrowIfNull(role);
        var errors = new List<FieldError>();
        ValidateName(role.Metadata, errors);
        ValidateRules(role.Rules, namespaced: false, errors);
        if (role.AggregationRule is { } aggregation)
        {
            var selectors = aggregation.ClusterRoleSelectors ?? [];
            if (selectors.Count == 0)
            {
                errors.Add(FieldError.Required("aggregationRule.clusterRoleSelectors", "at least one clusterRoleSelector required if aggregationRule is non-nil"));
            }
            for (var i = 0; i < selectors.Count; i++)
            {
                ValidateSelector(selectors[i], $"aggregationRule.clusterRoleSelectors[{i}]", errors);
            }
        }
        return errors;
    }

    public static IReadOnlyList<FieldError> Validate(RoleBinding binding)
    {
        ArgumentNullException.ThrowIfNull(binding);
        var errors = new List<FieldError>();
        ValidateName(binding.Metadata, errors);
        ValidateRoleRef(binding.RoleRef, ["Role", "ClusterRole"], errors);
        ValidateSubjects(binding.Subjects, namespaced: true, errors);
        return errors;
    }

    public static IReadOnlyList<FieldError> Validate(ClusterRoleBinding binding)
    {
        ArgumentNullException.ThrowIfNull(binding);
        var errors = new List<FieldError>();
        ValidateName(binding.Metadata, errors);
        ValidateRoleRef(binding.RoleRef, ["ClusterRole"], errors);
        ValidateSubjects(binding.Subjects, namespaced: false, errors);
        return errors;
    }

    /// <summary>
    /// The 422 message: <c>&lt;Kind&gt;.rbac.authorization.k8s.io "&lt;name&gt;" is invalid: &lt;error&gt;</c>, several errors as
    /// <c>[e1, e2]</c> with duplicates removed.
    /// </summary>
    public static string InvalidMessage(string kind, string? name, IReadOnlyList<FieldError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        return $"{kind}.{RbacApiGroup} {GoQuote.Quote(name ?? "")} is invalid: {RbacErrors.Aggregate(errors.Select(e => e.Message).ToList())}";
    }

    private static void Default(RoleRef? roleRef, List<Subject>? subjects)
    {
        if (roleRef is not null && string.IsNullOrEmpty(roleRef.ApiGroup))
        {
            roleRef.ApiGroup = RbacApiGroup;
        }
        foreach (var subject in subjects ?? [])
        {
            if (subject.Kind is SubjectKinds.User or SubjectKinds.Group && string.IsNullOrEmpty(subject.ApiGroup))
            {
                subject.ApiGroup = RbacApiGroup;
            }
        }
    }

    private static void ValidateName(ObjectMeta? metadata, List<FieldError> errors)
    {
        var name = metadata?.Name;
        if (string.IsNullOrEmpty(name))
        {
            if (string.IsNullOrEmpty(metadata?.GenerateName))
            {
                errors.Add(FieldError.Required("metadata.name", "name or generateName is required"));
            }
            return;
        }
        foreach (var message in PathSegmentProblems(name))
        {
            errors.Add(FieldError.Invalid("metadata.name", GoQuote.Quote(name), message));
        }
    }

    /// <summary>Kubernetes' path-segment name rules: not <c>.</c> or <c>..</c>, no <c>/</c> or <c>%</c>.</summary>
    internal static IEnumerable<string> PathSegmentProblems(string name)
    {
        if (name is "." or "..")
        {
            yield return $"may not be '{name}'";
            yield break;
        }
        if (name.Contains('/'))
        {
            yield return "may not contain '/'";
        }
        if (name.Contains('%'))
        {
            yield return "may not contain '%'";
        }
    }

    /// <summary>The server's PolicyRule checks, in its order; Permissions.RbacValidation reports the first of them.</summary>
    internal static void ValidateRules(IReadOnlyList<PolicyRule>? rules, bool namespaced, List<FieldError> errors)
    {
        for (var i = 0; i < (rules?.Count ?? 0); i++)
        {
            var rule = rules![i];
            var path = $"rules[{i}]";
            if (rule.Verbs is null or { Count: 0 })
            {
                errors.Add(FieldError.Required(path + ".verbs", "verbs must contain at least one value"));
            }
            if (rule.NonResourceURLs is { Count: > 0 } urls)
            {
                if (namespaced)
                {
                    errors.Add(FieldError.Invalid(path + ".nonResourceURLs", GoStringSlice(urls), "namespaced rules cannot apply to non-resource URLs"));
                }
                if (rule.ApiGroups is { Count: > 0 } || rule.Resources is { Count: > 0 } || rule.ResourceNames is { Count: > 0 })
                {
                    errors.Add(FieldError.Invalid(path + ".nonResourceURLs", GoStringSlice(urls), "rules cannot apply to both regular resources and non-resource URLs"));
                }
                continue;
            }
            if (rule.ApiGroups is null or { Count: 0 })
            {
                errors.Add(FieldError.Required(path + ".apiGroups", "resource rules must supply at least one api group"));
            }
            if (rule.Resources is null or { Count: 0 })
            {
                errors.Add(FieldError.Required(path + ".resources", "resource rules must supply at least one resource"));
            }
        }
    }

    private static void ValidateSelector(LabelSelector selector, string path, List<FieldError> errors)
    {
        var expressions = selector.MatchExpressions ?? [];
        for (var i = 0; i < expressions.Count; i++)
        {
            var requirement = expressions[i];
            var field = $"{path}.matchExpressions[{i}]";
            var count = requirement.Values?.Count ?? 0;
            switch (requirement.Operator)
            {
                case "In" or "NotIn":
                    if (count == 0)
                    {
                        errors.Add(FieldError.Required(field + ".values", "must be specified when `operator` is 'In' or 'NotIn'"));
                    }
                    break;
                case "Exists" or "DoesNotExist":
                    if (count > 0)
                    {
                        errors.Add(new FieldError(field + ".values", "FieldValueForbidden", "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
                    }
                    break;
                default:
                    errors.Add(FieldError.Invalid(field + ".operator", GoQuote.Quote(requirement.Operator ?? ""), "not a valid selector operator"));
                    break;
            }
        }
    }

    private static void ValidateRoleRef(RoleRef? roleRef, string[] kinds, List<FieldError> errors)
    {
        roleRef ??= new RoleRef();
        if (roleRef.ApiGroup != RbacApiGroup)
        {
            errors.Add(FieldError.NotSupported("roleRef.apiGroup", roleRef.ApiGroup, RbacApiGroup));
        }
        if (!kinds.Contains(roleRef.Kind))
        {
            errors.Add(FieldError.NotSupported("roleRef.kind", roleRef.Kind, kinds));
        }
        if (string.IsNullOrEmpty(roleRef.Name))
        {
            errors.Add(FieldError.Required("roleRef.name"));
            return;
        }
        foreach (var message in PathSegmentProblems(roleRef.Name))
        {
            errors.Add(FieldError.Invalid("roleRef.name", GoQuote.Quote(roleRef.Name), message));
        }
    }

    private static void ValidateSubjects(List<Subject>? subjects, bool namespaced, List<FieldError> errors)
    {
        for (var i = 0; i < (subjects?.Count ?? 0); i++)
        {
            var subject = subjects![i];
            var path = $"subjects[{i}]";
            if (string.IsNullOrEmpty(subject.Name))
            {
                errors.Add(FieldError.Required(path + ".name"));
            }
            switch (subject.Kind)
            {
                case SubjectKinds.ServiceAccount:
                    if (!string.IsNullOrEmpty(subject.Name) && !NameValidation.IsDns1123Subdomain(subject.Name))
                    {
                        errors.Add(FieldError.Invalid(path + ".name", GoQuote.Quote(subject.Name), NameValidation.SubdomainMessage));
                    }
                    if (!string.IsNullOrEmpty(subject.ApiGroup))
                    {
                        errors.Add(FieldError.NotSupported(path + ".apiGroup", subject.ApiGroup, ""));
                    }
                    if (!namespaced && string.IsNullOrEmpty(subject.Namespace))
                    {
                        errors.Add(FieldError.Required(path + ".namespace"));
                    }
                    break;
                case SubjectKinds.User or SubjectKinds.Group:
                    if (subject.ApiGroup != RbacApiGroup)
                    {
                        errors.Add(FieldError.NotSupported(path + ".apiGroup", subject.ApiGroup, RbacApiGroup));
                    }
                    break;
                default:
                    errors.Add(FieldError.NotSupported(path + ".kind", subject.Kind, SubjectKinds.ServiceAccount, SubjectKinds.User, SubjectKinds.Group));
                    break;
            }
        }
    }

    /// <summary>Go's <c>%#v</c> of a <c>[]string</c>: <c>[]string{"/a", "/b"}</c>.</summary>
    private static string GoStringSlice(List<string> values) => "[]string{" + string.Join(", ", values.Select(GoQuote.Quote)) + "}";
}
