using System.Diagnostics;

namespace K8sServiceAccount.Integration.Tests.LocalApiServer;

/// <summary>Runs kubectl 1.28 (it sends JSON) with KUBECONFIG and HOME set for the child process only.</summary>
public sealed class Kubectl : IDisposable
{
    public const string Path = "/usr/lib/google-cloud-sdk/bin/kubectl.1.28";

    private readonly string _home;
    private readonly string _kubeconfig;

    public Kubectl(string kubeconfig)
    {
        _kubeconfig = kubeconfig;
        _home = Directory.CreateTempSubdirectory("kubectl-home-").FullName;
        if (!File.Exists(Path)) throw new FileNotFoundException($"kubectl 1.28 is required at {Path} (CI=true).", Path);
    }

    /// <summary>A fresh discovery cache per instance, so a server started by this test is never answered from disk.</summary>
    public string CacheDirectory => System.IO.Path.Combine(_home, "cache");

    public async Task<KubectlResult> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo(Path)
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
