using System.Management.Automation;
using K8sServiceAccount.Internal;

namespace K8sServiceAccount.Commands;

/// <summary>
/// Gets the connection the next command will use with the same parameters, and why: the source chosen in the
/// connection order, the server, context, user, namespace and where each came from, the kind of credentials
/// (never the credentials). The object can be given to any cluster command as -Connection. Contacts no cluster.
/// </summary>
[Cmdlet(VerbsCommon.Get, "K8sConnection")]
[OutputType(typeof(K8sConnectionInfo))]
public sealed class GetK8sConnectionCommand : K8sClusterCmdlet
{
    protected override void ProcessRecord() => WriteObject(OutputMapping.ToConnectionInfo(CurrentHandle));
}
