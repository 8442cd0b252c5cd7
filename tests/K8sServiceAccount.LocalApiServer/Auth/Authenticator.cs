using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using K8sServiceAccount.Client.Rbac;
using K8sServiceAccount.LocalApiServer.Api;
using K8sServiceAccount.LocalApiServer.Pki;
using K8sServiceAccount.LocalApiServer.Tokens;
using Microsoft.AspNetCore.Http;

namespace K8sServiceAccount.LocalApiServer.Auth;

/// <summary>
/// Request authentication in kube-apiserver's order: client certificate signed by the server CA
/// (CN = user, O = groups), then bearer token, then anonymous when enabled. Every authenticated
/// identity except system:anonymous also gets system:authenticated.
/// </summary>
public sealed class Authenticator
{
    public const string Authenticated = ServiceAccountIdentity.AuthenticatedGroup;
    public const string Unauthenticated = ServiceAccountIdentity.UnauthenticatedGroup;
    public const string Anonymous = ServiceAccountIdentity.AnonymousUser;

    private readonly CertificateAuthority _ca;
    private readonly TokenAuthority _tokens;
    private readonly bool _anonymousAuth;
    // Chain building is costly and a connection presents the same certificate object on every request:
    // remember the verdict per certificate object (and per thumbprint across connections).
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<X509Certificate2, CertificateVerdict> _byCertificate = new();
    private readonly ConcurrentDictionary<string, UserInfo?> _certificateUsers = new(StringComparer.Ordinal);

    private sealed record CertificateVerdict(UserInfo? User);

    public Authenticator(CertificateAuthority ca, TokenAuthority tokens, bool anonymousAuth)
    {
        _ca = ca;
        _tokens = tokens;
        _anonymousAuth = anonymousAuth;
    }

    /// <summary>The caller's identity, or 401 Unauthorized.</summary>
    public UserInfo Authenticate(HttpContext http)
    {
        X509Certificate2? certificate = http.Connection.ClientCertificate;
        if (certificate is not null && FromCertificate(certificate) is { } certificateUser)
        {
            return WithAuthenticatedGroup(certificateUser);
        }

        string authorization = http.Request.Headers.Authorization.ToString();
        if (authorization.Length > 0)
        {
            if (!authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) throw ApiError.Unauthorized();
            string token = authorization[7..].Trim();
            if (token.Length == 0) throw ApiError.Unauthorized();
            TokenAuthentication result = _tokens.Authenticate(token);
            return result.User is { } tokenUser ? WithAuthenticatedGroup(tokenUser) : throw ApiError.Unauthorized();
        }

        if (certificate is null && _anonymousAuth) return new UserInfo(Anonymous, null, [Unauthenticated]);
        throw ApiError.Unauthorized();
    }

    private UserInfo? FromCertificate(X509Certificate2 certificate) =>
        _byCertificate.GetValue(certificate, c => new CertificateVerdict(VerifyCertificate(c))).User;

    private UserInfo? VerifyCertificate(X509Certificate2 certificate) =>
        _certificateUsers.GetOrAdd(certificate.Thumbprint, _ =>
        {
            if (!_ca.Verifies(certificate)) return null;
            string user = certificate.GetNameInfo(X509NameType.SimpleName, false);
            var groups = new List<string>();
            foreach (X500RelativeDistinguishedName rdn in certificate.SubjectName.EnumerateRelativeDistinguishedNames())
            {
                if (rdn.GetSingleElementType().Value == "2.5.4.10" && rdn.GetSingleElementValue() is { } group) groups.Add(group);
            }
            return user.Length == 0 ? null : new UserInfo(user, null, groups);
        });

    /// <summary>Adds system:authenticated as the authenticated-group adder does.</summary>
    public static UserInfo WithAuthenticatedGroup(UserInfo user)
    {
        if (user.Name == Anonymous) return user;
        foreach (string group in user.Groups)
        {
            if (group is Authenticated or Unauthenticated) return user;
        }
        return user with { Groups = [.. user.Groups, Authenticated] };
    }
}
