using System.Collections;
using System.Globalization;
using System.Management.Automation;
using System.Runtime.InteropServices;
using System.Security;
using K8sServiceAccount.Client;
using K8sServiceAccount.Client.Api;
using K8sServiceAccount.Client.Models;
using K8sServiceAccount.Client.Tokens;

namespace K8sServiceAccount.Internal;

/// <summary>
/// The ServiceAccount and token cmdlets' conversions: client objects to the module's output types, PowerShell
/// arguments (hashtables, SecureStrings) to client values, and the ShouldProcess targets. No runspace needed.
/// </summary>
internal static class ServiceAccountMapping
{
    /// <summary>The ShouldProcess target for an object: kind, namespace and name ("ServiceAccount ns1/app").</summary>
    internal static string Target(string kind, string @namespace, string name) => $"{kind} {@namespace}/{name}";

    /// <summary>
    /// A -ServiceAccount argument as namespace and name: NAMESPACE/NAME (or NAMESPACE:NAME) is in that namespace, a bare
    /// NAME in <paramref name="defaultNamespace"/>; both validated as the server would, errors naming -ServiceAccount.
    /// </summary>
    internal static (string Namespace, string Name) NamespaceAndName(string text, string defaultNamespace)
    {
        var account = Client.Permissions.PermissionSubject.ParseServiceAccount(text, defaultNamespace);
        return (account.Namespace!, account.Name!);
    }

    internal static K8sServiceAccountInfo ToServiceAccountInfo(ServiceAccount account) => new()
    {
        Name = account.Metadata.Name ?? string.Empty,
        Namespace = account.Metadata.Namespace ?? string.Empty,
        Uid = account.Metadata.Uid,
        ResourceVersion = account.Metadata.ResourceVersion,
        CreationTimestamp = account.Metadata.CreationTimestamp?.UtcDateTime,
        Labels = Copy(account.Metadata.Labels),
        Annotations = Copy(account.Metadata.Annotations),
        Secrets = account.Secrets?.Select(s => s.Name ?? string.Empty).ToArray() ?? Array.Empty<string>(),
        ImagePullSecrets = account.ImagePullSecrets?.Select(s => s.Name ?? string.Empty).ToArray() ?? Array.Empty<string>(),
        AutomountServiceAccountToken = account.AutomountServiceAccountToken,
    };

    internal static K8sLegacySaTokenInfo ToLegacyTokenInfo(LegacyTokenSecret secret) => new()
    {
        Name = secret.Name,
        Namespace = secret.Namespace,
        ServiceAccount = secret.ServiceAccount,
        ServiceAccountUid = secret.ServiceAccountUid,
        ServiceAccountExists = secret.ServiceAccountExists,
        CreationTimestamp = secret.Created?.UtcDateTime,
        LastUsed = secret.LastUsed,
        InvalidSince = secret.InvalidSince,
        HasToken = secret.HasToken,
        Uid = secret.Uid,
    };

    internal static K8sSaTokenInfo ToTokenInfo(ServiceAccountToken token) => new()
    {
        Namespace = token.Namespace,
        ServiceAccount = token.ServiceAccount,
        Token = ToSecureString(token.Token),
        ExpirationTimestamp = token.ExpirationTimestamp.UtcDateTime,
        Audiences = token.Audiences.ToArray(),
        BoundObject = token.BoundObject is { } b ? new K8sBoundObjectReference { Kind = b.Kind, Name = b.Name, Uid = b.Uid } : null,
        RequestedDuration = token.RequestedDuration,
        GrantedDuration = token.GrantedDuration,
    };

    internal static K8sSaTokenInfo ToTokenInfo(LegacyServiceAccountToken token) => new()
    {
        Namespace = token.Namespace,
        ServiceAccount = token.ServiceAccount,
        Token = ToSecureString(token.Token),
        IsLegacy = true,
        SecretName = token.SecretName,
    };

    internal static K8sSaTokenClaims ToClaims(DecodedServiceAccountToken token) => new()
    {
        Format = token.Format == ServiceAccountTokenFormat.Legacy ? K8sSaTokenFormat.Legacy : K8sSaTokenFormat.Bound,
        Issuer = token.Issuer,
        Subject = token.Subject,
        Namespace = token.Namespace,
        ServiceAccount = token.ServiceAccount,
        ServiceAccountUid = token.ServiceAccountUid,
        Audiences = token.Audiences.ToArray(),
        IssuedAt = token.IssuedAt?.UtcDateTime,
        NotBefore = token.NotBefore?.UtcDateTime,
        ExpiresAt = token.ExpiresAt?.UtcDateTime,
        BoundObject = ToReference(token.BoundObject),
        Node = ToReference(token.Node),
        WarnAfter = token.WarnAfter?.UtcDateTime,
        IsExpired = token.IsExpired,
        SecretName = token.SecretName,
        KeyId = token.KeyId,
        Algorithm = token.Algorithm,
        JwtId = token.JwtId,
    };

    internal static K8sSaTokenReview ToReview(TokenReviewResult review) => new()
    {
        Authenticated = review.Authenticated,
        User = review.User?.Username,
        Uid = review.User?.Uid,
        Groups = review.User?.Groups.ToArray() ?? Array.Empty<string>(),
        Extra = review.User?.Extra.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal)
            ?? new Dictionary<string, string[]>(StringComparer.Ordinal),
        Audiences = review.Audiences.ToArray(),
        Error = review.Error,
    };

    internal static K8sSaKubeconfigFile ToKubeconfigFile(ServiceAccountKubeconfig kubeconfig, string path, Uri server) => new()
    {
        Path = path,
        Namespace = kubeconfig.Namespace,
        ServiceAccount = kubeconfig.ServiceAccount,
        ContextName = kubeconfig.ContextName,
        Cluster = kubeconfig.ClusterName,
        Server = server.ToString(),
        ExpirationTimestamp = kubeconfig.ExpirationTimestamp?.UtcDateTime,
    };

    /// <summary>
    /// A -Label or -Annotation hashtable as Kubernetes key/value strings. Keys must be non-empty; values are
    /// converted to strings with the invariant culture ($true becomes "True", 1.5 "1.5"). A null value is kept only when
    /// <paramref name="allowRemoval"/> (Set-K8sServiceAccount: remove the key); otherwise it is an error.
    /// </summary>
    internal static Dictionary<string, string?> ToStringMap(IDictionary? table, string parameterName, bool allowRemoval)
    {
        var result = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (table is null)
        {
            return result;
        }

        foreach (DictionaryEntry entry in table)
        {
            // A PSObject-wrapped key or value converts through its ToString, which is its base object's.
            var key = Convert.ToString(entry.Key, CultureInfo.InvariantCulture);
            if (string.IsNullOrWhiteSpace(key))
            {
                throw new K8sClientException("InvalidMapKey", K8sErrorCategory.InvalidArgument, $"-{parameterName}: keys must be non-empty strings.");
            }

            var value = entry.Value;
            if (value is null && !allowRemoval)
            {
                throw new K8sClientException(
                    "InvalidMapValue",
                    K8sErrorCategory.InvalidArgument,
                    $"-{parameterName}: the value of \"{key}\" is null; give a string (an empty string is allowed).");
            }

            result[key] = value is null ? null : Convert.ToString(value, CultureInfo.InvariantCulture);
        }

        return result;
    }

    /// <summary>
    /// A -Token argument as the plain token: a string, a SecureString, or Get-K8sSaToken's output (a parameter of
    /// type object binds the whole piped object by value). PSObject wrappers must be removed first
    /// (<see cref="PipelineValue.Unwrap"/>).
    /// </summary>
    internal static string TokenText(object? value) => value switch
    {
        string text => text,
        SecureString secure => FromSecureString(secure),
        K8sSaTokenInfo info => FromSecureString(info.Token),
        null => throw new K8sClientException("InvalidToken", K8sErrorCategory.InvalidArgument, "-Token is null: give the token as a string or a SecureString."),
        // The value is never shown: it may be a token of an unexpected type.
        _ => throw new K8sClientException(
            "InvalidTokenType",
            K8sErrorCategory.InvalidArgument,
            $"-Token must be a string, a SecureString or the output of Get-K8sSaToken, not a {value.GetType().FullName}."),
    };

    /// <summary>A read-only SecureString holding <paramref name="text"/>.</summary>
    internal static SecureString ToSecureString(string text)
    {
        var secure = new SecureString();
        foreach (var c in text)
        {
            secure.AppendChar(c);
        }

        secure.MakeReadOnly();
        return secure;
    }

    internal static string FromSecureString(SecureString secure)
    {
        var pointer = Marshal.SecureStringToGlobalAllocUnicode(secure);
        try
        {
            return Marshal.PtrToStringUni(pointer, secure.Length);
        }
        finally
        {
            Marshal.ZeroFreeGlobalAllocUnicode(pointer);
        }
    }

    private static K8sBoundObjectReference? ToReference(Client.Tokens.BoundObjectReference? reference) =>
        reference is null ? null : new K8sBoundObjectReference { Kind = reference.Kind, Name = reference.Name, Uid = reference.Uid };

    private static Dictionary<string, string> Copy(Dictionary<string, string>? source) =>
        source is null ? new Dictionary<string, string>(StringComparer.Ordinal) : new Dictionary<string, string>(source, StringComparer.Ordinal);
}

/// <summary>Values as PowerShell binds them to parameters of type object. Needs a PowerShell runtime.</summary>
internal static class PipelineValue
{
    /// <summary>The object inside a PSObject wrapper, or the value itself.</summary>
    internal static object? Unwrap(object? value) => value is PSObject wrapped ? wrapped.BaseObject : value;
}
