using System.Management.Automation;
using K8sServiceAccount.Client;
using K8sServiceAccount.Client.Api;
using K8sServiceAccount.Internal;

namespace K8sServiceAccount.Commands;

/// <summary>
/// Who the current credentials authenticate as: user, UID, groups and extra attributes, from a SelfSubjectReview as
/// kubectl auth whoami (v1, falling back to v1beta1 and v1alpha1 on older servers).
/// </summary>
[Cmdlet(VerbsCommon.Get, "K8sIdentity")]
[OutputType(typeof(K8sIdentity))]
public sealed class GetK8sIdentityCommand : K8sClusterCmdlet
{
    /// <summary>Asks the server.</summary>
    protected override void ProcessRecord()
    {
        try
        {
            var identity = Invoke((connection, token) => new AuthenticationOperations(connection).WhoAmIAsync(token));
            WriteObject(PermissionMapping.ToIdentity(identity));
        }
        catch (K8sClientException e)
        {
            WriteErrorFor(e, Settings.Server);
        }
    }
}
