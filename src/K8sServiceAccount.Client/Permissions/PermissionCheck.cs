using K8sServiceAccount.Client.Api;
using K8sServiceAccount.Client.Rbac;

namespace K8sServiceAccount.Client.Permissions;

/// <summary>Whose permission a check asks about.</summary>
public enum PermissionSubjectKind
{
    /// <summary>The identity of the connection itself (SelfSubjectAccessReview).</summary>
    Self,

    /// <summary>A ServiceAccount, identified by namespace and name.</summary>
    ServiceAccount,

    /// <summary>A user name and/or groups, used as given plus <c>system:authenticated</c>.</summary>
    User,
}

/// <summary>
/// The identity a permission check is about, with the groups the API server would give it when impersonating it
/// (<c>kubectl --as</c>, K8S-SEMANTICS §1.10). A ServiceAccount gets the groups every ServiceAccount token carries
/// (<c>system:serviceaccounts</c>, <c>system:serviceaccounts:NS</c>, <c>system:authenticated</c>), and so does a user named
/// <c>system:serviceaccount:NS:NAME</c> given without groups. A user gets its groups plus <c>system:authenticated</c> (as the
/// authentication layer adds it) unless the groups already hold <c>system:authenticated</c> or
/// <c>system:unauthenticated</c>; <c>system:anonymous</c> gets <c>system:unauthenticated</c> instead.
/// </summary>
public sealed record PermissionSubject
{
    private PermissionSubject(PermissionSubjectKind kind, string? name, string? @namespace, IReadOnlyList<string> groups)
    {
        Kind = kind;
        Name = name;
        Namespace = @namespace;
        Groups = groups;
    }

    /// <summary>The connection's own identity.</summary>
    public static PermissionSubject Self { get; } = new(PermissionSubjectKind.Self, null, null, []);

    public PermissionSubjectKind Kind { get; }

    /// <summary>ServiceAccount name, or user name (null for a groups-only subject and for <see cref="Self"/>).</summary>
    public string? Name { get; }

    /// <summary>The ServiceAccount's namespace; null otherwise.</summary>
    public string? Namespace { get; }

    /// <summary>The groups given for a user subject (without the implicit ones).</summary>
    public IReadOnlyList<string> Groups { get; }

    /// <summary>
    /// A ServiceAccount subject. The namespace must be a DNS-1123 label and the name a DNS-1123 subdomain, as the API server
    /// requires of every ServiceAccount: any other name could only be answered "no", so it is refused as the typo it is.
    /// Errors are <c>Invalid&lt;parameter&gt;</c> and name <paramref name="parameter"/>.
    /// </summary>
    public static PermissionSubject ServiceAccount(string @namespace, string name, string parameter = "ServiceAccount")
    {
        if (string.IsNullOrEmpty(@namespace))
        {
            throw PermissionErrors.InvalidArgument(parameter, $"-{parameter}: the ServiceAccount's namespace is empty; give it as NAMESPACE/NAME.");
        }
        if (string.IsNullOrEmpty(name))
        {
            throw PermissionErrors.InvalidArgument(parameter, $"-{parameter}: the ServiceAccount's name is empty; give it as NAMESPACE/NAME.");
        }
        if (NameValidation.Dns1123LabelErrors(@namespace) is { Count: > 0 } namespaceErrors)
        {
            throw PermissionErrors.InvalidArgument(parameter, $"-{parameter}: the namespace \"{@namespace}\" is not valid: {string.Join("; ", namespaceErrors)}");
        }
        if (NameValidation.Dns1123SubdomainErrors(name) is { Count: > 0 } nameErrors)
        {
            throw PermissionErrors.InvalidArgument(parameter, $"-{parameter}: the ServiceAccount name \"{name}\" is not valid: {string.Join("; ", nameErrors)}");
        }
        return new(PermissionSubjectKind.ServiceAccount, name, @namespace, []);
    }

    /// <summary>
    /// Parses <c>NAMESPACE/NAME</c>, <c>NAMESPACE:NAME</c> or <c>system:serviceaccount:NAMESPACE:NAME</c>. When the text has no
    /// namespace part, <paramref name="defaultNamespace"/> is used (and required). Errors name <paramref name="parameter"/>.
    /// </summary>
    public static PermissionSubject ParseServiceAccount(string text, string? defaultNamespace = null, string parameter = "ServiceAccount")
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw PermissionErrors.InvalidArgument(parameter, $"-{parameter}: the ServiceAccount is empty; give it as NAMESPACE/NAME.");
        }
        text = text.Trim();
        if (text.StartsWith(ServiceAccountIdentity.UserNamePrefix, StringComparison.Ordinal))
        {
            var parts = text[ServiceAccountIdentity.UserNamePrefix.Length..].Split(':');
            if (parts.Length != 2)
            {
                throw PermissionErrors.InvalidArgument(parameter, $"-{parameter}: \"{text}\" is not a ServiceAccount user name of the form system:serviceaccount:NAMESPACE:NAME.");
            }
            return ServiceAccount(parts[0], parts[1], parameter);
        }
        var separator = text.IndexOfAny(['/', ':']);
        if (separator < 0)
        {
            if (string.IsNullOrEmpty(defaultNamespace))
            {
                throw PermissionErrors.InvalidArgument(parameter, $"-{parameter}: the ServiceAccount \"{text}\" has no namespace; give it as NAMESPACE/NAME.");
            }
            return ServiceAccount(defaultNamespace, text, parameter);
        }
        var name = text[(separator + 1)..];
        if (name.IndexOfAny(['/', ':']) >= 0)
        {
            throw PermissionErrors.InvalidArgument(parameter, $"-{parameter}: \"{text}\" is not of the form NAMESPACE/NAME.");
        }
        return ServiceAccount(text[..separator], name, parameter);
    }

    /// <summary>
    /// The namespace a ServiceAccount text names (<c>NAMESPACE/NAME</c>, <c>NAMESPACE:NAME</c>,
    /// <c>system:serviceaccount:NAMESPACE:NAME</c>), or null for a bare <c>NAME</c> and for empty text. Not validated:
    /// <see cref="ParseServiceAccount"/> does that.
    /// </summary>
    public static string? NamespaceOf(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        text = text.Trim();
        if (text.StartsWith(ServiceAccountIdentity.UserNamePrefix, StringComparison.Ordinal))
        {
            text = text[ServiceAccountIdentity.UserNamePrefix.Length..];
        }
        var separator = text.IndexOfAny(['/', ':']);
        return separator < 0 ? null : text[..separator];
    }

    /// <summary>A user (and/or groups). At least one of <paramref name="name"/> or <paramref name="groups"/> is required.</summary>
    public static PermissionSubject User(string? name, IEnumerable<string>? groups = null)
    {
        var groupList = (groups ?? []).Where(g => !string.IsNullOrEmpty(g)).Distinct(StringComparer.Ordinal).ToArray();
        if (string.IsNullOrEmpty(name) && groupList.Length == 0)
        {
            throw PermissionErrors.InvalidArgument("User", "Give a user name, one or more groups, or both.");
        }
        return new(PermissionSubjectKind.User, string.IsNullOrEmpty(name) ? null : name, null, groupList);
    }

    /// <summary>The user name the API server uses: <c>system:serviceaccount:NS:NAME</c> for a ServiceAccount; null for Self.</summary>
    public string? UserName => Kind switch
    {
        PermissionSubjectKind.ServiceAccount => ServiceAccountIdentity.UserName(Namespace!, Name!),
        PermissionSubjectKind.User => Name,
        _ => null,
    };

    /// <summary>
    /// The full identity as an authenticated request would carry it (see the type remarks). Not defined for <see cref="Self"/>,
    /// whose identity only the server knows.
    /// </summary>
    public UserInfo ToUserInfo()
    {
        switch (Kind)
        {
            case PermissionSubjectKind.ServiceAccount:
                return ServiceAccountIdentity.ForServiceAccount(Namespace!, Name!);
            case PermissionSubjectKind.User:
                var groups = new List<string>(Groups);
                if (groups.Count == 0 && ServiceAccountIdentity.TryParse(Name, out var saNamespace, out _))
                {
                    groups.AddRange(ServiceAccountIdentity.Groups(saNamespace));
                }
                if (Name == ServiceAccountIdentity.AnonymousUser)
                {
                    if (!groups.Contains(ServiceAccountIdentity.UnauthenticatedGroup, StringComparer.Ordinal))
                    {
                        groups.Add(ServiceAccountIdentity.UnauthenticatedGroup);
                    }
                }
                else if (!groups.Contains(ServiceAccountIdentity.AuthenticatedGroup, StringComparer.Ordinal)
                    && !groups.Contains(ServiceAccountIdentity.UnauthenticatedGroup, StringComparer.Ordinal))
                {
                    groups.Add(ServiceAccountIdentity.AuthenticatedGroup);
                }
                return new UserInfo(Name ?? "", null, groups);
            default:
                throw new InvalidOperationException("The identity of Self is known only to the server.");
        }
    }

    /// <summary><c>(self)</c>, <c>system:serviceaccount:NS:NAME</c>, the user name, or <c>groups [g1 g2]</c>.</summary>
    public override string ToString() => Kind switch
    {
        PermissionSubjectKind.Self => "(self)",
        PermissionSubjectKind.ServiceAccount => UserName!,
        _ => Name ?? "groups [" + string.Join(" ", Groups) + "]",
    };
}

/// <summary>
/// One question "may SUBJECT do VERB on RESOURCE?". For a resource check set <see cref="Verb"/> and <see cref="Resource"/>
/// (kubectl shorthand is accepted when a resolver is used: <c>deployments.apps</c>, <c>deployments/scale</c>, <c>deploy</c>);
/// for a non-resource check set <see cref="NonResourceUrl"/> (a path starting with '/').
/// <see cref="Namespace"/> <c>""</c> means cluster scope / all namespaces (kubectl -A).
/// </summary>
public sealed record PermissionCheck
{
    public required string Verb { get; init; }

    /// <summary>Resource type as the user wrote it; may carry <c>.group</c> and <c>/subresource</c>.</summary>
    public string? Resource { get; init; }

    /// <summary>API group; null means "from <see cref="Resource"/> or discovery"; <c>""</c> is the core group.</summary>
    public string? Group { get; init; }

    public string? Subresource { get; init; }

    /// <summary>Object name (resourceNames in rules).</summary>
    public string? Name { get; init; }

    /// <summary>The namespace; <c>""</c> for cluster scope / all namespaces.</summary>
    public string Namespace { get; init; } = "";

    /// <summary>A non-resource URL such as <c>/healthz</c> or <c>/logs/</c>.</summary>
    public string? NonResourceUrl { get; init; }

    public PermissionSubject Subject { get; init; } = PermissionSubject.Self;

    /// <summary>True for a non-resource URL check.</summary>
    public bool IsNonResource => !string.IsNullOrEmpty(NonResourceUrl);

    /// <summary>
    /// Checks the combination of fields (kubectl auth can-i's client-side rules) and throws a <see cref="K8sClientException"/>
    /// naming the parameter when it is not usable.
    /// </summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Verb))
        {
            throw PermissionErrors.InvalidArgument("Verb", "A verb is required (get, list, create, update, delete, '*', ...).");
        }
        if (IsNonResource)
        {
            if (!NonResourceUrl!.StartsWith('/'))
            {
                throw PermissionErrors.InvalidArgument("NonResourceUrl", $"The non-resource URL \"{NonResourceUrl}\" must start with '/'.");
            }
            if (!string.IsNullOrEmpty(Resource) || !string.IsNullOrEmpty(Name) || !string.IsNullOrEmpty(Subresource) || !string.IsNullOrEmpty(Group))
            {
                throw PermissionErrors.InvalidArgument("NonResourceUrl", "-NonResourceUrl cannot be combined with -Resource, -ApiGroup, -Subresource or -Name.");
            }
            return;
        }
        if (string.IsNullOrWhiteSpace(Resource))
        {
            throw PermissionErrors.InvalidArgument("Resource", "A resource (for example pods, deployments.apps, deployments/scale) or a NonResourceUrl is required.");
        }
    }
}

/// <summary>How a permission check was answered.</summary>
public enum PermissionCheckMethod
{
    /// <summary>The server answered for the connection's own identity.</summary>
    SelfSubjectAccessReview,

    /// <summary>The server answered a SubjectAccessReview for the subject (with its implicit groups).</summary>
    SubjectAccessReview,

    /// <summary>SubjectAccessReview was forbidden; the server answered a SelfSubjectAccessReview sent while impersonating the subject.</summary>
    Impersonation,

    /// <summary>Evaluated by the client's RBAC engine on policy documents (files or objects), with no cluster.</summary>
    Offline,

    /// <summary>Evaluated by the client's RBAC engine on a snapshot of the cluster's RBAC objects (RBAC only).</summary>
    LocalRbac,
}

/// <summary>
/// The answer to one <see cref="PermissionCheck"/>, with the attributes actually evaluated (after resource-name resolution).
/// <see cref="Allowed"/> false is a normal answer ("no"), never an error.
/// </summary>
public sealed record PermissionCheckResult
{
    /// <summary>Who was checked: <c>(self)</c>, <c>system:serviceaccount:NS:NAME</c>, a user name or <c>groups [...]</c>.</summary>
    public required string Subject { get; init; }

    /// <summary>The namespace evaluated; <c>""</c> for cluster scope and for non-resource URLs.</summary>
    public string Namespace { get; init; } = "";

    public required string Verb { get; init; }

    public string Group { get; init; } = "";

    public string Resource { get; init; } = "";

    public string Subresource { get; init; } = "";

    public string Name { get; init; } = "";

    public string NonResourceUrl { get; init; } = "";

    public bool Allowed { get; init; }

    /// <summary>The authorizer's reason (e.g. <c>RBAC: allowed by RoleBinding "rb/ns" of Role "r" to ServiceAccount "app/ns"</c>); often empty when denied.</summary>
    public string Reason { get; init; } = "";

    /// <summary>Errors met while evaluating (a binding to a missing role...); the answer may be incomplete.</summary>
    public string EvaluationError { get; init; } = "";

    public required PermissionCheckMethod Method { get; init; }

    /// <summary>The check this answers (as given, before resolution).</summary>
    public PermissionCheck? Check { get; init; }
}
