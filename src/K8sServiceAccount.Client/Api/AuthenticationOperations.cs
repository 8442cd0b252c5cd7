using K8sServiceAccount.Client.Http;
using K8sServiceAccount.Client.Models;

namespace K8sServiceAccount.Client.Api;

/// <summary>An authenticated identity as the API server sees it.</summary>
public sealed record UserIdentity
{
    public string? Username { get; init; }

    public string? Uid { get; init; }

    public IReadOnlyList<string> Groups { get; init; } = Array.Empty<string>();

    public IReadOnlyDictionary<string, IReadOnlyList<string>> Extra { get; init; } =
        new Dictionary<string, IReadOnlyList<string>>();

    internal static UserIdentity FromWire(UserInfoWire? user) => new()
    {
        Username = user?.Username,
        Uid = user?.Uid,
        Groups = user?.Groups ?? (IReadOnlyList<string>)Array.Empty<string>(),
        Extra = user?.Extra?.ToDictionary(e => e.Key, e => (IReadOnlyList<string>)e.Value, StringComparer.Ordinal)
                ?? new Dictionary<string, IReadOnlyList<string>>(),
    };
}

/// <summary>The API server's verdict on a token (TokenReview). Carries no token.</summary>
public sealed record TokenReviewResult
{
    public required bool Authenticated { get; init; }

    /// <summary>Who the token authenticates as; null when it does not authenticate.</summary>
    public UserIdentity? User { get; init; }

    /// <summary>The audiences the token is valid for among those asked about (or the server's own).</summary>
    public IReadOnlyList<string> Audiences { get; init; } = Array.Empty<string>();

    /// <summary>Why the token was rejected, as the server says it; null when it was accepted.</summary>
    public string? Error { get; init; }
}

/// <summary>
/// authentication.k8s.io calls: TokenReview (is this token valid, and for whom) and SelfSubjectReview
/// (who am I, as kubectl auth whoami).
/// </summary>
public sealed class AuthenticationOperations
{
    private static readonly string[] SelfSubjectReviewVersions = { "v1", "v1beta1", "v1alpha1" };

    private readonly IKubernetesTransport transport;

    public AuthenticationOperations(IKubernetesTransport transport)
    {
        this.transport = transport ?? throw new ArgumentNullException(nameof(transport));
    }

    /// <summary>
    /// Asks the server to authenticate <paramref name="token"/> (POST /apis/authentication.k8s.io/v1/tokenreviews).
    /// A rejected token is a result with Authenticated false and the server's Error, not an exception; the
    /// caller needs create on tokenreviews (system:auth-delegator), else the server's 403.
    /// </summary>
    public async Task<TokenReviewResult> ReviewTokenAsync(
        string token,
        IReadOnlyList<string>? audiences = null,
        CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(token))
        {
            throw new K8sClientException("InvalidToken", K8sErrorCategory.InvalidArgument, "Token is required for a TokenReview: it is empty.");
        }

        if (audiences is not null && audiences.Any(string.IsNullOrEmpty))
        {
            throw new K8sClientException("InvalidTokenAudience", K8sErrorCategory.InvalidArgument, "Audience must not be an empty string.");
        }

        var review = new TokenReview
        {
            Spec = new TokenReviewSpec
            {
                Token = token.Trim(),
                Audiences = audiences is { Count: > 0 } ? audiences.ToList() : null,
            },
        };
        var answer = await transport.SendAsync(
            HttpMethod.Post,
            "/apis/authentication.k8s.io/v1/tokenreviews",
            review,
            KubeJsonContext.Default.TokenReview,
            KubeJsonContext.Default.TokenReview,
            cancellationToken).ConfigureAwait(false);

        var status = answer.Status;
        var authenticated = status?.Authenticated == true;
        return new TokenReviewResult
        {
            Authenticated = authenticated,
            User = authenticated ? UserIdentity.FromWire(status!.User) : null,
            Audiences = status?.Audiences ?? (IReadOnlyList<string>)Array.Empty<string>(),
            Error = string.IsNullOrEmpty(status?.Error) ? null : status.Error,
        };
    }

    /// <summary>
    /// Who the current credentials authenticate as (POST .../selfsubjectreviews). Like kubectl auth whoami it
    /// falls back from v1 to v1beta1 and v1alpha1 on 404; when none exists: SelfSubjectReviewNotEnabled.
    /// </summary>
    public async Task<UserIdentity> WhoAmIAsync(CancellationToken cancellationToken = default)
    {
        KubernetesApiException? lastNotFound = null;
        foreach (var version in SelfSubjectReviewVersions)
        {
            try
            {
                var answer = await transport.SendAsync(
                    HttpMethod.Post,
                    $"/apis/authentication.k8s.io/{version}/selfsubjectreviews",
                    new SelfSubjectReview { ApiVersion = "authentication.k8s.io/" + version },
                    KubeJsonContext.Default.SelfSubjectReview,
                    KubeJsonContext.Default.SelfSubjectReview,
                    cancellationToken).ConfigureAwait(false);
                return UserIdentity.FromWire(answer.Status?.UserInfo);
            }
            catch (KubernetesApiException e) when (e.IsNotFound)
            {
                lastNotFound = e;
            }
        }

        throw new K8sClientException(
            "SelfSubjectReviewNotEnabled",
            K8sErrorCategory.NotImplemented,
            "The selfsubjectreviews API is not enabled in the cluster (authentication.k8s.io v1, v1beta1 and v1alpha1 all answered 404).",
            lastNotFound);
    }
}
