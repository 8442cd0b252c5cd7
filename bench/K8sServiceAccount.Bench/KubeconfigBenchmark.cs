using System.Diagnostics;
using System.Text;
using K8sServiceAccount.Client.Config;

namespace K8sServiceAccount.Bench;

/// <summary>
/// Scenario <c>kubeconfig</c>: resolving a connection from a KUBECONFIG of 3 files holding 100 contexts
/// (clusters with CA data, token users, a current-context in the second file), in-process and warm, beside
/// <c>kubectl config view --minify</c> as a whole process with the same KUBECONFIG. Also reports the in-process
/// figure with the parse cache bypassed, so the cost of parsing is visible. Options:
/// <c>--runs N</c> (in-process, default 2000), <c>--kubectl-runs N</c> (default 20), <c>--kubectl PATH</c>.
/// </summary>
public static class KubeconfigBenchmark
{
    private const int Files = 3;
    private const int Contexts = 100;

    public static int Run(string[] args)
    {
        var runs = IntOption(args, "--runs", 2000);
        var kubectlRuns = IntOption(args, "--kubectl-runs", 20);
        var kubectl = StringOption(args, "--kubectl", "/usr/bin/kubectl");

        var directory = Directory.CreateTempSubdirectory("k8ssa-bench-kubeconfig-");
        try
        {
            var kubeconfig = WriteKubeconfigs(directory.FullName);
            var environment = new KubeconfigOnlyEnvironment(kubeconfig);
            var request = new ConnectionRequest();

            // Warm up: JIT, YamlDotNet's first use, file cache.
            for (var i = 0; i < 200; i++)
            {
                ConnectionResolver.Resolve(request, environment);
            }

            var resolved = ConnectionResolver.Resolve(request, environment);
            var ours = new double[runs];
            for (var i = 0; i < runs; i++)
            {
                var start = Stopwatch.GetTimestamp();
                ConnectionResolver.Resolve(request, environment);
                ours[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }

            // Cold parse: the same resolution with the parse cache bypassed, so every run parses all three files.
            var cold = new double[Math.Max(runs / 4, 1)];
            for (var i = 0; i < cold.Length; i++)
            {
                var start = Stopwatch.GetTimestamp();
                var config = KubeconfigLoader.Load(null, environment, useParseCache: false);
                ConnectionResolver.FromKubeconfig(config, request, ConnectionSource.Kubeconfig, "benchmark", environment);
                cold[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }

            var theirs = File.Exists(kubectl) ? RunKubectl(kubectl, kubeconfig, kubectlRuns, resolved.ContextName!) : null;

            Console.WriteLine($"scenario kubeconfig: {Files} files, {Contexts} contexts, current-context {resolved.ContextName} -> {resolved.Server}");
            Console.WriteLine($"| measurement | runs | median ms | p90 ms |");
            Console.WriteLine($"|---|---|---|---|");
            Console.WriteLine($"| ConnectionResolver.Resolve (in-process, warm) | {runs} | {Median(ours):F3} | {Percentile(ours, 0.9):F3} |");
            Console.WriteLine($"| same, parse cache bypassed (every file parsed) | {cold.Length} | {Median(cold):F3} | {Percentile(cold, 0.9):F3} |");
            if (theirs is null)
            {
                Console.WriteLine($"| kubectl config view --minify (process) | 0 | n/a ({kubectl} not found) | n/a |");
            }
            else
            {
                Console.WriteLine($"| kubectl config view --minify (process) | {kubectlRuns} | {Median(theirs):F1} | {Percentile(theirs, 0.9):F1} |");
                Console.WriteLine($"ratio kubectl/ours (medians): {Median(theirs) / Median(ours):F0}x");
            }

            var goalMet = Median(ours) <= 5.0;
            Console.WriteLine($"goal median <= 5 ms: {(goalMet ? "met" : "NOT met")}");
            return goalMet ? 0 : 1;
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <summary>Writes the three files and returns the KUBECONFIG value naming them.</summary>
    private static string WriteKubeconfigs(string directory)
    {
        var ca = Convert.ToBase64String(Encoding.ASCII.GetBytes(BenchCertificate.Pem));
        var paths = new string[Files];
        for (var file = 0; file < Files; file++)
        {
            var text = new StringBuilder("apiVersion: v1\nkind: Config\n");
            text.Append(file == 1 ? "current-context: ctx-050\n" : string.Empty);
            var indices = Enumerable.Range(0, Contexts).Where(i => i % Files == file).ToArray();
            text.Append("clusters:\n");
            foreach (var i in indices)
            {
                text.Append($"- name: cluster-{i:D3}\n  cluster:\n    server: https://cluster-{i:D3}.bench.test:6443\n    certificate-authority-data: {ca}\n");
            }

            text.Append("users:\n");
            foreach (var i in indices)
            {
                text.Append($"- name: user-{i:D3}\n  user:\n    token: bench-token-{i:D3}\n");
            }

            text.Append("contexts:\n");
            foreach (var i in indices)
            {
                text.Append($"- name: ctx-{i:D3}\n  context:\n    cluster: cluster-{i:D3}\n    user: user-{i:D3}\n    namespace: ns-{i:D3}\n");
            }

            paths[file] = Path.Combine(directory, $"config-{file + 1}.yaml");
            File.WriteAllText(paths[file], text.ToString());
        }

        return string.Join(Path.PathSeparator, paths);
    }

    private static double[] RunKubectl(string kubectl, string kubeconfig, int runs, string expectedContext)
    {
        var home = Directory.CreateTempSubdirectory("k8ssa-bench-home-");
        try
        {
            var times = new double[runs];
            for (var i = -1; i < runs; i++)
            {
                var start = new ProcessStartInfo(kubectl)
                {
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                    UseShellExecute = false,
                };
                foreach (var argument in new[] { "config", "view", "--minify", "-o", "jsonpath={.current-context}" })
                {
                    start.ArgumentList.Add(argument);
                }

                start.Environment["KUBECONFIG"] = kubeconfig;
                start.Environment["HOME"] = home.FullName;
                var began = Stopwatch.GetTimestamp();
                using var process = Process.Start(start)!;
                var output = process.StandardOutput.ReadToEnd();
                process.WaitForExit();
                var elapsed = Stopwatch.GetElapsedTime(began).TotalMilliseconds;
                if (process.ExitCode != 0 || output.Trim() != expectedContext)
                {
                    throw new InvalidOperationException($"kubectl disagreed: exit {process.ExitCode}, context '{output.Trim()}', expected '{expectedContext}'.");
                }

                if (i >= 0)
                {
                    times[i] = elapsed; // run -1 warms the page cache and is not counted
                }
            }

            return times;
        }
        finally
        {
            home.Delete(recursive: true);
        }
    }

    private static double Median(double[] values) => Percentile(values, 0.5);

    private static double Percentile(double[] values, double quantile)
    {
        var sorted = values.Order().ToArray();
        var position = quantile * (sorted.Length - 1);
        var lower = (int)Math.Floor(position);
        var upper = (int)Math.Ceiling(position);
        return sorted[lower] + ((sorted[upper] - sorted[lower]) * (position - lower));
    }

    private static int IntOption(string[] args, string name, int fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length && int.TryParse(args[index + 1], out var value) && value > 0 ? value : fallback;
    }

    private static string StringOption(string[] args, string name, string fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
    }

    /// <summary>The real machine, except that KUBECONFIG is the benchmark's (the process environment is left alone).</summary>
    private sealed class KubeconfigOnlyEnvironment(string kubeconfig) : ISystemEnvironment
    {
        public string? GetEnvironmentVariable(string name) =>
            name == KubeconfigLoader.KubeconfigVariable ? kubeconfig : SystemEnvironment.Instance.GetEnvironmentVariable(name);

        public bool FileExists(string path) => File.Exists(path);

        public byte[] ReadAllBytes(string path) => File.ReadAllBytes(path);

        public string? HomeDirectory => SystemEnvironment.Instance.HomeDirectory;

        public string CurrentDirectory => SystemEnvironment.Instance.CurrentDirectory;

        public DateTimeOffset UtcNow => DateTimeOffset.UtcNow;
    }
}
