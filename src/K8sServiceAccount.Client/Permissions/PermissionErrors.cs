using K8sServiceAccount.Client.Http;

namespace K8sServiceAccount.Client.Permissions;

/// <summary>
/// The errors of the permission operations. Every ErrorId is stable; argument errors are <c>Invalid&lt;Parameter&gt;</c>
/// (InvalidVerb, InvalidResource, InvalidNonResourceUrl, InvalidServiceAccount...) with the parameter as Target.
/// </summary>
public static class PermissionErrors
{
    /// <summary>A SubjectAccessReview was forbidden and impersonation was forbidden or impossible.</summary>
    public const string CheckForbidden = "PermissionCheckForbidden";

    /// <summary>Listing another identity's rules: listing RBAC objects and impersonating it were both forbidden.</summary>
    public const string ListForbidden = "PermissionListForbidden";

    /// <summary>Creating a role or binding was refused by escalation prevention (the caller lacks escalate/bind).</summary>
    public const string EscalationForbidden = "RbacEscalationForbidden";

    /// <summary><c>Invalid&lt;parameter&gt;</c> with the parameter as Target.</summary>
    public static K8sClientException InvalidArgument(string parameter, string message, Exception? inner = null)
        => new("Invalid" + parameter, K8sErrorCategory.InvalidArgument, message, inner) { Target = parameter };

    /// <summary>True for an answer that says the caller may not do what was asked (403).</summary>
    internal static bool IsForbidden(Exception error) => error is KubernetesApiException { IsForbidden: true };
}
