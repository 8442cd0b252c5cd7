using System.Runtime.CompilerServices;

namespace K8sServiceAccount.Internal;

/// <summary>
/// A value per runspace. Keyed by the runspace object itself through a ConditionalWeakTable, so a closed and
/// collected runspace takes its value with it, and runspaces of ForEach-Object -Parallel or a runbook host
/// never see each other's value.
/// </summary>
internal sealed class RunspaceStore<T>
    where T : class
{
    private readonly ConditionalWeakTable<object, Holder> table = new();

    internal T? Get(object runspace) => table.TryGetValue(runspace, out var holder) ? holder.Value : null;

    internal void Set(object runspace, T value) => table.GetOrCreateValue(runspace).Value = value;

    /// <summary>Removes the runspace's value and returns it, or null when there was none.</summary>
    internal T? Remove(object runspace)
    {
        if (!table.TryGetValue(runspace, out var holder))
        {
            return null;
        }

        var value = holder.Value;
        table.Remove(runspace);
        return value;
    }

    private sealed class Holder
    {
        public T? Value;
    }
}
