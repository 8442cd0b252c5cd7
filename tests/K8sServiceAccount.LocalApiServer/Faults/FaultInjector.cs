using System.Text.Json.Nodes;

namespace K8sServiceAccount.LocalApiServer.Faults;

/// <summary>
/// Latency and failure injection, for benchmarks and reliability tests. Rates are probabilities in [0, 1]
/// applied independently per request, in this order: dropped connection, 429, 5xx.
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

    public static FaultSettings None { get; } = new();

    public bool IsNone => LatencyMilliseconds == 0 && JitterMilliseconds == 0 && ErrorRate == 0 && ThrottleRate == 0 && DropRate == 0;

    /// <summary>Checks ranges; returns the problem or null.</summary>
    public string? Validate()
    {
        if (LatencyMilliseconds < 0) return "latencyMilliseconds must not be negative";
        if (JitterMilliseconds < 0) return "jitterMilliseconds must not be negative";
        if (RetryAfterSeconds < 1) return "retryAfterSeconds must be at least 1";
        foreach ((string name, double rate) in new[] { ("errorRate", ErrorRate), ("throttleRate", ThrottleRate), ("dropRate", DropRate) })
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
    };
}

/// <summary>What the fault injector decided for one request.</summary>
public enum FaultOutcome { Proceed, Drop, Throttle, Error }

/// <summary>Holds the current fault settings (replaceable at run time) and rolls the dice per request.</summary>
public sealed class FaultInjector
{
    private volatile FaultSettings _settings;

    public FaultInjector(FaultSettings? initial = null)
    {
        _settings = initial ?? FaultSettings.None;
    }

    public FaultSettings Settings
    {
        get => _settings;
        set => _settings = value ?? FaultSettings.None;
    }

    /// <summary>Waits the configured latency, then decides the request's fate.</summary>
    public async ValueTask<FaultOutcome> ApplyAsync(CancellationToken cancellationToken)
    {
        FaultSettings settings = _settings;
        if (settings.IsNone) return FaultOutcome.Proceed;
        int delay = settings.LatencyMilliseconds +
            (settings.JitterMilliseconds > 0 ? Random.Shared.Next(settings.JitterMilliseconds + 1) : 0);
        if (delay > 0) await LatencyTimer.Shared.DelayAsync(TimeSpan.FromMilliseconds(delay), cancellationToken).ConfigureAwait(false);
        if (settings.DropRate > 0 && Random.Shared.NextDouble() < settings.DropRate) return FaultOutcome.Drop;
        if (settings.ThrottleRate > 0 && Random.Shared.NextDouble() < settings.ThrottleRate) return FaultOutcome.Throttle;
        if (settings.ErrorRate > 0 && Random.Shared.NextDouble() < settings.ErrorRate) return FaultOutcome.Error;
        return FaultOutcome.Proceed;
    }
}
