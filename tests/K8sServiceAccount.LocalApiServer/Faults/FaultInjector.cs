using System.Text.Json.Nodes;

namespace K8sServiceAccount.LocalApiServer.Faults;

/// <summary>
/// Latency and failure injection, for benchmarks and reliability tests. Rates are probabilities in [0, 1]
/// applied independently per request, in this order: dropped connection, connection dropped after the request was
/// handled, 429, 5xx.
/// </summary>
public sealed record FaultSettings
{
    /// <summary>Fixed delay added to every request, in milliseconds.</summary>
    public int LatencyMilliseconds { get; init; }
    /// <summary>Uniform random extra delay in [0, JitterMilliseconds].</summary>
    public int JitterMilliseconds { get; init; }
    /// <summary>Share of requests answered 500 InternalError.</summary>
    public double ErrorRate { get; init; }
    /// <summary>Share of requests answered 429 TooManyRequests with Retry-After.</summary>
    public double ThrottleRate { get; init; }
    /// <summary>The Retry-After value of injected 429s, in seconds.</summary>
    public int RetryAfterSeconds { get; init; } = 1;
    /// <summary>Share of requests whose connection is dropped without a response.</summary>
    public double DropRate { get; init; }
    /// <summary>
    /// Requests always answered 500, each "METHOD PATH-PREFIX" (e.g. "DELETE /apis/rbac.authorization.k8s.io/v1/namespaces/a/roles/"):
    /// makes one step of a multi-object write fail deterministically.
    /// </summary>
    public IReadOnlyList<string> FailRequests { get; init; } = [];
    /// <summary>
    /// Share of requests that are handled (a write is applied) and whose connection is then dropped without the
    /// answer: the client cannot know whether its write happened (issue 11 defect 9).
    /// </summary>
    public double DropAfterApplyRate { get; init; }
    /// <summary>
    /// Requests always handled and then dropped without the answer, each "METHOD PATH-PREFIX" as in
    /// <see cref="FailRequests"/>: a write that is applied while its client sees only a lost connection.
    /// </summary>
    public IReadOnlyList<string> DropAfterApply { get; init; } = [];
    /// <summary>Seed of the dice, for a reproducible run; null draws from a shared random source.</summary>
    public int? Seed { get; init; }

    public static FaultSettings None { get; } = new();

    public bool IsNone => LatencyMilliseconds == 0 && JitterMilliseconds == 0 && ErrorRate == 0 && ThrottleRate == 0 && DropRate == 0 && FailRequests.Count == 0
        && DropAfterApplyRate == 0 && DropAfterApply.Count == 0;

    /// <summary>Checks ranges; returns the problem or null.</summary>
    public string? Validate()
    {
        if (LatencyMilliseconds < 0) return "latencyMilliseconds must not be negative";
        if (JitterMilliseconds < 0) return "jitterMilliseconds must not be negative";
        if (RetryAfterSeconds < 1) return "retryAfterSeconds must be at least 1";
        foreach ((string name, double rate) in new[] { ("errorRate", ErrorRate), ("throttleRate", ThrottleRate), ("dropRate", DropRate), ("dropAfterApplyRate", DropAfterApplyRate) })
        {
            if (rate is < 0 or > 1 || double.IsNaN(rate)) return $"{name} must be between 0 and 1";
        }
        return null;
    }

    public JsonObject ToJson() => new()
    {
        ["latencyMilliseconds"] = LatencyMilliseconds,
        ["jitterMilliseconds"] = JitterMilliseconds,
        ["errorRate"] = ErrorRate,
        ["throttleRate"] = ThrottleRate,
        ["retryAfterSeconds"] = RetryAfterSeconds,
        ["dropRate"] = DropRate,
        ["failRequests"] = new JsonArray([.. FailRequests.Select(r => (JsonNode)JsonValue.Create(r))]),
        ["dropAfterApplyRate"] = DropAfterApplyRate,
        ["dropAfterApply"] = new JsonArray([.. DropAfterApply.Select(r => (JsonNode)JsonValue.Create(r))]),
        ["seed"] = Seed,
    };

    /// <summary>Reads the settings from JSON; absent keys keep the values of <paramref name="baseline"/>.</summary>
    public static FaultSettings FromJson(JsonObject json, FaultSettings baseline) => new()
    {
        LatencyMilliseconds = json["latencyMilliseconds"]?.GetValue<int>() ?? baseline.LatencyMilliseconds,
        JitterMilliseconds = json["jitterMilliseconds"]?.GetValue<int>() ?? baseline.JitterMilliseconds,
        ErrorRate = json["errorRate"]?.GetValue<double>() ?? baseline.ErrorRate,
        ThrottleRate = json["throttleRate"]?.GetValue<double>() ?? baseline.ThrottleRate,
        RetryAfterSeconds = json["retryAfterSeconds"]?.GetValue<int>() ?? baseline.RetryAfterSeconds,
        DropRate = json["dropRate"]?.GetValue<double>() ?? baseline.DropRate,
        FailRequests = json["failRequests"] is JsonArray fail ? [.. fail.Select(r => r!.GetValue<string>())] : baseline.FailRequests,
        DropAfterApplyRate = json["dropAfterApplyRate"]?.GetValue<double>() ?? baseline.DropAfterApplyRate,
        DropAfterApply = json["dropAfterApply"] is JsonArray dropAfter ? [.. dropAfter.Select(r => r!.GetValue<string>())] : baseline.DropAfterApply,
        Seed = json["seed"] is { } seed ? seed.GetValue<int>() : baseline.Seed,
    };
}

/// <summary>What the fault injector decided for one request.</summary>
public enum FaultOutcome
{
    Proceed,
    Drop,
    Throttle,
    Error,
    /// <summary>Handle the request, then drop the connection instead of answering.</summary>
    DropAfterApply,
}

/// <summary>Holds the current fault settings (replaceable at run time) and rolls the dice per request.</summary>
public sealed class FaultInjector
{
    private volatile FaultSettings _settings;
    private Random _random = Random.Shared;
    private readonly Lock _randomLock = new();

    public FaultInjector(FaultSettings? initial = null)
    {
        _settings = initial ?? FaultSettings.None;
    }

    public FaultSettings Settings
    {
        get => _settings;
        set
        {
            var settings = value ?? FaultSettings.None;
            lock (_randomLock)
            {
                _random = settings.Seed is { } seed ? new Random(seed) : Random.Shared;
            }
            _settings = settings;
        }
    }

    // A seeded Random is not thread-safe: every draw takes the lock (Random.Shared needs none, but one path is simpler).
    private double NextDouble()
    {
        lock (_randomLock)
        {
            return _random.NextDouble();
        }
    }

    private int Next(int maxExclusive)
    {
        lock (_randomLock)
        {
            return _random.Next(maxExclusive);
        }
    }

    /// <summary>Waits the configured latency, then decides the request's fate.</summary>
    public async ValueTask<FaultOutcome> ApplyAsync(string method, string path, CancellationToken cancellationToken)
    {
        FaultSettings settings = _settings;
        if (settings.IsNone) return FaultOutcome.Proceed;
        if (Matches(settings.FailRequests, method, path)) return FaultOutcome.Error;
        if (Matches(settings.DropAfterApply, method, path)) return FaultOutcome.DropAfterApply;
        int delay = settings.LatencyMilliseconds +
            (settings.JitterMilliseconds > 0 ? Next(settings.JitterMilliseconds + 1) : 0);
        if (delay > 0) await LatencyTimer.Shared.DelayAsync(TimeSpan.FromMilliseconds(delay), cancellationToken).ConfigureAwait(false);
        if (settings.DropRate > 0 && NextDouble() < settings.DropRate) return FaultOutcome.Drop;
        if (settings.DropAfterApplyRate > 0 && NextDouble() < settings.DropAfterApplyRate) return FaultOutcome.DropAfterApply;
        if (settings.ThrottleRate > 0 && NextDouble() < settings.ThrottleRate) return FaultOutcome.Throttle;
        if (settings.ErrorRate > 0 && NextDouble() < settings.ErrorRate) return FaultOutcome.Error;
        return FaultOutcome.Proceed;
    }

    // Each rule is "METHOD PATH-PREFIX".
    private static bool Matches(IReadOnlyList<string> rules, string method, string path)
    {
        foreach (var rule in rules)
        {
            int space = rule.IndexOf(' ');
            if (space > 0 && string.Equals(rule[..space], method, StringComparison.OrdinalIgnoreCase)
                && path.StartsWith(rule[(space + 1)..], StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }
}
