using K8sServiceAccount.LocalApiServer;

namespace K8sServiceAccount.Integration.Tests.LocalApiServer;

public sealed class ProgramOptionsTests
{
    [Fact]
    public void EveryOptionMapsToItsSetting()
    {
        LocalApiServerOptions options = Program.Parse(
        [
            "--port", "6443", "--kubeconfig=/tmp/kc", "--state-dir", "/tmp/state", "--token", "t1=alice:devs,ops",
            "--token", "t2=bob", "--issuer", "https://issuer", "--api-audience", "a1", "--max-token-expiration", "3600",
            "--anonymous-auth", "false", "--latency", "5", "--jitter", "2", "--error-rate", "0.1", "--throttle-rate", "0.2",
            "--retry-after", "3", "--drop-rate", "0.05", "--no-token-controller", "--verbose", "--secrets-log", "/tmp/s.log",
        ], out bool help);

        Assert.False(help);
        Assert.Equal((6443, "/tmp/kc", "/tmp/state"), (options.Port, options.KubeconfigPath, options.StateDirectory));
        Assert.Equal(new StaticToken("t1", "alice", ["devs", "ops"]).Groups, options.StaticTokens[0].Groups);
        Assert.Equal(("bob", 0), (options.StaticTokens[1].User, options.StaticTokens[1].Groups.Count));
        Assert.Equal(("https://issuer", "a1", 3600L), (options.Issuer, options.ApiAudiences.Single(), options.MaxTokenExpirationSeconds!.Value));
        Assert.False(options.AnonymousAuth);
        Assert.Equal((5, 2, 0.1, 0.2, 3, 0.05), (options.Faults.LatencyMilliseconds, options.Faults.JitterMilliseconds,
            options.Faults.ErrorRate, options.Faults.ThrottleRate, options.Faults.RetryAfterSeconds, options.Faults.DropRate));
        Assert.False(options.TokenController);
        Assert.True(options.Verbose);
        Assert.Equal("/tmp/s.log", options.SecretsLog);
        Assert.Null(Program.Parse([], out _).SecretsLog);
    }

    [Fact]
    public void TokenControllerRunsUnlessDisabled()
    {
        Assert.True(Program.Parse([], out _).TokenController);
        Assert.False(Program.Parse(["--no-token-controller"], out _).TokenController);
    }

    [Theory]
    [InlineData("--port", "70000")]
    [InlineData("--error-rate", "1.5")]
    [InlineData("--anonymous-auth", "maybe")]
    [InlineData("--token", "no-equals-sign")]
    [InlineData("--max-token-expiration", "60")]
    [InlineData("--bogus", "x")]
    public void BadValuesNameTheOption(string option, string value)
    {
        FormatException error = Assert.Throws<FormatException>(() => Program.Parse([option, value], out _));
        Assert.Contains(option, error.Message);
        Assert.DoesNotContain("no-equals-sign", error.Message);
    }

    [Fact]
    public void HelpIsRecognised()
    {
        Program.Parse(["--help"], out bool help);
        Assert.True(help);
    }
}
