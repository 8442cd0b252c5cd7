namespace K8sServiceAccount.Internal;

/// <summary>Where the permission cmdlets evaluate: the API server, an RBAC snapshot (-Snapshot) or policy documents (-Policy).</summary>
internal enum EvaluationSource
{
    Cluster,
    Snapshot,
    Policy,
}

/// <summary>The namespace of checks and of bare ServiceAccount names when the user gives none.</summary>
internal static class EvaluationNamespace
{
    /// <summary>
    /// On the cluster, the connection's namespace (-Namespace, else the context's); with -Snapshot, -Namespace or else the
    /// namespace of the context the snapshot was taken with; with -Policy, -Namespace or else <c>default</c>. Local
    /// evaluation never resolves a connection: <paramref name="connectionNamespace"/> is called only for the cluster.
    /// </summary>
    internal static string Default(EvaluationSource source, string? namespaceParameter, string? snapshotNamespace, Func<string> connectionNamespace) => source switch
    {
        EvaluationSource.Cluster => connectionNamespace(),
        EvaluationSource.Snapshot => PermissionMapping.Given(namespaceParameter) ?? PermissionMapping.Given(snapshotNamespace) ?? "default",
        _ => PermissionMapping.Given(namespaceParameter) ?? "default",
    };
}
