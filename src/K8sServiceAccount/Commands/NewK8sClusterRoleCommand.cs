using System.Collections;
using System.Management.Automation;
using K8sServiceAccount.Client.Models;
using K8sServiceAccount.Client.Permissions;
using K8sServiceAccount.Internal;

namespace K8sServiceAccount.Commands;

/// <summary>
/// Creates a ClusterRole (rules that a ClusterRoleBinding grants everywhere, or a RoleBinding grants in its namespace;
/// non-resource URLs allowed) from rules of New-K8sPolicyRule or hashtables (given as -Rule or piped in), or, with -AggregationRule, one whose rules
/// the server fills in from the ClusterRoles whose labels match (kubectl create clusterrole --aggregation-rule). The
/// object is validated as the API server would before anything is sent. Granting what you do not hold needs 'escalate'
/// on clusterroles, and an aggregation rule needs full cluster-admin authority or 'escalate': the refusal
/// (RbacEscalationForbidden) names what is missing and keeps the server's text.
/// </summary>
[Cmdlet(VerbsCommon.New, "K8sClusterRole", SupportsShouldProcess = true, DefaultParameterSetName = RulesSet)]
[OutputType(typeof(K8sRoleInfo))]
public sealed class NewK8sClusterRoleCommand : NewRoleCmdletBase
{
    private const string AggregationSet = "AggregationRule";

    /// <summary>
    /// Label selectors of the ClusterRoles whose rules this one aggregates, one hashtable of labels per selector
    /// (@{ 'rbac.example.com/aggregate-to-monitoring' = 'true' }); a ClusterRole matching any selector contributes. The
    /// server's aggregation controller keeps the rules up to date; rules cannot be given as well.
    /// </summary>
    [Parameter(Mandatory = true, ParameterSetName = AggregationSet)]
    [ValidateNotNullOrEmpty]
    public Hashtable[] AggregationRule { get; set; } = Array.Empty<Hashtable>();

    private protected override void CreateRole(IReadOnlyList<K8sPolicyRule> rules) =>
        Create(() => new ClusterRole { Metadata = Metadata(null), Rules = rules.Select(PermissionMapping.ToPolicyRule).ToList() });

    private protected override void CreateWithoutRules() =>
        Create(() => new ClusterRole { Metadata = Metadata(null), AggregationRule = PermissionMapping.AggregationRule(AggregationRule) });

    // Built inside Create, so that a rule or selector the mapping refuses is reported as that role's error.
    private void Create(Func<ClusterRole> build) =>
        Create(PermissionMapping.Target("ClusterRole", null, Name),
            build,
            RbacValidation.ValidateClusterRole,
            (objects, created, token) => objects.CreateClusterRoleAsync(created, token),
            PermissionMapping.ToRoleInfo);
}
