using K8sServiceAccount.Client.Config;
using K8sServiceAccount.Client.Http;
using K8sServiceAccount.Client.Models;

namespace K8sServiceAccount.Client.Permissions;

/// <summary>Anything that answers permission checks: the API server (<see cref="PermissionChecker"/>) or a local RBAC snapshot.</summary>
public interface IPermissionEvaluator
{
    /// <summary>
    /// Answers one check. A denial is a result with <see cref="PermissionCheckResult.Allowed"/> false; an exception means
    /// the check could not be run (bad input, connection failure, not permitted to ask).
    /// </summary>
    Task<PermissionCheckResult> CheckAsync(PermissionCheck check, CancellationToken cancellationToken = default);
}

/// <summary>
/// Asks the API server, as <c>kubectl auth can-i</c> does: a SelfSubjectAccessReview for the connection's own identity; a
/// SubjectAccessReview for a ServiceAccount or user, with the groups that identity would carry (K8S-SEMANTICS §3.2: the
/// server uses the groups as given). When the caller may not create SubjectAccessReviews (403), the check is sent again as a
/// SelfSubjectAccessReview while impersonating the subject (Impersonate-User/Group, like <c>kubectl --as</c>), if the
/// transport supports impersonation; after the first such 403 the checker goes straight to impersonation.
/// Thread-safe; one instance can serve a whole batch.
/// </summary>
public sealed class PermissionChecker : IPermissionEvaluator
{
    internal const string SelfSubjectAccessReviewPath = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews";
    internal const string SubjectAccessReviewPath = "/apis/authorization.k8s.io/v1/subjectaccessreviews";
    internal const string SelfSubjectRulesReviewPath = "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews";

    private readonly IKubernetesTransport _transport;
    private readonly ResourceNameResolver _resolver;
    private volatile KubernetesApiException? _subjectAccessReviewForbidden;

    /// <summary>
    /// A checker over <paramref name="transport"/>. Resource names are resolved with <paramref name="resolver"/> (discovery,
    /// kubectl's shorthand and warnings); without one, with discovery over the same transport.
    /// </summary>
    public PermissionChecker(IKubernetesTransport transport, ResourceNameResolver? resolver = null, IClientLog? log = null)
    {
        _transport = transport ?? throw new ArgumentNullException(nameof(transport));
        _resolver = resolver ?? new ResourceNameResolver(transport, log);
    }

    /// <inheritdoc />
    public async Task<PermissionCheckResult> CheckAsync(PermissionCheck check, CancellationToken cancellationToken = default)
    {
        var attributes = await ResolveAsync(_resolver, check, cancellationToken).ConfigureAwait(false);
        var subject = check.Subject;
        if (subject.Kind == PermissionSubjectKind.Self)
        {
            var status = await PostSelfReviewAsync(_transport, attributes, cancellationToken).ConfigureAwait(false);
            return attributes.ToResult(check, status, PermissionCheckMethod.SelfSubjectAccessReview);
        }

        if (_subjectAccessReviewForbidden is null)
        {
            try
            {
                var review = NewReview("SubjectAccessReview", attributes);
                var user = subject.ToUserInfo();
                review.Spec.User = string.IsNullOrEmpty(user.Name) ? null : user.Name;
                review.Spec.Groups = [.. user.Groups];
                var answer = await _transport.SendAsync(HttpMethod.Post, SubjectAccessReviewPath, review,
                    KubeJsonContext.Default.SubjectAccessReview, KubeJsonContext.Default.SubjectAccessReview, cancellationToken).ConfigureAwait(false);
                return attributes.ToResult(check, answer.Status, PermissionCheckMethod.SubjectAccessReview);
            }
            catch (KubernetesApiException ex) when (ex.IsForbidden)
            {
                _subjectAccessReviewForbidden = ex;
            }
        }

        return await CheckByImpersonationAsync(check, attributes, _subjectAccessReviewForbidden!, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The caller's own rules in <paramref name="namespace"/> (SelfSubjectRulesReview, as <c>kubectl auth can-i --list</c>).
    /// The namespace is required by the server.
    /// </summary>
    public Task<SelfRulesReviewResult> ReviewOwnRulesAsync(string @namespace, CancellationToken cancellationToken = default)
        => PostRulesReviewAsync(_transport, @namespace, cancellationToken);

    /// <summary>
    /// The rules of <paramref name="subject"/> in <paramref name="namespace"/> when the caller may not list RBAC objects
    /// (<paramref name="listForbidden"/>): a SelfSubjectRulesReview sent while impersonating it, as
    /// <c>kubectl auth can-i --list --as=USER -n NAMESPACE</c> (only Impersonate-User for a ServiceAccount: the server adds
    /// its groups). Throws <see cref="PermissionErrors.ListForbidden"/>, naming both refusals, when impersonating is forbidden too.
    /// </summary>
    public async Task<SelfRulesReviewResult> ReviewRulesAsAsync(
        PermissionSubject subject, string @namespace, KubernetesApiException listForbidden, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subject);
        ArgumentNullException.ThrowIfNull(listForbidden);
        if (_transport is not IImpersonatingTransport impersonating || subject.UserName is null)
        {
            throw ListForbidden(subject, listForbidden, "this connection cannot impersonate it", null);
        }
        var view = impersonating.WithImpersonation(ImpersonationOf(subject));
        try
        {
            return await PostRulesReviewAsync(view, @namespace, cancellationToken).ConfigureAwait(false);
        }
        catch (KubernetesApiException ex) when (ex.IsForbidden)
        {
            throw ListForbidden(subject, listForbidden, "impersonating it was forbidden too: " + ex.Message, ex);
        }
        finally
        {
            (view as IDisposable)?.Dispose();
        }
    }

    private static K8sClientException ListForbidden(PermissionSubject subject, KubernetesApiException listForbidden, string why, Exception? inner)
        => new(PermissionErrors.ListForbidden, K8sErrorCategory.PermissionDenied,
            $"Cannot list the rules of {subject}: listing the RBAC objects was forbidden ({listForbidden.Message}), and {why}. " +
            "Listing another identity's rules needs 'list' on roles, rolebindings, clusterroles and clusterrolebindings, or 'impersonate' on that identity.",
            inner ?? listForbidden) { Target = subject.ToString() };

    // The server adds the ServiceAccount groups and system:authenticated itself when impersonating.
    private static Impersonation ImpersonationOf(PermissionSubject subject) => new()
    {
        UserName = subject.UserName,
        Groups = subject.Kind == PermissionSubjectKind.User ? subject.Groups : [],
    };

    private static async Task<SelfRulesReviewResult> PostRulesReviewAsync(IKubernetesTransport transport, string @namespace, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(@namespace))
        {
            throw PermissionErrors.InvalidArgument("Namespace", "A namespace is required to list rules with a SelfSubjectRulesReview (it has no cluster-wide form).");
        }
        var request = new SelfSubjectRulesReview { Spec = new SelfSubjectRulesReviewSpec { Namespace = @namespace } };
        var answer = await transport.SendAsync(HttpMethod.Post, SelfSubjectRulesReviewPath, request,
            KubeJsonContext.Default.SelfSubjectRulesReview, KubeJsonContext.Default.SelfSubjectRulesReview, cancellationToken).ConfigureAwait(false);
        var status = answer.Status ?? new SubjectRulesReviewStatus();
        var rules = new List<EffectiveRule>();
        foreach (var rule in status.ResourceRules ?? [])
        {
            rules.Add(new EffectiveRule
            {
                Scope = @namespace,
                Verbs = rule.Verbs ?? [],
                ApiGroups = rule.ApiGroups ?? [],
                Resources = rule.Resources ?? [],
                ResourceNames = rule.ResourceNames ?? [],
            });
        }
        foreach (var rule in status.NonResourceRules ?? [])
        {
            rules.Add(new EffectiveRule { Scope = "", Verbs = rule.Verbs ?? [], NonResourceUrls = rule.NonResourceURLs ?? [] });
        }
        return new SelfRulesReviewResult(@namespace, rules, status.Incomplete, status.EvaluationError ?? "");
    }

    /// <summary>
    /// The check's attributes after validation and resource-name resolution (shared with the local evaluators).
    /// </summary>
    internal static async Task<ReviewAttributes> ResolveAsync(ResourceNameResolver resolver, PermissionCheck check, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(check);
        check.Validate();
        var verb = check.Verb.Trim();
        if (check.IsNonResource)
        {
            resolver.WarnForNonResourceVerb(verb);
            return new ReviewAttributes(check.Subject.ToString(), verb, "", "", "", "", "", check.NonResourceUrl!);
        }
        var resolved = await resolver.ResolveAsync(check, cancellationToken).ConfigureAwait(false);
        return new ReviewAttributes(check.Subject.ToString(), verb, check.Namespace ?? "", resolved.Group, resolved.Resource,
            resolved.Subresource, check.Name ?? "", "");
    }

    private async Task<PermissionCheckResult> CheckByImpersonationAsync(
        PermissionCheck check, ReviewAttributes attributes, KubernetesApiException sarForbidden, CancellationToken cancellationToken)
    {
        var subject = check.Subject;
        if (_transport is not IImpersonatingTransport impersonating)
        {
            throw Forbidden(subject, sarForbidden, "this connection cannot impersonate", null);
        }
        if (subject.UserName is null)
        {
            throw Forbidden(subject, sarForbidden, "impersonation needs a user name, and only groups were given", null);
        }

        var view = impersonating.WithImpersonation(ImpersonationOf(subject));
        try
        {
            var status = await PostSelfReviewAsync(view, attributes, cancellationToken).ConfigureAwait(false);
            return attributes.ToResult(check, status, PermissionCheckMethod.Impersonation);
        }
        catch (KubernetesApiException ex) when (ex.IsForbidden)
        {
            throw Forbidden(subject, sarForbidden, "impersonating it was forbidden too: " + ex.Message, ex);
        }
        finally
        {
            (view as IDisposable)?.Dispose();
        }
    }

    private static K8sClientException Forbidden(PermissionSubject subject, KubernetesApiException sarForbidden, string why, Exception? inner)
        => new(PermissionErrors.CheckForbidden, K8sErrorCategory.PermissionDenied,
            $"Cannot check the permissions of {subject}: creating a SubjectAccessReview was forbidden ({sarForbidden.Message}), and {why}. " +
            "Checking another identity needs 'create' on subjectaccessreviews (ClusterRole system:auth-delegator) or 'impersonate' on that identity.",
            inner ?? sarForbidden) { Target = subject.ToString() };

    private static async Task<SubjectAccessReviewStatus?> PostSelfReviewAsync(IKubernetesTransport transport, ReviewAttributes attributes, CancellationToken cancellationToken)
    {
        var review = NewReview("SelfSubjectAccessReview", attributes);
        var answer = await transport.SendAsync(HttpMethod.Post, SelfSubjectAccessReviewPath, review,
            KubeJsonContext.Default.SubjectAccessReview, KubeJsonContext.Default.SubjectAccessReview, cancellationToken).ConfigureAwait(false);
        return answer.Status;
    }

    /// <summary>The review body kubectl sends: empty attributes are left out (Go's omitempty), no metadata, no status.</summary>
    private static SubjectAccessReview NewReview(string kind, ReviewAttributes attributes)
    {
        var review = new SubjectAccessReview { Kind = kind };
        if (attributes.NonResourceUrl.Length > 0)
        {
            review.Spec.NonResourceAttributes = new NonResourceAttributes { Path = attributes.NonResourceUrl, Verb = attributes.Verb };
        }
        else
        {
            review.Spec.ResourceAttributes = new ResourceAttributes
            {
                Namespace = NullIfEmpty(attributes.Namespace),
                Verb = attributes.Verb,
                Group = NullIfEmpty(attributes.Group),
                Resource = NullIfEmpty(attributes.Resource),
                Subresource = NullIfEmpty(attributes.Subresource),
                Name = NullIfEmpty(attributes.Name),
            };
        }
        return review;
    }

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}

/// <summary>The attributes a check is evaluated with, after resolution.</summary>
internal sealed record ReviewAttributes(
    string Subject, string Verb, string Namespace, string Group, string Resource, string Subresource, string Name, string NonResourceUrl)
{
    public PermissionCheckResult ToResult(PermissionCheck check, SubjectAccessReviewStatus? status, PermissionCheckMethod method)
        => ToResult(check, status?.Allowed ?? false, status?.Reason ?? "", status?.EvaluationError ?? "", method);

    public PermissionCheckResult ToResult(PermissionCheck check, bool allowed, string reason, string evaluationError, PermissionCheckMethod method)
        => new()
        {
            Subject = Subject,
            Namespace = Namespace,
            Verb = Verb,
            Group = Group,
            Resource = Resource,
            Subresource = Subresource,
            Name = Name,
            NonResourceUrl = NonResourceUrl,
            Allowed = allowed,
            Reason = reason,
            EvaluationError = evaluationError,
            Method = method,
            Check = check,
        };
}
