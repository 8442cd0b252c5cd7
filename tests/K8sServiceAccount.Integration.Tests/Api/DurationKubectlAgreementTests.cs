using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using K8sServiceAccount.Client;
using K8sServiceAccount.Client.Api;
using K8sServiceAccount.Integration.Tests.LocalApiServer;

namespace K8sServiceAccount.Integration.Tests.Api;

/// <summary>
/// kubectl 1.28 create token --duration (which no one here wrote) against the local API server, as the oracle for
/// what -Duration makes of the same text: Go's parse errors, kubectl's own checks (negative, fractions of a second),
/// the server's bounds, and the lifetime of the token issued.
/// </summary>
public sealed partial class DurationKubectlAgreementTests : IClassFixture<ServerFixture>
{
    // Texts a kubectl user might type; every one ends in a different verdict or exercises a different rule.
    private static readonly string[] Texts =
    [
        "20m", "1h30m", "1.5h", ".5h", "1h1h", "0", "-0", "10m0s", "600000ms",
        "1.5s", "10m0.5s", "-1h", "5m", "2562047h",
        "3600", "1d", "1h-30m", "", "9999999999h", "1 h",
    ];

    private readonly ServerFixture server;

    public DurationKubectlAgreementTests(ServerFixture server) => this.server = server;

    [KubectlFact]
    public async Task DurationMeansWhatKubectlCreateTokenMakesOfIt()
    {
        using var kubectl = new Kubectl(server.Host.KubeconfigPath);
        var ns = "t-" + Guid.NewGuid().ToString("N")[..10];
        Assert.Equal(0, (await kubectl.RunAsync("create", "namespace", ns)).ExitCode);
        await server.Host.WaitForControllersAsync();
        Assert.Equal(0, (await kubectl.RunAsync("create", "serviceaccount", "app", "-n", ns)).ExitCode);

        var disagreements = new List<string>();
        foreach (var text in Texts)
        {
            var theirs = KubectlVerdict(await kubectl.RunAsync("create", "token", "app", "-n", ns, "--duration", text));
            var ours = OurVerdict(text);
            if (theirs != ours)
            {
                disagreements.Add($"\"{text}\": kubectl {theirs}; ours {ours}");
            }
        }

        Assert.True(disagreements.Count == 0, string.Join("\n", disagreements));
    }

    private static string OurVerdict(string text)
    {
        TimeSpan duration;
        try
        {
            duration = DurationArgument.Parse(text);
        }
        catch (K8sClientException e) when (e.ErrorId == "InvalidDuration")
        {
            Assert.False(GoDuration.TryParse(text, out _, out var goError), e.Message);
            Assert.Contains(goError, e.Message, StringComparison.Ordinal);
            return "syntax: " + goError;
        }

        var options = new TokenRequestOptions { Duration = duration };
        try
        {
            options.Validate();
        }
        catch (K8sClientException e)
        {
            return e.ErrorId switch
            {
                "InvalidTokenDuration" when duration < TimeSpan.Zero => "negative",
                "InvalidTokenDuration" => "fraction of a second",
                "TokenDurationTooShort" => "under 10 minutes: " + (long)duration.TotalSeconds,
                "TokenDurationTooLong" => "over 2^32 seconds: " + (long)duration.TotalSeconds,
                _ => e.ErrorId,
            };
        }

        return "lifetime: " + (long)(options.EffectiveDuration ?? TimeSpan.FromHours(1)).TotalSeconds;
    }

    private static string KubectlVerdict(KubectlResult result)
    {
        var error = result.Error;
        if (result.ExitCode == 0)
        {
            var claims = JsonNode.Parse(Convert.FromBase64String(Base64(result.Output.Trim().Split('.')[1])))!;
            return "lifetime: " + (claims["exp"]!.GetValue<long>() - claims["iat"]!.GetValue<long>());
        }

        if (FlagError().Match(error) is { Success: true } flag)
        {
            return "syntax: " + flag.Groups["go"].Value;
        }

        if (error.Contains("--duration must be positive", StringComparison.Ordinal) ||
            error.Contains("--duration must be greater than or equal to 0", StringComparison.Ordinal))
        {
            return "negative";
        }

        if (error.Contains("--duration cannot be expressed in units less than seconds", StringComparison.Ordinal))
        {
            return "fraction of a second";
        }

        if (ServerRefusal().Match(error) is { Success: true } refusal)
        {
            return (refusal.Groups["bound"].Value == "less than 10 minutes" ? "under 10 minutes: " : "over 2^32 seconds: ") +
                refusal.Groups["seconds"].Value;
        }

        return result.ToString();
    }

    private static string Base64(string segment)
    {
        segment = segment.Replace('-', '+').Replace('_', '/');
        return segment + new string('=', (4 - segment.Length % 4) % 4);
    }

    [GeneratedRegex("""for "--duration" flag: (?<go>time: .*)$""", RegexOptions.Multiline)]
    private static partial Regex FlagError();

    [GeneratedRegex("""spec\.expirationSeconds: Invalid value: (?<seconds>\d+): may not specify a duration (?<bound>less than 10 minutes|larger than 2\^32 seconds)""")]
    private static partial Regex ServerRefusal();
}
