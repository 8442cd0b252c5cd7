using System.Globalization;

namespace K8sServiceAccount;

/// <summary>
/// How the module's format views write times and ages, in one place (module/K8sServiceAccount.Format.ps1xml calls it).
/// Times are UTC marked with Z (2026-12-04 17:30:42Z) in every view; ages are kubectl's (5m, 3h, 12d).
/// The objects keep DateTime and TimeSpan values: only their display is decided here.
/// </summary>
public static class K8sDisplay
{
    /// <summary>The time in UTC as yyyy-MM-dd HH:mm:ssZ; empty for null.</summary>
    public static string Time(DateTime? time) =>
        time is { } t ? t.ToUniversalTime().ToString("u", CultureInfo.InvariantCulture) : string.Empty;

    /// <summary>
    /// The age as kubectl get prints it (k8s.io/apimachinery duration.HumanDuration): 45s, 2m30s, 15m, 3h20m, 20h, 5d4h,
    /// 30d, 2y100d, 9y; empty for null. A negative age (clock skew) is 0s.
    /// </summary>
    public static string Age(TimeSpan? age)
    {
        if (age is not { } a)
        {
            return string.Empty;
        }

        var s = (long)Math.Max(0, Math.Floor(a.TotalSeconds));
        var m = s / 60;
        var h = s / 3600;
        var d = s / 86400;
        var y = d / 365;
        if (s < 120) return $"{s}s";
        if (m < 10) return s % 60 == 0 ? $"{m}m" : $"{m}m{s % 60}s";
        if (m < 180) return $"{m}m";
        if (h < 8) return m % 60 == 0 ? $"{h}h" : $"{h}h{m % 60}m";
        if (h < 48) return $"{h}h";
        if (h < 192) return h % 24 == 0 ? $"{d}d" : $"{d}d{h % 24}h";
        if (d < 730) return $"{d}d";
        if (d < 2920) return d % 365 == 0 ? $"{y}y" : $"{y}y{d % 365}d";
        return $"{y}y";
    }

    /// <summary>A dictionary of string lists (Extra of an identity or a token review) as KEY=V1,V2 lines, sorted by key.</summary>
    public static string Extra(IDictionary<string, string[]>? extra) => extra is null
        ? string.Empty
        : string.Join(Environment.NewLine, extra.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => e.Key + "=" + string.Join(",", e.Value)));
}
