using K8sServiceAccount.Client.Api;

namespace K8sServiceAccount.Client.Tests.Api;

public class DurationArgumentTests
{
    [Theory]
    [InlineData("30m", 1800)]
    [InlineData("1h30m", 5400)]
    [InlineData("3600s", 3600)]
    [InlineData("0", 0)]
    [InlineData("01:00:00", 3600)]
    [InlineData("1:30", 5400)]
    [InlineData("1.00:00:00", 86400)]
    [InlineData("-00:10:00", -600)]
    public void Reads_Go_durations_and_TimeSpan_text(string text, int seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), DurationArgument.Parse(text));
    }

    [Fact]
    public void Keeps_fractions_for_the_caller_to_judge()
    {
        // A token lifetime must be whole seconds, but that is TokenRequestOptions.Validate's check, not the parser's.
        Assert.Equal(TimeSpan.FromMilliseconds(1500), DurationArgument.Parse("1.5s"));
        Assert.Equal(TimeSpan.FromTicks(15), DurationArgument.Parse("1.5us"));
    }

    [Theory]
    [InlineData("3600", "time: missing unit in duration \"3600\"; a number needs a unit, e.g. 3600s for seconds")]
    [InlineData("1h30", "time: missing unit in duration \"1h30\".")]
    [InlineData("1d", "time: unknown unit \"d\" in duration \"1d\".")]
    [InlineData("", "time: invalid duration \"\".")]
    [InlineData("1:99:00", "it is not a TimeSpan")]
    [InlineData("1ns", "cannot hold it exactly")]
    [InlineData("150ns", "cannot hold it exactly")]
    public void Refusals_name_the_text_and_the_reason(string text, string reason)
    {
        var e = Assert.Throws<K8sClientException>(() => DurationArgument.Parse(text));
        Assert.Equal("InvalidDuration", e.ErrorId);
        Assert.Equal(K8sErrorCategory.InvalidArgument, e.Category);
        Assert.StartsWith($"Cannot read \"{text}\" as a duration: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
        Assert.EndsWith("Write " + DurationArgument.Examples + ".", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1.5s", "InvalidTokenDuration", "Duration 1.5s cannot be expressed in units less than seconds")]
    [InlineData("-1h", "InvalidTokenDuration", "Duration -1h0m0s is negative")]
    [InlineData("9m59s", "TokenDurationTooShort", "Duration 9m59s is too short")]
    [InlineData("1193046h28m17s", "TokenDurationTooLong", "Duration 1193046h28m17s is too long")]
    public void Token_checks_apply_to_the_parsed_value_as_kubectl_applies_them(string text, string errorId, string message)
    {
        var options = new TokenRequestOptions { Duration = DurationArgument.Parse(text) };
        var e = Assert.Throws<K8sClientException>(options.Validate);
        Assert.Equal(errorId, e.ErrorId);
        Assert.StartsWith(message, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("10m")]
    [InlineData("1h30m")]
    [InlineData("1193046h28m16s")]
    public void Whole_second_durations_from_10_minutes_to_2_to_the_32_seconds_pass_the_token_checks(string text)
    {
        new TokenRequestOptions { Duration = DurationArgument.Parse(text) }.Validate();
    }
}
