using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace K8sServiceAccount.Client.Api;

/// <summary>
/// Durations in the syntax of Go's time.ParseDuration, which kubectl's duration flags take (create token --duration):
/// an optional sign, then one or more decimal numbers, each with an optional fraction and a unit, as in "30m",
/// "1h30m", "1.5h", ".5s" or "-90s". Units: ns, us (or µs / μs), ms, s, m, h; "0" alone needs no unit. Values are
/// exact nanoseconds within Go's range (±2^63 ns, about 292 years), and failures carry Go's own messages, which
/// is what users search for.
/// </summary>
public static class GoDuration
{
    /// <summary>The units Go accepts, in nanoseconds; the two micro signs are U+00B5 (micro) and U+03BC (Greek mu).</summary>
    public static readonly IReadOnlyDictionary<string, ulong> Units = new Dictionary<string, ulong>(StringComparer.Ordinal)
    {
        ["ns"] = 1,
        ["us"] = 1_000,
        ["\u00B5s"] = 1_000,
        ["\u03BCs"] = 1_000,
        ["ms"] = 1_000_000,
        ["s"] = NanosecondsPerSecond,
        ["m"] = NanosecondsPerMinute,
        ["h"] = NanosecondsPerHour,
    };

    private const ulong NanosecondsPerSecond = 1_000_000_000;
    private const ulong NanosecondsPerMinute = 60 * NanosecondsPerSecond;
    private const ulong NanosecondsPerHour = 60 * NanosecondsPerMinute;

    // The magnitude of the most negative duration; positive ones stop one below it.
    private const ulong MagnitudeLimit = 1UL << 63;

    /// <summary>Parses <paramref name="text"/> as Go does; on failure <paramref name="error"/> is Go's message.</summary>
    public static bool TryParse(string text, out long nanoseconds, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        nanoseconds = 0;
        error = null;

        var position = 0;
        var negative = false;
        if (text.Length > 0 && text[0] is '-' or '+')
        {
            negative = text[0] == '-';
            position = 1;
        }

        if (text.AsSpan(position).SequenceEqual("0"))
        {
            return true;
        }

        if (position == text.Length)
        {
            error = InvalidDuration(text);
            return false;
        }

        ulong magnitude = 0;
        while (position < text.Length)
        {
            if (!TryReadTerm(text, ref position, out var term, out error))
            {
                return false;
            }

            // Go adds in unsigned 64-bit arithmetic and checks after each term; kept identical so the same texts pass.
            magnitude = unchecked(magnitude + term);
            if (magnitude > MagnitudeLimit)
            {
                error = InvalidDuration(text);
                return false;
            }
        }

        if (negative)
        {
            nanoseconds = unchecked(-(long)magnitude);
            return true;
        }

        if (magnitude > long.MaxValue)
        {
            error = InvalidDuration(text);
            return false;
        }

        nanoseconds = (long)magnitude;
        return true;
    }

    /// <summary>Parses <paramref name="text"/> as Go does; throws <see cref="FormatException"/> with Go's message.</summary>
    public static long Parse(string text) =>
        TryParse(text, out var nanoseconds, out var error) ? nanoseconds : throw new FormatException(error);

    /// <summary>
    /// Writes a duration as Go's Duration.String does ("1h30m0s", "1.5s", "250ms", "0s"), so messages show a value
    /// the way kubectl users write it.
    /// </summary>
    public static string Format(TimeSpan duration)
    {
        if (duration == TimeSpan.Zero)
        {
            return "0s";
        }

        var builder = new StringBuilder();
        if (duration < TimeSpan.Zero)
        {
            builder.Append('-');
        }

        // 128 bits: TimeSpan's range in nanoseconds exceeds 64 bits.
        var nanoseconds = (UInt128)Int128.Abs(duration.Ticks) * 100;
        if (nanoseconds < NanosecondsPerSecond)
        {
            var (unit, size) = nanoseconds < 1_000 ? ("ns", 1UL)
                : nanoseconds < 1_000_000 ? ("\u00B5s", 1_000UL)
                : ("ms", 1_000_000UL);
            return AppendDecimal(builder, nanoseconds, size).Append(unit).ToString();
        }

        var hours = nanoseconds / NanosecondsPerHour;
        var minutes = nanoseconds % NanosecondsPerHour / NanosecondsPerMinute;
        if (hours > 0)
        {
            builder.Append(hours.ToString(CultureInfo.InvariantCulture)).Append('h');
        }

        if (hours > 0 || minutes > 0)
        {
            builder.Append(minutes.ToString(CultureInfo.InvariantCulture)).Append('m');
        }

        return AppendDecimal(builder, nanoseconds % NanosecondsPerMinute, NanosecondsPerSecond).Append('s').ToString();
    }

    /// <summary>One number, its optional fraction and its unit, starting at <paramref name="position"/>.</summary>
    private static bool TryReadTerm(string text, ref int position, out ulong nanoseconds, [NotNullWhen(false)] out string? error)
    {
        nanoseconds = 0;
        error = null;
        if (text[position] != '.' && !char.IsAsciiDigit(text[position]))
        {
            error = InvalidDuration(text);
            return false;
        }

        var wholeStart = position;
        ulong whole = 0;
        for (; position < text.Length && char.IsAsciiDigit(text[position]); position++)
        {
            if (whole > MagnitudeLimit / 10 || whole * 10 + Digit(text[position]) > MagnitudeLimit)
            {
                error = InvalidDuration(text);
                return false;
            }

            whole = whole * 10 + Digit(text[position]);
        }

        var hasWhole = position > wholeStart;
        var hasFraction = false;
        ulong fraction = 0;
        double fractionScale = 1;
        if (position < text.Length && text[position] == '.')
        {
            position++;
            var fractionStart = position;
            var saturated = false;
            for (; position < text.Length && char.IsAsciiDigit(text[position]); position++)
            {
                // Digits beyond 64-bit precision are read but ignored, as in Go.
                if (saturated || fraction > (MagnitudeLimit - 1) / 10 || fraction * 10 + Digit(text[position]) > MagnitudeLimit)
                {
                    saturated = true;
                    continue;
                }

                fraction = fraction * 10 + Digit(text[position]);
                fractionScale *= 10;
            }

            hasFraction = position > fractionStart;
        }

        if (!hasWhole && !hasFraction)
        {
            error = InvalidDuration(text);
            return false;
        }

        // The unit is everything up to the next number, so "1h-30m" names the unit "h-" as Go does.
        var unitStart = position;
        while (position < text.Length && text[position] != '.' && !char.IsAsciiDigit(text[position]))
        {
            position++;
        }

        if (position == unitStart)
        {
            error = "time: missing unit in duration " + Quote(text);
            return false;
        }

        var unitName = text[unitStart..position];
        if (!Units.TryGetValue(unitName, out var unit))
        {
            error = "time: unknown unit " + Quote(unitName) + " in duration " + Quote(text);
            return false;
        }

        if (whole > MagnitudeLimit / unit)
        {
            error = InvalidDuration(text);
            return false;
        }

        nanoseconds = whole * unit;
        if (fraction > 0)
        {
            // Double precision, truncated, as Go computes it: exact to the nanosecond for fractions of an hour.
            nanoseconds += (ulong)(fraction * (unit / fractionScale));
            if (nanoseconds > MagnitudeLimit)
            {
                error = InvalidDuration(text);
                return false;
            }
        }

        return true;
    }

    private static ulong Digit(char c) => (ulong)(c - '0');

    private static string InvalidDuration(string text) => "time: invalid duration " + Quote(text);

    /// <summary>Go's quoting in time errors: double quotes, backslash before " and \, and \xNN for each UTF-8 byte of anything outside printable ASCII.</summary>
    private static string Quote(string text)
    {
        var builder = new StringBuilder(text.Length + 2).Append('"');
        Span<byte> utf8 = stackalloc byte[4];
        foreach (var rune in text.EnumerateRunes())
        {
            if (rune.Value is < ' ' or >= 0x80)
            {
                var length = rune.EncodeToUtf8(utf8);
                foreach (var b in utf8[..length])
                {
                    builder.Append("\\x").Append(b.ToString("x2", CultureInfo.InvariantCulture));
                }

                continue;
            }

            if (rune.Value is '"' or '\\')
            {
                builder.Append('\\');
            }

            builder.Append((char)rune.Value);
        }

        return builder.Append('"').ToString();
    }

    private static StringBuilder AppendDecimal(StringBuilder builder, UInt128 value, ulong size)
    {
        builder.Append((value / size).ToString(CultureInfo.InvariantCulture));
        var remainder = value % size;
        if (remainder != 0)
        {
            var digits = size.ToString(CultureInfo.InvariantCulture).Length - 1;
            builder.Append('.').Append(remainder.ToString(CultureInfo.InvariantCulture).PadLeft(digits, '0').TrimEnd('0'));
        }

        return builder;
    }
}
