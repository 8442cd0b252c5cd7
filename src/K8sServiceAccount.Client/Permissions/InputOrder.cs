namespace K8sServiceAccount.Client.Permissions;

/// <summary>
/// Puts back into input order values that finish in any order (the outcomes of concurrent checks): a value is written as
/// soon as every earlier position has its own, so output flows while the input is still running and only the values
/// behind a slow one wait. Not thread-safe: callers serialize <see cref="Add"/>.
/// </summary>
/// <typeparam name="T">The value written for a position.</typeparam>
internal sealed class InputOrder<T>
{
    // Positions that finished before an earlier one.
    private readonly Dictionary<int, T> waiting = new();
    private int next;

    /// <summary>How many finished positions wait for an earlier one.</summary>
    internal int Waiting => waiting.Count;

    /// <summary>Position <paramref name="index"/> has <paramref name="value"/>; writes whatever is now in order and returns how many.</summary>
    internal int Add(int index, T value, Action<T> write)
    {
        if (index < next || !waiting.TryAdd(index, value))
        {
            throw new InvalidOperationException($"Position {index} arrived twice.");
        }

        var written = 0;
        while (waiting.Remove(next, out var ready))
        {
            next++;
            written++;
            write(ready);
        }

        return written;
    }
}
