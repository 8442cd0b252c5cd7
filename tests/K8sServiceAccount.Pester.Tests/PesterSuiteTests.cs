using System.Diagnostics;
using System.Reflection;
using System.Text;
using Xunit.Abstractions;

namespace K8sServiceAccount.Pester.Tests;

/// <summary>
/// Runs tests/Pester through the pwsh that .config/dotnet-tools.json pins (restored here, so `dotnet test` alone is
/// enough on a fresh machine) and fails with Pester's failures. A pwsh or Pester that cannot run is a failure, never
/// a skip. The counts go to out/pester/summary.txt, which .ci/run adds to xunit's.
/// </summary>
public sealed class PesterSuiteTests(ITestOutputHelper output)
{
    private static readonly TimeSpan SuiteTimeout = TimeSpan.FromMinutes(20);

    private static string RepoRoot { get; } = typeof(PesterSuiteTests).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepoRoot").Value!;

    [Fact]
    public void The_Pester_suite_passes_in_the_pinned_pwsh()
    {
        var restore = Run("dotnet", ["tool", "restore"], TimeSpan.FromMinutes(5));
        Assert.True(restore.ExitCode == 0, $"dotnet tool restore failed ({restore.ExitCode}):\n{restore.Output}");

        var version = Run("dotnet", ["pwsh", "-NoProfile", "-NonInteractive", "-Command", "$PSVersionTable.PSVersion.ToString()"], TimeSpan.FromMinutes(2));
        Assert.True(version.ExitCode == 0, $"dotnet pwsh did not start ({version.ExitCode}):\n{version.Output}");
        Assert.Equal("7.6.10", version.Output.Trim());

        WaitForStagedModule();
        var script = Path.Combine(RepoRoot, "tests", "Pester", "Invoke-PesterSuite.ps1");
        var suite = Run("dotnet", ["pwsh", "-NoProfile", "-NonInteractive", "-File", script, "-Output", "Normal"], SuiteTimeout);
        output.WriteLine(suite.Output);
        var summary = Path.Combine(RepoRoot, "out", "pester", "summary.txt");
        Assert.True(File.Exists(summary), $"The Pester run wrote no summary (exit {suite.ExitCode}):\n{Tail(suite.Output)}");
        Assert.True(suite.ExitCode == 0, $"Pester: {File.ReadAllText(summary).Trim()} (exit {suite.ExitCode}):\n{Tail(suite.Output)}");
    }

    // `dotnet test K8sServiceAccount.sln` can start this test while the solution's build of the module is still staging
    // it (StageModule publishes the ReadyToRun client, which takes seconds): a fresh clone then had no manifest yet. The
    // target deletes out/K8sServiceAccount.staged when it starts and writes it when it ends.
    private static void WaitForStagedModule()
    {
        var stamp = Path.Combine(RepoRoot, "out", "K8sServiceAccount.staged");
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(10);
        var built = false;
        while (!File.Exists(stamp))
        {
            if (!built && DateTime.UtcNow > deadline - TimeSpan.FromMinutes(9))
            {
                // A minute without it: the build that stages may be queued behind this test. Stage it here.
                built = true;
                var build = Run("dotnet", ["build", Path.Combine(RepoRoot, "src", "K8sServiceAccount", "K8sServiceAccount.csproj")], TimeSpan.FromMinutes(8));
                Assert.True(build.ExitCode == 0, $"Staging the module failed ({build.ExitCode}):\n{Tail(build.Output)}");
            }

            Assert.True(DateTime.UtcNow < deadline, $"The module was not staged within 10 minutes ({stamp} is missing): build the solution.");
            Thread.Sleep(500);
        }
    }

    private static string Tail(string text) => text.Length <= 20_000 ? text : "...\n" + text[^20_000..];

    private static (int ExitCode, string Output) Run(string file, string[] arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = RepoRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        // The suite chooses its own connections: nothing of the caller's cluster may leak in.
        start.Environment.Remove("KUBECONFIG");
        start.Environment["POWERSHELL_TELEMETRY_OPTOUT"] = "1";
        start.Environment["POWERSHELL_UPDATECHECK"] = "Off";

        var text = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (text) text.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (text) text.AppendLine(e.Data); };
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            lock (text) return (-1, $"{file} {string.Join(' ', arguments)} did not finish within {timeout}:\n{text}");
        }
        process.WaitForExit();
        lock (text) return (process.ExitCode, text.ToString());
    }
}
