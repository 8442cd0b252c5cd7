using K8sServiceAccount.Client.Api;
using K8sServiceAccount.Client.Tokens;

namespace K8sServiceAccount.Client.Rbac;

/// <summary>
/// The user name and groups Kubernetes gives a ServiceAccount (K8S-SEMANTICS §1.4):
/// <c>system:serviceaccount:NS:NAME</c>, groups <c>system:serviceaccounts</c> and <c>system:serviceaccounts:NS</c>.
/// </summary>
public static class ServiceAccountIdentity
{
    public const string UserNamePrefix = "system:serviceaccount:";
    public const string AllServiceAccountsGroup = "system:serviceaccounts";
    public const string NamespaceGroupPrefix = "system:serviceaccounts:";
    public const string AuthenticatedGroup = "system:authenticated";
    public const string UnauthenticatedGroup = "system:unauthenticated";
    public const string AnonymousUser = "system:anonymous";
    public const string MastersGroup = "system:masters";

    /// <summary><c>system:serviceaccount:NS:NAME</c>.</summary>
    public static string UserName(string @namespace, string name) => UserNamePrefix + @namespace + ":" + name;

    /// <summary>The groups of every ServiceAccount in <paramref name="namespace"/>: <c>system:serviceaccounts</c>, <c>system:serviceaccounts:NS</c>.</summary>
    public static IReadOnlyList<string> Groups(string @namespace) => [AllServiceAccountsGroup, NamespaceGroupPrefix + @namespace];

    /// <summary>
    /// The identity an authenticated request with this ServiceAccount's token carries: its user name, uid,
    /// the two ServiceAccount groups and <c>system:authenticated</c>.
    /// </summary>
    public static UserInfo ForServiceAccount(string @namespace, string name, string? uid = null)
        => new(UserName(@namespace, name), uid, [AllServiceAccountsGroup, NamespaceGroupPrefix + @namespace, AuthenticatedGroup]);

    /// <summary>Extra key carrying <c>JTI=&lt;jti&gt;</c> of a bound token.</summary>
    public const string CredentialIdExtraKey = "authentication.kubernetes.io/credential-id";
    public const string PodNameExtraKey = "authentication.kubernetes.io/pod-name";
    public const string PodUidExtraKey = "authentication.kubernetes.io/pod-uid";
    public const string NodeNameExtraKey = "authentication.kubernetes.io/node-name";
    public const string NodeUidExtraKey = "authentication.kubernetes.io/node-uid";

    /// <summary>
    /// The identity the API server gives a request authenticated with <paramref name="token"/> once it has validated it:
    /// the ServiceAccount's name, uid and groups plus <c>system:authenticated</c>, and the extra attributes of bound tokens
    /// (credential id <c>JTI=&lt;jti&gt;</c>, pod name and uid, node name and uid). Decoding does not validate the token.
    /// </summary>
    /// <exception cref="ArgumentException">The token names no namespace or ServiceAccount.</exception>
    public static UserInfo ForToken(DecodedServiceAccountToken token)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (string.IsNullOrEmpty(token.Namespace) || string.IsNullOrEmpty(token.ServiceAccount))
        {
            throw new ArgumentException("The token names no ServiceAccount namespace and name.", nameof(token));
        }
        var extra = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        if (token.BoundObject is { Kind: "Pod" } pod && !string.IsNullOrEmpty(pod.Name) && !string.IsNullOrEmpty(pod.Uid))
        {
            extra[PodNameExtraKey] = [pod.Name];
            extra[PodUidExtraKey] = [pod.Uid];
        }
        if (!string.IsNullOrEmpty(token.JwtId))
        {
            extra[CredentialIdExtraKey] = ["JTI=" + token.JwtId];
        }
        var node = token.Node ?? (token.BoundObject is { Kind: "Node" } boundNode ? boundNode : null);
        if (node is not null && !string.IsNullOrEmpty(node.Name))
        {
            extra[NodeNameExtraKey] = [node.Name];
            if (!string.IsNullOrEmpty(node.Uid))
            {
                extra[NodeUidExtraKey] = [node.Uid];
            }
        }
        return ForServiceAccount(token.Namespace, token.ServiceAccount, token.ServiceAccountUid) with { Extra = extra.Count == 0 ? null : extra };
    }

    /// <summary>
    /// Splits <c>system:serviceaccount:NS:NAME</c>. Succeeds only with exactly two parts after the prefix, a namespace that is a
    /// DNS-1123 label and a name that is a DNS-1123 subdomain; anything else is a plain user name.
    /// </summary>
    public static bool TryParse(string? userName, out string @namespace, out string name)
    {
        @namespace = "";
        name = "";
        if (userName is null || !userName.StartsWith(UserNamePrefix, StringComparison.Ordinal))
        {
            return false;
        }
        var rest = userName.AsSpan(UserNamePrefix.Length);
        var separator = rest.IndexOf(':');
        if (separator < 0 || rest[(separator + 1)..].IndexOf(':') >= 0)
        {
            return false;
        }
        var ns = rest[..separator];
        var saName = rest[(separator + 1)..];
        if (!NameValidation.IsDns1123Label(ns) || !NameValidation.IsDns1123Subdomain(saName))
        {
            return false;
        }
        @namespace = ns.ToString();
        name = saName.ToString();
        return true;
    }

    /// <summary>True when <paramref name="userName"/> is exactly <c>system:serviceaccount:NS:NAME</c> (no allocation).</summary>
    public static bool Matches(string userName, string @namespace, string name)
    {
        var prefix = UserNamePrefix.Length;
        return userName.Length == prefix + @namespace.Length + 1 + name.Length
            && userName.StartsWith(UserNamePrefix, StringComparison.Ordinal)
            && string.CompareOrdinal(userName, prefix, @namespace, 0, @namespace.Length) == 0
            && userName[prefix + @namespace.Length] == ':'
            && userName.EndsWith(name, StringComparison.Ordinal);
    }
}
