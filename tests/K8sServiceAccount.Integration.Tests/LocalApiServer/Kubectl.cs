using System.Diagnostics;

namespace K8sServiceAccount.Integration.Tests.LocalApiServer;

/// <summary>
/// Runs a kubectl (1.28 unless told: it sends JSON) with KUBECONFIG and HOME set for the child process only.
/// </summary>
public sealed class Kubectl : IDisposable
{
    public const string Path = "/usr/lib/google-cloud-sdk/bin/kubectl.1.28";

    private readonly string _home;
    private readonly string _kubeconfig;
    private readonly string _binary;

    public Kubectl(string kubeconfig, string version = "1.28")
    {
        _kubeconfig = kubeconfig;
        _binary = PathOf(version);
        if (!File.Exists(_binary)) throw new FileNotFoundException($"kubectl {version} is required at {_binary} (CI=true).", _binary);
        _home = Directory.CreateTempSubdirectory("kubectl-home-").FullName;
    }

    /// <summary>Where the Google Cloud SDK installs kubectl of a minor version (its kubectl dispatches among them).</summary>
    public static string PathOf(string version) => $"/usr/lib/google-cloud-sdk/bin/kubectl.{version}";

    /// <summary>A fresh discovery cache per instance, so a server started by this test is never answered from disk.</summary>
    public string CacheDirectory => System.IO.Path.Combine(_home, "cache");

    public async Task<KubectlResult> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo(_binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("--cache-dir");
        start.ArgumentList.Add(CacheDirectory);
        foreach (string arg in args) start.ArgumentList.Add(arg);
        start.Environment["KUBECONFIG"] = _kubeconfig;
        start.Environment["HOME"] = _home;
        using var process = Process.Start(start) ?? throw new InvalidOperationException("kubectl did not start");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        return new KubectlResult(process.ExitCode, await stdout, await stderr);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_home, recursive: true);
        }
        catch (IOException)
        {
            // Temporary files; harmless if left.
        }
    }
}

public sealed record KubectlResult(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit {ExitCode}\nstdout: {Output}\nstderr: {Error}";
}
