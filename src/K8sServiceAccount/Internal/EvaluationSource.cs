namespace K8sServiceAccount.Internal;

/// <summary>Where the permission cmdlets evaluate: the API server, an RBAC snapshot (-Snapshot) or policy documents (-Policy).</summary>
internal enum EvaluationSource
{
    Cluster,
    Snapshot,
    Policy,
}
