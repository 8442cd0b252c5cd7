using System.Text.Json.Nodes;
using K8sServiceAccount.Client.Rbac;
using K8sServiceAccount.LocalApiServer.Api;
using K8sServiceAccount.LocalApiServer.Store;

namespace K8sServiceAccount.LocalApiServer.Auth;

/// <summary>
/// The server's authorizer chain: members of system:masters are allowed everything (the privileged-group
/// authorizer runs before RBAC in kube-apiserver); everyone else is judged by RBAC.
/// </summary>
public sealed class ServerAuthorizer
{
    public const string Masters = "system:masters";

    public static bool IsMaster(UserInfo user)
    {
        foreach (string group in user.Groups)
        {
            if (group == Masters) return true;
        }
        return false;
    }

    public AuthorizationResult Authorize(AccessRequest request) =>
        IsMaster(request.User) ? new AuthorizationResult(true, "", null) : new AuthorizationResult(false, "", null);

    public RulesReviewResult RulesFor(UserInfo user, string ns) => new(new JsonArray(), new JsonArray(), null);

    public void Aggregate(ObjectStore store)
    {
    }

    public void ConfirmNoEscalation(ResourceType type, JsonObject obj, string ns, UserInfo user)
    {
    }
}
