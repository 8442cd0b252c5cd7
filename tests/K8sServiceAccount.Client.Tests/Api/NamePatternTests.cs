using K8sServiceAccount.Client.Api;

namespace K8sServiceAccount.Client.Tests.Api;

public class NamePatternTests
{
    [Fact]
    public void Plain_name_is_a_literal()
    {
        var pattern = NamePattern.Parse("sample-sa");
        Assert.False(pattern.IsWildcard);
        Assert.Equal("sample-sa", pattern.Literal);
        Assert.True(pattern.IsMatch("sample-sa"));
        Assert.False(pattern.IsMatch("sample-sa2"));
    }

    [Theory]
    [InlineData("app-*", "app-web", true)]
    [InlineData("app-*", "app-", true)]
    [InlineData("app-*", "my-app-web", false)]
    [InlineData("*-sa", "sample-sa", true)]
    [InlineData("b?t", "bot", true)]
    [InlineData("b?t", "boot", false)]
    [InlineData("[abc]x", "bx", true)]
    [InlineData("[abc]x", "dx", false)]
    [InlineData("[a-c]*", "cat", true)]
    [InlineData("[a-c]*", "dog", false)]
    [InlineData("APP-*", "app-web", true)]
    [InlineData("*", "anything.at.all", true)]
    [InlineData("a.b*", "axb", false)]
    public void Wildcards_match_like_PowerShell(string pattern, string name, bool expected)
    {
        var parsed = NamePattern.Parse(pattern);
        Assert.True(parsed.IsWildcard);
        Assert.Equal(expected, parsed.IsMatch(name));
    }

    [Fact]
    public void Backtick_escapes_a_wildcard_character()
    {
        var pattern = NamePattern.Parse("a`*b");
        Assert.False(pattern.IsWildcard);
        Assert.Equal("a*b", pattern.Literal);
        Assert.False(pattern.IsMatch("axxb"));
    }

    [Fact]
    public void Unclosed_bracket_is_an_error_naming_the_pattern()
    {
        var e = Assert.Throws<K8sClientException>(() => NamePattern.Parse("app[x"));
        Assert.Equal("InvalidNamePattern", e.ErrorId);
        Assert.Contains("app[x", e.Message);
    }
}
