namespace K8sServiceAccount.Internal;

/// <summary>
/// Puts back into input order values that finish in any order (the answers of concurrent checks): a value is written as
/// soon as every earlier position has its own value or was skipped, so output flows while the input is still running and
/// only the values behind a slow one wait.
/// </summary>
/// <typeparam name="T">The value written for a position.</typeparam>
internal sealed class InputOrder<T>
{
    // Positions that finished before an earlier one; a skipped position has no value.
    private readonly Dictionary<int, (bool HasValue, T Value)> waiting = new();
    private int next;

    /// <summary>How many finished positions wait for an earlier one.</summary>
    internal int Waiting => waiting.Count;

    /// <summary>Position <paramref name="index"/> has <paramref name="value"/>; writes whatever is now in order.</summary>
    internal void Add(int index, T value, Action<T> write) => Arrive(index, (true, value), write);

    /// <summary>Position <paramref name="index"/> has nothing to write (its check could not run); writes whatever is now in order.</summary>
    internal void Skip(int index, Action<T> write) => Arrive(index, (false, default!), write);

    private void Arrive(int index, (bool HasValue, T Value) entry, Action<T> write)
    {
        if (index < next || !waiting.TryAdd(index, entry))
        {
            throw new InvalidOperationException($"Position {index} arrived twice.");
        }

        while (waiting.Remove(next, out var ready))
        {
            next++;
            if (ready.HasValue)
            {
                write(ready.Value);
            }
        }
    }
}
