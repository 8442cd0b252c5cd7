using K8sServiceAccount.Client.Api;

namespace K8sServiceAccount.Client.Tests.Api;

/// <summary>
/// Go's time.ParseDuration rules, as kubectl create token --duration applies them. The error texts are Go's; the
/// accepted and refused texts were checked against kubectl 1.28 (which prints Go's parse errors verbatim).
/// </summary>
public class GoDurationTests
{
    private const long Second = 1_000_000_000;

    public static TheoryData<string, long> Accepted => new()
    {
        { "0", 0 },
        { "+0", 0 },
        { "-0", 0 },
        { "0s", 0 },
        { "0.0h", 0 },
        { "30m", 30 * 60 * Second },
        { "1h", 3600 * Second },
        { "1h30m", 5400 * Second },
        { "3600s", 3600 * Second },
        { "1h30m45s", 5445 * Second },
        { "30m1h", 5400 * Second },
        { "1h1h", 7200 * Second },
        { "1.5h", 5400 * Second },
        { ".5h", 1800 * Second },
        { "1.h", 3600 * Second },
        { "1.5s", 1_500_000_000 },
        { "-90s", -90 * Second },
        { "+5m", 300 * Second },
        { "-1h30m", -5400 * Second },
        { "1ns", 1 },
        { "1us", 1_000 },
        { "1\u00B5s", 1_000 },
        { "1\u03BCs", 1_000 },
        { "1ms", 1_000_000 },
        { "10m0.5s", 600_500_000_000 },
        { "0.000000001s", 1 },
        { "0.3333333333333333333h", 20 * 60 * Second },
        { "0.830103483285477580700h", (49 * 60 + 48) * Second + 372_539_827 },
        { "9007199254740993ns", (1L << 53) + 1 },
        { "9223372036854775807ns", long.MaxValue },
        { "9223372036854775.807us", long.MaxValue },
        { "-9223372036854775808ns", long.MinValue },
        { "2562047h", 2_562_047L * 3600 * Second },
        { "0010m", 600 * Second },
    };

    public static TheoryData<string, string> Refused => new()
    {
        { "", "time: invalid duration \"\"" },
        { "-", "time: invalid duration \"-\"" },
        { "+", "time: invalid duration \"+\"" },
        { "--1h", "time: invalid duration \"--1h\"" },
        { "s", "time: invalid duration \"s\"" },
        { ".s", "time: invalid duration \".s\"" },
        { "-.s", "time: invalid duration \"-.s\"" },
        { " 1h", "time: invalid duration \" 1h\"" },
        { "3600", "time: missing unit in duration \"3600\"" },
        { "1.5", "time: missing unit in duration \"1.5\"" },
        { "-10", "time: missing unit in duration \"-10\"" },
        { "1h30", "time: missing unit in duration \"1h30\"" },
        { "1d", "time: unknown unit \"d\" in duration \"1d\"" },
        { "1H", "time: unknown unit \"H\" in duration \"1H\"" },
        { "1sec", "time: unknown unit \"sec\" in duration \"1sec\"" },
        { "1h-30m", "time: unknown unit \"h-\" in duration \"1h-30m\"" },
        { "1 h", "time: unknown unit \" h\" in duration \"1 h\"" },
        { "1h ", "time: unknown unit \"h \" in duration \"1h \"" },
        { "1e3s", "time: unknown unit \"e\" in duration \"1e3s\"" },
        { "1,5h", "time: unknown unit \",\" in duration \"1,5h\"" },
        { "1\u00B5ss", "time: unknown unit \"\\xc2\\xb5ss\" in duration \"1\\xc2\\xb5ss\"" },
        { "1\"s", "time: unknown unit \"\\\"s\" in duration \"1\\\"s\"" },
        { "9999999999h", "time: invalid duration \"9999999999h\"" },
        { "2562048h", "time: invalid duration \"2562048h\"" },
        { "9223372036854775808ns", "time: invalid duration \"9223372036854775808ns\"" },
        { "-9223372036854775809ns", "time: invalid duration \"-9223372036854775809ns\"" },
        { "99999999999999999999s", "time: invalid duration \"99999999999999999999s\"" },
        { "5000000h5000000h", "time: invalid duration \"5000000h5000000h\"" },
    };

    [Theory]
    [MemberData(nameof(Accepted))]
    public void Accepts_what_Go_accepts_with_the_same_value(string text, long nanoseconds)
    {
        Assert.True(GoDuration.TryParse(text, out var parsed, out var error), error);
        Assert.Equal(nanoseconds, parsed);
        Assert.Equal(nanoseconds, GoDuration.Parse(text));
    }

    [Theory]
    [MemberData(nameof(Refused))]
    public void Refuses_what_Go_refuses_with_Gos_message(string text, string message)
    {
        Assert.False(GoDuration.TryParse(text, out var parsed, out var error));
        Assert.Equal(0, parsed);
        Assert.Equal(message, error);
        Assert.Equal(message, Assert.Throws<FormatException>(() => GoDuration.Parse(text)).Message);
    }

    [Theory]
    [InlineData(0L, "0s")]
    [InlineData(1L, "100ns")]
    [InlineData(15L, "1.5\u00B5s")]
    [InlineData(2_500_000L, "250ms")]
    [InlineData(15_000_000L, "1.5s")]
    [InlineData(600L * 10_000_000, "10m0s")]
    [InlineData(3600L * 10_000_000, "1h0m0s")]
    [InlineData(5445L * 10_000_000, "1h30m45s")]
    [InlineData(-90L * 10_000_000, "-1m30s")]
    [InlineData(6_005_000_000L, "10m0.5s")]
    [InlineData(4294967296L * 10_000_000, "1193046h28m16s")]
    public void Formats_as_Gos_Duration_String(long ticks, string expected)
    {
        Assert.Equal(expected, GoDuration.Format(TimeSpan.FromTicks(ticks)));
    }

    [Theory]
    [InlineData("1h30m45s")]
    [InlineData("10m0.5s")]
    [InlineData("-1m30s")]
    [InlineData("250ms")]
    public void Formatted_text_reads_back_as_the_same_duration(string text)
    {
        var duration = TimeSpan.FromTicks(GoDuration.Parse(text) / 100);
        Assert.Equal(text, GoDuration.Format(duration));
    }

    [Fact]
    public void The_largest_TimeSpans_format_without_overflow()
    {
        Assert.Equal("256204778h48m5.4775807s", GoDuration.Format(TimeSpan.MaxValue));
        Assert.Equal("-256204778h48m5.4775808s", GoDuration.Format(TimeSpan.MinValue));
    }
}
