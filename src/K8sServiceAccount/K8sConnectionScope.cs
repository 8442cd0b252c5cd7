namespace K8sServiceAccount;

/// <summary>Where Connect-K8sCluster keeps its connection.</summary>
public enum K8sConnectionScope
{
    /// <summary>Every runspace of the process: ForEach-Object -Parallel, Start-ThreadJob and other runspaces see it (the default, as Az's context).</summary>
    Process,

    /// <summary>Only the runspace that connected; there it wins over the process's connection.</summary>
    Runspace,
}
