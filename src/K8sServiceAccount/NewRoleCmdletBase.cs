using System.Management.Automation;
using K8sServiceAccount.Internal;

namespace K8sServiceAccount;

/// <summary>
/// The -Rule parameter of New-K8sRole and New-K8sClusterRole and how piped input makes roles. With -Name on the command
/// line, every rule piped in (from New-K8sPolicyRule, hashtables, or the Rules of piped roles) goes into that one role,
/// created when the input ends; without it, each piped object with a Name and Rules (Get-K8sRole output) is a role of
/// its own, created as it arrives.
/// </summary>
public abstract class NewRoleCmdletBase : NewRbacObjectCmdletBase
{
    /// <summary>The parameter set of the rules (New-K8sClusterRole also has -AggregationRule).</summary>
    private protected const string RulesSet = "Rule";

    private readonly List<K8sPolicyRule> pipedRules = new();
    private bool collectPipedRules;

    /// <summary>
    /// The rules, from New-K8sPolicyRule or as hashtables (@{ Verbs = 'get'; ApiGroups = 'apps'; Resources = 'deployments' }),
    /// given here or piped in.
    /// </summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = RulesSet)]
    [ValidateNotNullOrEmpty]
    [Alias("Rules")]
    public K8sPolicyRule[] Rule { get; set; } = Array.Empty<K8sPolicyRule>();

    // Only this module's cmdlets derive from it: CreateRole's rules become client types.
    private protected NewRoleCmdletBase()
    {
    }

    /// <summary>Validates, asks ShouldProcess, creates and writes one role with <paramref name="rules"/>.</summary>
    private protected abstract void CreateRole(IReadOnlyList<K8sPolicyRule> rules);

    /// <summary>Creates the role of the other parameter sets (a ClusterRole's -AggregationRule).</summary>
    private protected virtual void CreateWithoutRules() => throw new InvalidOperationException("No rules to create a role from.");

    protected override void BeginProcessing()
    {
        base.BeginProcessing();
        // Only the command line's parameters are bound here: a -Name typed there names the one role the input fills.
        collectPipedRules = MyInvocation.ExpectingInput && MyInvocation.BoundParameters.ContainsKey(nameof(Name));
    }

    protected override void ProcessRecord()
    {
        if (ParameterSetName != RulesSet)
        {
            CreateWithoutRules();
        }
        else if (collectPipedRules)
        {
            pipedRules.AddRange(Rule);
        }
        else
        {
            CreateRole(Rule);
        }
    }

    protected override void EndProcessing()
    {
        if (collectPipedRules && pipedRules.Count > 0)
        {
            CreateRole(pipedRules);
        }

        base.EndProcessing();
    }
}
