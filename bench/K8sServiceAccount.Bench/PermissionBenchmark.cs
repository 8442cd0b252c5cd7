using System.Diagnostics;
using K8sServiceAccount.Client.Config;
using K8sServiceAccount.Client.Http;
using K8sServiceAccount.Client.Models;
using K8sServiceAccount.Client.Permissions;
using K8sServiceAccount.Client.Rbac;
using K8sServiceAccount.LocalApiServer;
using K8sServiceAccount.LocalApiServer.Faults;

namespace K8sServiceAccount.Bench;

/// <summary>
/// Scenario <c>permissions</c>: 5,000 checks (100 ServiceAccounts in 10 namespaces x 50 verb/resource pairs) against the
/// in-process local API server with 2 ms injected latency per request, three ways side by side:
/// (a) kubectl 1.28 <c>auth can-i VERB RESOURCE -n NS --as system:serviceaccount:NS:NAME</c>, one process per check
/// (a sample, extrapolated to 5,000); (b) <see cref="PermissionChecker"/> batch over SubjectAccessReview with bounded
/// concurrency; (c) <see cref="RbacSnapshot"/>: read the RBAC objects once, evaluate locally.
/// Options: <c>--kubectl PATH</c> (default the 1.28 binary), <c>--kubectl-sample N</c> (default 30),
/// <c>--concurrency N[,N...]</c> (default 32,16,64: the first is also the cold batch's; 16 is Test-K8sPermission's default
/// -ThrottleLimit), <c>--runs N</c> (repetitions of b per concurrency and of c, default 5), <c>--latency-ms N</c> (default 2).
/// </summary>
public static class PermissionBenchmark
{
    private static readonly string[] Verbs = ["get", "list", "create", "update", "delete"];
    private static readonly string[] Resources =
        ["pods", "secrets", "configmaps", "serviceaccounts", "deployments", "replicasets", "statefulsets", "daemonsets", "roles", "rolebindings"];

    public static int Run(string[] args)
    {
        var kubectl = StringOption(args, "--kubectl", "/usr/lib/google-cloud-sdk/bin/kubectl.1.28");
        var sample = IntOption(args, "--kubectl-sample", 30);
        var concurrencies = IntListOption(args, "--concurrency", [32, 16, 64]);
        var runs = IntOption(args, "--runs", 5);
        var latency = IntOption(args, "--latency-ms", 2);
        return RunAsync(kubectl, sample, concurrencies, runs, latency).GetAwaiter().GetResult();
    }

    private static async Task<int> RunAsync(string kubectl, int sample, IReadOnlyList<int> concurrencies, int runs, int latencyMs)
    {
        var directory = Directory.CreateTempSubdirectory("k8ssa-bench-perms-");
        try
        {
            await using var host = await LocalApiServerHost.StartAsync(new LocalApiServerOptions { KubeconfigPath = Path.Combine(directory.FullName, "admin.kubeconfig") });
            using var admin = KubernetesConnection.Create(ConnectionResolver.Resolve(new ConnectionRequest { KubeconfigPath = host.KubeconfigPath }, SystemEnvironment.Instance));
            await SeedAsync(admin);
            var checks = Checks();
            host.Faults.Settings = new FaultSettings { LatencyMilliseconds = latencyMs };

            // (b) SubjectAccessReview batch. The first full batch in the process is reported on its own (cold: the JIT
            // compiles and then re-compiles, at higher tiers, the thousands of methods of HTTP/2, TLS, JSON and the
            // in-process server). Then batches are repeated, uncounted, until the JIT has settled, and only then timed.
            var checker = new PermissionChecker(admin);
            var coldCpu = CpuTime();
            var coldStart = Stopwatch.GetTimestamp();
            var serverAnswers = await BatchAsync(checker, checks, concurrencies[0]);
            var cold = Stopwatch.GetElapsedTime(coldStart).TotalMilliseconds;
            var coldCpuPerCheck = (CpuTime() - coldCpu).TotalMicroseconds / checks.Count;
            var (warmupBatches, warmupJit) = await WarmUpAsync(checker, checks, concurrencies[0]);

            var batchRows = new List<(int Concurrency, double Median, double CpuPerCheckUs)>();
            foreach (var concurrency in concurrencies)
            {
                var batchTimes = new List<double>();
                var cpu = CpuTime();
                for (var i = 0; i < runs; i++)
                {
                    var batchStart = Stopwatch.GetTimestamp();
                    var answers = await BatchAsync(checker, checks, concurrency);
                    batchTimes.Add(Stopwatch.GetElapsedTime(batchStart).TotalMilliseconds);
                    serverAnswers = answers;
                }
                batchRows.Add((concurrency, Median(batchTimes), (CpuTime() - cpu).TotalMicroseconds / runs / checks.Count));
            }

            // (c) Snapshot: load (4 paged lists, with the injected latency) + 5,000 local evaluations.
            var loadTimes = new List<double>();
            var evalTimes = new List<double>();
            IReadOnlyList<PermissionCheckResult> localAnswers = [];
            for (var i = 0; i <= runs; i++)
            {
                var start = Stopwatch.GetTimestamp();
                var snapshot = await RbacSnapshot.LoadAsync(admin);
                var loaded = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                start = Stopwatch.GetTimestamp();
                var answers = new List<PermissionCheckResult>(checks.Count);
                foreach (var check in checks)
                {
                    answers.Add(await snapshot.CheckAsync(check));
                }
                var evaluated = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                if (i > 0)
                {
                    loadTimes.Add(loaded);
                    evalTimes.Add(evaluated);
                }
                localAnswers = answers;
            }

            var disagreements = serverAnswers.Zip(localAnswers).Count(p => p.First.Allowed != p.Second.Allowed);
            var allowed = serverAnswers.Count(a => a.Allowed);

            // (a) kubectl, one process per check, on an evenly spread sample.
            double? kubectlMedian = null;
            var kubectlDisagreements = 0;
            if (File.Exists(kubectl) && sample > 0)
            {
                var cacheDir = Path.Combine(directory.FullName, "kubectl-cache");
                var times = new List<double>();
                var step = checks.Count / sample;
                RunKubectl(kubectl, host.KubeconfigPath, cacheDir, checks[0]); // fills kubectl's discovery cache, as on a user's machine
                for (var i = 0; i < sample; i++)
                {
                    var index = i * step;
                    var start = Stopwatch.GetTimestamp();
                    var yes = RunKubectl(kubectl, host.KubeconfigPath, cacheDir, checks[index]);
                    times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                    kubectlDisagreements += yes == serverAnswers[index].Allowed ? 0 : 1;
                }
                kubectlMedian = Median(times);
            }

            var batch = batchRows[0].Median;
            var load = Median(loadTimes);
            var eval = Median(evalTimes);
            var snapshotTotal = load + eval;
            Console.WriteLine($"scenario permissions: {checks.Count} checks = 100 ServiceAccounts x {Verbs.Length * Resources.Length} verb/resource pairs; " +
                $"server latency {latencyMs} ms/request; {allowed} allowed; batch vs snapshot disagreements: {disagreements}; " +
                $"load average {LoadAverage()}; warm-up after the cold batch: {warmupBatches} batches, {warmupJit:F0} ms of JIT");
            Console.WriteLine("| path | median for 5,000 checks | per check | CPU per check (client + in-process server) | vs kubectl | goal: 2 x checks x latency / concurrency |");
            Console.WriteLine("|---|---|---|---|---|---|");
            if (kubectlMedian is { } k)
            {
                Console.WriteLine($"| (a) kubectl 1.28 auth can-i --as, one process per check (sample {sample}, extrapolated) | {k * checks.Count / 1000:F1} s | {k:F1} ms | | 1x | |");
            }
            else
            {
                Console.WriteLine($"| (a) kubectl 1.28 | not run ({(sample <= 0 ? "--kubectl-sample 0" : kubectl + " not found")}) | | | | |");
            }
            Console.WriteLine($"| (b) PermissionChecker batch, SubjectAccessReview, concurrency {concurrencies[0]}, cold: first batch in the process | {cold:F0} ms | {cold * 1000 / checks.Count:F1} µs | {coldCpuPerCheck:F0} µs | {Ratio(kubectlMedian, checks.Count, cold)} | {Goal(checks.Count, latencyMs, concurrencies[0], cold)} |");
            foreach (var (concurrency, median, cpuPerCheck) in batchRows)
            {
                Console.WriteLine($"| (b) PermissionChecker batch, SubjectAccessReview, concurrency {concurrency}, warm ({runs} runs) | {median:F0} ms | {median * 1000 / checks.Count:F1} µs | {cpuPerCheck:F0} µs | {Ratio(kubectlMedian, checks.Count, median)} | {Goal(checks.Count, latencyMs, concurrency, median)} |");
            }
            Console.WriteLine($"| (c) RbacSnapshot: load {load:F0} ms + evaluate {eval:F0} ms ({runs} runs) | {snapshotTotal:F0} ms | {snapshotTotal * 1000 / checks.Count:F1} µs | | {Ratio(kubectlMedian, checks.Count, snapshotTotal)} | at most 1,000 ms: {(snapshotTotal <= 1000 ? "met" : "NOT met")} |");
            if (kubectlMedian is { } km)
            {
                var kubectlTotal = km * checks.Count;
                Console.WriteLine($"goal both >= 100x faster than kubectl: {(kubectlTotal / batch >= 100 && kubectlTotal / snapshotTotal >= 100 ? "met" : "NOT met")}; kubectl sample disagreements: {kubectlDisagreements}");
            }
            return disagreements == 0 && kubectlDisagreements == 0 ? 0 : 1;
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static async Task<IReadOnlyList<PermissionCheckResult>> BatchAsync(IPermissionEvaluator evaluator, IReadOnlyList<PermissionCheck> checks, int concurrency)
    {
        var results = new PermissionCheckResult[checks.Count];
        await foreach (var outcome in evaluator.CheckManyAsync(checks, concurrency))
        {
            results[outcome.Index] = outcome.Result ?? throw outcome.Error!;
        }
        return results;
    }

    private static List<PermissionCheck> Checks()
    {
        var checks = new List<PermissionCheck>();
        for (var sa = 0; sa < 100; sa++)
        {
            var subject = PermissionSubject.ServiceAccount(Namespace(sa), Name(sa));
            foreach (var verb in Verbs)
            {
                foreach (var resource in Resources)
                {
                    checks.Add(new PermissionCheck { Verb = verb, Resource = resource, Namespace = Namespace(sa), Subject = subject });
                }
            }
        }
        return checks;
    }

    private static string Namespace(int sa) => "bench-" + (sa / 10);

    private static string Name(int sa) => "sa-" + (sa % 10);

    /// <summary>Per namespace: a reader Role bound to the even ServiceAccounts; cluster-wide: a deployer bound to every third.</summary>
    private static async Task SeedAsync(KubernetesConnection admin)
    {
        var objects = new RbacObjectOperations(admin);
        await objects.CreateClusterRoleAsync(new ClusterRole
        {
            Metadata = new ObjectMeta { Name = "bench-deployer" },
            Rules = [.. PolicyRuleBuilder.Build(new PolicyRuleRequest { Verbs = ["get", "create", "update"], Resources = ["deployments.apps", "replicasets.apps"] }, RoleScope.ClusterRole)],
        });
        var deployers = new List<Subject>();
        for (var n = 0; n < 10; n++)
        {
            var ns = "bench-" + n;
            await admin.SendAsync(HttpMethod.Post, "/api/v1/namespaces", new Namespace { Metadata = new ObjectMeta { Name = ns } },
                KubeJsonContext.Default.Namespace, KubeJsonContext.Default.Namespace, CancellationToken.None);
            await objects.CreateRoleAsync(new Role
            {
                Metadata = new ObjectMeta { Name = "bench-reader", Namespace = ns },
                Rules = [.. PolicyRuleBuilder.Build(new PolicyRuleRequest { Verbs = ["get", "list"], Resources = ["pods", "configmaps", "serviceaccounts"] }, RoleScope.Role)],
            });
            await objects.CreateRoleBindingAsync(new RoleBinding
            {
                Metadata = new ObjectMeta { Name = "bench-reader", Namespace = ns },
                RoleRef = new RoleRef { Kind = "Role", Name = "bench-reader" },
                Subjects = [.. Enumerable.Range(0, 10).Where(i => i % 2 == 0).Select(i => new Subject { Kind = SubjectKinds.ServiceAccount, Name = "sa-" + i })],
            });
            deployers.AddRange(Enumerable.Range(0, 10).Where(i => i % 3 == 0).Select(i => new Subject { Kind = SubjectKinds.ServiceAccount, Name = "sa-" + i, Namespace = ns }));
        }
        await objects.CreateClusterRoleBindingAsync(new ClusterRoleBinding
        {
            Metadata = new ObjectMeta { Name = "bench-deployer" },
            RoleRef = new RoleRef { Kind = "ClusterRole", Name = "bench-deployer" },
            Subjects = deployers,
        });
    }

    /// <summary>Runs one kubectl auth can-i; true for "yes" (exit 0), false for "no" (exit 1); other exits are failures.</summary>
    private static bool RunKubectl(string kubectl, string kubeconfig, string cacheDir, PermissionCheck check)
    {
        var start = new ProcessStartInfo(kubectl)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--kubeconfig", kubeconfig, "--cache-dir", cacheDir, "auth", "can-i", check.Verb, check.Resource!, "-n", check.Namespace, "--as", check.Subject.UserName! })
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode switch
        {
            0 => true,
            1 when output.StartsWith("no", StringComparison.Ordinal) => false,
            _ => throw new InvalidOperationException($"kubectl auth can-i exited {process.ExitCode}: {output}"),
        };
    }

    /// <summary>
    /// Uncounted batches until the JIT has settled: fewer than 1% more compiled methods than after the previous batch
    /// (at most 15 batches). Returns how many ran and the JIT time they cost.
    /// </summary>
    private static async Task<(int Batches, double JitMs)> WarmUpAsync(IPermissionEvaluator evaluator, IReadOnlyList<PermissionCheck> checks, int concurrency)
    {
        var jitBefore = System.Runtime.JitInfo.GetCompilationTime();
        var methods = System.Runtime.JitInfo.GetCompiledMethodCount();
        var batches = 0;
        while (batches < 15)
        {
            await BatchAsync(evaluator, checks, concurrency);
            batches++;
            var now = System.Runtime.JitInfo.GetCompiledMethodCount();
            if (now - methods < methods / 100)
            {
                break;
            }
            methods = now;
        }
        return (batches, (System.Runtime.JitInfo.GetCompilationTime() - jitBefore).TotalMilliseconds);
    }

    private static TimeSpan CpuTime()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static string Goal(int checks, int latencyMs, int concurrency, double measuredMs)
    {
        var ideal = checks * (double)latencyMs / concurrency;
        return $"{2 * ideal:F0} ms ({measuredMs / ideal:F2}x ideal): {(measuredMs <= 2 * ideal ? "met" : "NOT met")}";
    }

    private static IReadOnlyList<int> IntListOption(string[] args, string name, int[] fallback)
    {
        var index = Array.IndexOf(args, name);
        if (index < 0 || index + 1 >= args.Length)
        {
            return fallback;
        }
        var values = args[index + 1].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return values.Length > 0 && values.All(v => int.TryParse(v, out var n) && n > 0) ? values.Select(int.Parse).ToArray() : fallback;
    }

    private static string Ratio(double? kubectlPerCheckMs, int checks, double oursTotalMs) =>
        kubectlPerCheckMs is { } k ? $"{k * checks / oursTotalMs:F0}x faster" : "n/a";

    private static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static int IntOption(string[] args, string name, int fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length && int.TryParse(args[index + 1], out var value) ? value : fallback;
    }

    private static string StringOption(string[] args, string name, string fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
    }
}
