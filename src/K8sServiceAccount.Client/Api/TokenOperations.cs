using System.Globalization;
using K8sServiceAccount.Client.Http;
using K8sServiceAccount.Client.Models;

namespace K8sServiceAccount.Client.Api;

/// <summary>
/// Tokens for a ServiceAccount: bound tokens from the TokenRequest API (one round trip), and long-lived
/// legacy tokens from kubernetes.io/service-account-token Secrets, waiting for the token controller with a
/// watch. No token is ever written to the log or put in an exception message.
/// </summary>
public sealed class TokenOperations
{
    /// <summary>The Secret type the token controller fills.</summary>
    public const string ServiceAccountTokenSecretType = "kubernetes.io/service-account-token";

    /// <summary>Annotation naming the ServiceAccount a token Secret belongs to (required).</summary>
    public const string ServiceAccountNameAnnotation = "kubernetes.io/service-account.name";

    /// <summary>Annotation with the ServiceAccount's UID (set by the controller).</summary>
    public const string ServiceAccountUidAnnotation = "kubernetes.io/service-account.uid";

    /// <summary>How long to wait for the token controller unless told otherwise.</summary>
    public static readonly TimeSpan DefaultLegacyTokenTimeout = TimeSpan.FromSeconds(30);

    private readonly IKubernetesTransport transport;
    private readonly IClientLog log;
    private readonly TimeProvider clock;

    public TokenOperations(IKubernetesTransport transport, IClientLog? log = null, TimeProvider? clock = null)
    {
        this.transport = transport ?? throw new ArgumentNullException(nameof(transport));
        this.log = log ?? NullClientLog.Instance;
        this.clock = clock ?? TimeProvider.System;
    }

    /// <summary>
    /// Requests a bound token (POST .../serviceaccounts/{name}/token), after the checks of
    /// <see cref="TokenRequestOptions.Validate"/> and name validation. A missing ServiceAccount or namespace is
    /// the server's 404; an empty token in the answer is NoTokenInResponse.
    /// </summary>
    public async Task<ServiceAccountToken> RequestTokenAsync(
        string @namespace,
        string serviceAccount,
        TokenRequestOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        options ??= new TokenRequestOptions();
        NameValidation.ValidateServiceAccountName(serviceAccount);
        NameValidation.ValidateNamespace(@namespace, "ServiceAccount", serviceAccount);
        options.Validate();

        var requested = options.EffectiveDuration;
        var request = new TokenRequest
        {
            Spec = new TokenRequestSpec
            {
                Audiences = options.Audiences.Count > 0 ? options.Audiences.ToList() : null,
                ExpirationSeconds = requested is { } d ? (long)d.TotalSeconds : null,
                BoundObjectRef = options.Binding is { } b
                    ? new BoundObjectReference
                    {
                        Kind = b.Kind,
                        ApiVersion = TokenBinding.SupportedKinds[b.Kind],
                        Name = b.Name,
                        Uid = string.IsNullOrEmpty(b.Uid) ? null : b.Uid,
                    }
                    : null,
            },
        };

        log.Verbose($"Requesting a token for ServiceAccount {@namespace}/{serviceAccount}" +
                    (requested is null ? "" : $" valid for {requested}") +
                    (options.Audiences.Count > 0 ? $" for audiences {string.Join(", ", options.Audiences)}" : "") + ".");
        var sentAt = clock.GetUtcNow();
        var answer = await transport.SendAsync(
            HttpMethod.Post,
            ApiPath.Core("serviceaccounts", @namespace, serviceAccount, "token"),
            request,
            KubeJsonContext.Default.TokenRequest,
            KubeJsonContext.Default.TokenRequest,
            cancellationToken).ConfigureAwait(false);

        if (string.IsNullOrEmpty(answer.Status?.Token) || answer.Status.ExpirationTimestamp is null)
        {
            throw new K8sClientException(
                "NoTokenInResponse",
                K8sErrorCategory.ProtocolError,
                $"Failed to create a token for ServiceAccount {@namespace}/{serviceAccount}: " +
                (string.IsNullOrEmpty(answer.Status?.Token) ? "no token in server response." : "no expirationTimestamp in server response."))
            {
                Target = $"{@namespace}/{serviceAccount}",
            };
        }

        var expires = answer.Status.ExpirationTimestamp.Value;
        var granted = GrantedDuration(answer, expires, sentAt);
        var boundRef = answer.Spec?.BoundObjectRef;
        var token = new ServiceAccountToken
        {
            Namespace = @namespace,
            ServiceAccount = serviceAccount,
            Token = answer.Status.Token,
            ExpirationTimestamp = expires,
            Audiences = answer.Spec?.Audiences is { Count: > 0 } audiences ? audiences : options.Audiences,
            BoundObject = boundRef is { Kind: { Length: > 0 } kind, Name: { Length: > 0 } name }
                ? new TokenBinding(kind, name, string.IsNullOrEmpty(boundRef.Uid) ? null : boundRef.Uid)
                : options.Binding,
            RequestedDuration = requested,
            GrantedDuration = granted,
        };
        if (token.ShortenedWarning is { } warning)
        {
            log.Warning(warning);
        }

        return token;
    }

    /// <summary>
    /// A long-lived legacy token for a ServiceAccount: the token of an existing kubernetes.io/service-account-token
    /// Secret annotated for it, or of a new one (generateName "&lt;sa&gt;-token-") once the token controller has
    /// filled it. Waits with a watch, at most <paramref name="timeout"/> (LegacyTokenNotFilled). A missing
    /// ServiceAccount is the server's 404 before anything is created. Callers that must confirm the creation
    /// (ShouldProcess) use <see cref="FindLegacyTokenAsync"/>, then <see cref="WaitForLegacyTokenAsync"/> or
    /// <see cref="CreateLegacyTokenAsync"/>.
    /// </summary>
    public async Task<LegacyServiceAccountToken> GetOrCreateLegacyTokenAsync(
        string @namespace,
        string serviceAccount,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        var lookup = await FindLegacyTokenAsync(@namespace, serviceAccount, cancellationToken).ConfigureAwait(false);
        if (lookup.Token is not null)
        {
            return lookup.Token;
        }

        if (lookup.PendingSecret is not null)
        {
            return await WaitForLegacyTokenAsync(lookup.PendingSecret, timeout ?? DefaultLegacyTokenTimeout, created: false, cancellationToken).ConfigureAwait(false);
        }

        return await CreateLegacyTokenAsync(@namespace, serviceAccount, timeout, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads the ServiceAccount (its 404 surfaces) and looks for its token Secret: a filled one gives
    /// <see cref="LegacyTokenLookup.Token"/>; one the controller has not filled yet gives
    /// <see cref="LegacyTokenLookup.PendingSecret"/>; neither means one must be created. Creates nothing.
    /// </summary>
    public async Task<LegacyTokenLookup> FindLegacyTokenAsync(string @namespace, string serviceAccount, CancellationToken cancellationToken = default)
    {
        NameValidation.ValidateServiceAccountName(serviceAccount);
        NameValidation.ValidateNamespace(@namespace, "ServiceAccount", serviceAccount);
        var account = await transport.GetAsync(
            ApiPath.Core("serviceaccounts", @namespace, serviceAccount),
            KubeJsonContext.Default.ServiceAccount,
            cancellationToken).ConfigureAwait(false);

        var secret = await FindLegacyTokenSecretAsync(@namespace, serviceAccount, account.Metadata.Uid, cancellationToken).ConfigureAwait(false);
        if (secret is null)
        {
            return new LegacyTokenLookup(account, null, null);
        }

        if (TryReadToken(secret, serviceAccount, created: false) is { } filled)
        {
            log.Verbose($"Using the token in Secret {@namespace}/{secret.Metadata.Name}.");
            return new LegacyTokenLookup(account, filled, null);
        }

        log.Verbose($"Secret {@namespace}/{secret.Metadata.Name} exists for ServiceAccount {serviceAccount} but has no token yet.");
        return new LegacyTokenLookup(account, null, secret);
    }

    /// <summary>Creates a token Secret for the ServiceAccount and waits for the controller to fill it (see <see cref="WaitForLegacyTokenAsync"/>).</summary>
    public async Task<LegacyServiceAccountToken> CreateLegacyTokenAsync(
        string @namespace,
        string serviceAccount,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        var secret = await CreateLegacyTokenSecretAsync(@namespace, serviceAccount, cancellationToken).ConfigureAwait(false);
        return await WaitForLegacyTokenAsync(secret, timeout ?? DefaultLegacyTokenTimeout, created: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Finds the token Secret of a ServiceAccount: type kubernetes.io/service-account-token, annotated with its
    /// name (and, when annotated, its UID), not being deleted. A filled one wins over one still waiting for
    /// the controller; among equals the oldest. Null when there is none.
    /// </summary>
    public async Task<Secret?> FindLegacyTokenSecretAsync(
        string @namespace,
        string serviceAccount,
        string? serviceAccountUid = null,
        CancellationToken cancellationToken = default)
    {
        Secret? best = null;
        await foreach (var secret in ListTokenSecretsAsync(@namespace, cancellationToken).ConfigureAwait(false))
        {
            if (BelongsTo(secret, serviceAccount, serviceAccountUid) && IsBetter(secret, best))
            {
                best = secret;
            }
        }

        return best;
    }

    /// <summary>
    /// The kubernetes.io/service-account-token Secrets of a namespace (every namespace when null), selected by type on
    /// the server; a server without that field label answers 400, and then all Secrets are listed and filtered here.
    /// </summary>
    private async IAsyncEnumerable<Secret> ListTokenSecretsAsync(
        string? @namespace, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var byType = true;
        var yielded = false;
        var pages = List("type=" + ServiceAccountTokenSecretType).GetAsyncEnumerator(cancellationToken);
        try
        {
            while (true)
            {
                Secret secret;
                try
                {
                    if (!await pages.MoveNextAsync().ConfigureAwait(false))
                    {
                        break;
                    }
                    secret = pages.Current;
                }
                catch (KubernetesApiException e) when (e.StatusCode == 400 && byType && !yielded)
                {
                    log.Verbose($"The server cannot select Secrets by type ({e.Message}); filtering them here.");
                    await pages.DisposeAsync().ConfigureAwait(false);
                    pages = List(null).GetAsyncEnumerator(cancellationToken);
                    byType = false;
                    continue;
                }
                if (secret.Type == ServiceAccountTokenSecretType)
                {
                    yielded = true;
                    yield return secret;
                }
            }
        }
        finally
        {
            await pages.DisposeAsync().ConfigureAwait(false);
        }

        IAsyncEnumerable<Secret> List(string? fieldSelector) => ListPager.ListAsync(
            transport,
            ApiPath.Core("secrets", @namespace),
            labelSelector: null,
            fieldSelector,
            ServiceAccountOperations.DefaultPageSize,
            KubeJsonContext.Default.SecretList,
            list => list.Items,
            list => list.Metadata,
            cancellationToken);
    }

    /// <summary>The label the API server sets (a date, UTC) on the day a legacy token Secret's token is used.</summary>
    public const string LastUsedLabel = "kubernetes.io/legacy-token-last-used";

    /// <summary>The label (a date) that marks a legacy token invalid: the API server then refuses it.</summary>
    public const string InvalidSinceLabel = "kubernetes.io/legacy-token-invalid-since";

    /// <summary>
    /// The legacy token Secrets of a namespace (every namespace when null), optionally only those of one ServiceAccount,
    /// with their ServiceAccount, whether it still exists with the UID the Secret names, and the token tracking labels.
    /// Never reads out the token. ServiceAccounts are listed once first; when that is forbidden, ServiceAccountExists is null.
    /// </summary>
    public async IAsyncEnumerable<LegacyTokenSecret> ListLegacyTokensAsync(
        string? @namespace,
        string? serviceAccount = null,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (@namespace is not null)
        {
            NameValidation.ValidateNamespace(@namespace, "Secret", serviceAccount ?? "");
        }
        Dictionary<(string, string), string?>? accounts = new();
        try
        {
            await foreach (var account in new ServiceAccountOperations(transport, log).ListAsync(@namespace, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                accounts[(account.Metadata.Namespace ?? "", account.Metadata.Name ?? "")] = account.Metadata.Uid;
            }
        }
        catch (KubernetesApiException e) when (e.StatusCode == 403)
        {
            log.Verbose($"Cannot list ServiceAccounts ({e.Message}); ServiceAccountExists is left unknown.");
            accounts = null;
        }

        await foreach (var secret in ListTokenSecretsAsync(@namespace, cancellationToken).ConfigureAwait(false))
        {
            var item = LegacyTokenSecret.From(secret, accounts);
            if (serviceAccount is null || item.ServiceAccount == serviceAccount)
            {
                yield return item;
            }
        }
    }

    /// <summary>
    /// Deletes a legacy token Secret, only if it is still the same object (UID precondition, when given) and still a
    /// kubernetes.io/service-account-token Secret: this never deletes another kind of Secret by name.
    /// </summary>
    public async Task DeleteLegacyTokenAsync(string @namespace, string name, string? uid, CancellationToken cancellationToken = default)
    {
        NameValidation.ValidateNamespace(@namespace, "Secret", name);
        var path = ApiPath.Core("secrets", @namespace, name);
        var secret = await transport.GetAsync(path, KubeJsonContext.Default.Secret, cancellationToken).ConfigureAwait(false);
        if (secret.Type != ServiceAccountTokenSecretType)
        {
            throw new K8sClientException("NotALegacyToken", K8sErrorCategory.InvalidArgument,
                $"Secret {@namespace}/{name} is of type {secret.Type}, not {ServiceAccountTokenSecretType}: it is not a legacy ServiceAccount token, and was not deleted.")
            { Target = name };
        }
        log.Verbose($"Deleting Secret {@namespace}/{name}.");
        var precondition = string.IsNullOrEmpty(uid) ? secret.Metadata.Uid : uid;
        await WriteOutcome.DeleteAsync(
            new WrittenObject("Secret", @namespace, name),
            () => transport.SendAsync(
                HttpMethod.Delete,
                path,
                new DeleteOptions { Preconditions = new Preconditions { Uid = precondition } },
                KubeJsonContext.Default.DeleteOptions,
                KubeJsonContext.Default.Secret,
                cancellationToken),
            async () => (await transport.GetAsync(path, KubeJsonContext.Default.PartialObjectMetadata, cancellationToken).ConfigureAwait(false)).Metadata,
            precondition,
            log).ConfigureAwait(false);
    }

    /// <summary>Creates an empty token Secret for the token controller to fill (generateName "&lt;sa&gt;-token-").</summary>
    public Task<Secret> CreateLegacyTokenSecretAsync(string @namespace, string serviceAccount, CancellationToken cancellationToken = default)
    {
        NameValidation.ValidateServiceAccountName(serviceAccount);
        NameValidation.ValidateNamespace(@namespace, "Secret", serviceAccount + "-token-");
        log.Verbose($"Creating a {ServiceAccountTokenSecretType} Secret for ServiceAccount {@namespace}/{serviceAccount}.");
        var secret = new Secret
        {
            Metadata = new ObjectMeta
            {
                GenerateName = serviceAccount + "-token-",
                Namespace = @namespace,
                Annotations = new Dictionary<string, string> { [ServiceAccountNameAnnotation] = serviceAccount },
            },
            Type = ServiceAccountTokenSecretType,
        };
        return transport.SendAsync(
            HttpMethod.Post,
            ApiPath.ForWrite(ApiPath.Core("secrets", @namespace)),
            secret,
            KubeJsonContext.Default.Secret,
            KubeJsonContext.Default.Secret,
            cancellationToken);
    }

    /// <summary>
    /// Waits until the token controller has put a token into <paramref name="secret"/>, watching it from the
    /// resourceVersion it carries (so a fill that happened in between is not missed) and resuming the watch
    /// when the server ends it. Throws LegacyTokenNotFilled after <paramref name="timeout"/> and
    /// LegacyTokenSecretDeleted when the Secret disappears (the controller deletes token Secrets whose
    /// ServiceAccount does not exist).
    /// </summary>
    public async Task<LegacyServiceAccountToken> WaitForLegacyTokenAsync(
        Secret secret,
        TimeSpan timeout,
        bool created = false,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(secret);
        var ns = secret.Metadata.Namespace ?? throw new ArgumentException("The Secret has no namespace.", nameof(secret));
        var name = secret.Metadata.Name ?? throw new ArgumentException("The Secret has no name.", nameof(secret));
        var serviceAccount = AnnotationOf(secret, ServiceAccountNameAnnotation)
            ?? throw new ArgumentException($"The Secret has no {ServiceAccountNameAnnotation} annotation.", nameof(secret));
        if (TryReadToken(secret, serviceAccount, created) is { } ready)
        {
            return ready;
        }

        using var deadline = new CancellationTokenSource(timeout, clock);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        var resourceVersion = secret.Metadata.ResourceVersion;
        var started = clock.GetTimestamp();
        try
        {
            while (true)
            {
                var remaining = timeout - clock.GetElapsedTime(started);
                var path = ApiPath.WithQuery(
                    ApiPath.Core("secrets", ns),
                    ("allowWatchBookmarks", "true"),
                    ("fieldSelector", "metadata.name=" + name),
                    ("resourceVersion", resourceVersion),
                    ("timeoutSeconds", Math.Max(1, (long)Math.Ceiling(remaining.TotalSeconds)).ToString(CultureInfo.InvariantCulture)),
                    ("watch", "true"));
                var events = 0;
                try
                {
                    await foreach (var change in transport.WatchAsync(path, KubeJsonContext.Default.WatchEventSecret, linked.Token).ConfigureAwait(false))
                    {
                        events++;
                        var current = change.Object;
                        if (current?.Metadata.ResourceVersion is { Length: > 0 } rv)
                        {
                            resourceVersion = rv;
                        }

                        switch (change.Type)
                        {
                            case "DELETED":
                                throw SecretDeleted(ns, name, serviceAccount);
                            case "ADDED" or "MODIFIED" when current is not null:
                                if (TryReadToken(current, serviceAccount, created) is { } filled)
                                {
                                    log.Verbose($"The token controller filled Secret {ns}/{name}.");
                                    return filled;
                                }

                                break;
                        }
                    }
                }
                catch (KubernetesApiException e) when (e.StatusCode == 410)
                {
                    // Our resourceVersion is too old to watch from: read the Secret afresh and watch from there.
                    Secret fresh;
                    try
                    {
                        fresh = await transport.GetAsync(ApiPath.Core("secrets", ns, name), KubeJsonContext.Default.Secret, linked.Token).ConfigureAwait(false);
                    }
                    catch (KubernetesApiException missing) when (missing.IsNotFound)
                    {
                        throw SecretDeleted(ns, name, serviceAccount);
                    }

                    if (TryReadToken(fresh, serviceAccount, created) is { } filled)
                    {
                        return filled;
                    }

                    resourceVersion = fresh.Metadata.ResourceVersion;
                    continue;
                }

                if (events == 0)
                {
                    // The server closed an empty watch at once; do not spin.
                    await Task.Delay(TimeSpan.FromMilliseconds(100), clock, linked.Token).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new K8sClientException(
                "LegacyTokenNotFilled",
                K8sErrorCategory.OperationTimeout,
                $"The token controller did not put a token into Secret {ns}/{name} for ServiceAccount {serviceAccount} within {timeout}. " +
                "The controller runs in kube-controller-manager and needs --service-account-private-key-file; check that it is running. " +
                "The Secret was left in place: a later call will use it once it is filled.")
            {
                Target = $"{ns}/{name}",
            };
        }
    }

    // granted = expirationTimestamp - issue time. The server echoes the effective expirationSeconds in spec;
    // without it, the issue time is the answer's creationTimestamp, else the time the request was sent.
    private static TimeSpan GrantedDuration(TokenRequest answer, DateTimeOffset expires, DateTimeOffset sentAt)
    {
        if (answer.Spec?.ExpirationSeconds is > 0 and var seconds)
        {
            return TimeSpan.FromSeconds(seconds);
        }

        var issued = answer.Metadata?.CreationTimestamp ?? sentAt;
        var granted = expires - issued;
        return granted < TimeSpan.Zero ? TimeSpan.Zero : TimeSpan.FromSeconds(Math.Round(granted.TotalSeconds));
    }

    private static bool BelongsTo(Secret secret, string serviceAccount, string? serviceAccountUid) =>
        secret.Type == ServiceAccountTokenSecretType
        && secret.Metadata.DeletionTimestamp is null
        && AnnotationOf(secret, ServiceAccountNameAnnotation) == serviceAccount
        && (serviceAccountUid is null
            || AnnotationOf(secret, ServiceAccountUidAnnotation) is not { Length: > 0 } uid
            || uid == serviceAccountUid);

    private static bool IsBetter(Secret candidate, Secret? best)
    {
        if (best is null)
        {
            return true;
        }

        var candidateFilled = HasToken(candidate);
        var bestFilled = HasToken(best);
        if (candidateFilled != bestFilled)
        {
            return candidateFilled;
        }

        return (candidate.Metadata.CreationTimestamp ?? DateTimeOffset.MaxValue) < (best.Metadata.CreationTimestamp ?? DateTimeOffset.MaxValue);
    }

    private static bool HasToken(Secret secret) =>
        secret.Data is not null && secret.Data.TryGetValue("token", out var token) && token is { Length: > 0 };

    private static LegacyServiceAccountToken? TryReadToken(Secret secret, string serviceAccount, bool created)
    {
        if (!HasToken(secret))
        {
            return null;
        }

        return new LegacyServiceAccountToken
        {
            Namespace = secret.Metadata.Namespace ?? string.Empty,
            ServiceAccount = serviceAccount,
            SecretName = secret.Metadata.Name ?? string.Empty,
            Token = System.Text.Encoding.UTF8.GetString(secret.Data!["token"]),
            CertificateAuthorityData = secret.Data!.TryGetValue("ca.crt", out var ca) && ca.Length > 0 ? ca : null,
            Created = created,
        };
    }

    private static string? AnnotationOf(Secret secret, string key) =>
        secret.Metadata.Annotations is { } annotations && annotations.TryGetValue(key, out var value) ? value : null;

    private static K8sClientException SecretDeleted(string ns, string name, string serviceAccount) =>
        new(
            "LegacyTokenSecretDeleted",
            K8sErrorCategory.ObjectNotFound,
            $"Secret {ns}/{name} was deleted before it received a token. The token controller deletes token Secrets " +
            $"whose ServiceAccount does not exist (or has another UID): check that ServiceAccount {ns}/{serviceAccount} exists.")
        {
            Target = $"{ns}/{name}",
        };
}
