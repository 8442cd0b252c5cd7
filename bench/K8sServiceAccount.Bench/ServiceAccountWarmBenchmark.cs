using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using K8sServiceAccount.Client.Api;
using K8sServiceAccount.Client.Models;
using K8sServiceAccount.LocalApiServer;
using K8sServiceAccount.LocalApiServer.Faults;
using static K8sServiceAccount.Bench.BenchStats;

namespace K8sServiceAccount.Bench;

/// <summary>
/// sa-warm: sequential Get-K8sServiceAccount-equivalent calls (connection-cache lookup + one GET of a named
/// ServiceAccount) in one session against the local API server with injected latency. Beside it, in the same
/// run: the same GET sent with a bare HttpClient (what the server itself needs per call, interleaved with ours
/// so both see the same machine load) and kubectl get sa NAME -o json as whole processes.
/// </summary>
public static class ServiceAccountWarmBenchmark
{
    public const string Name = "sa-warm";
    private const string Namespace = "default";
    private const string AccountName = "bench-app";
    private const int Block = 10;

    public static int Run(string[] args) => RunAsync(args).GetAwaiter().GetResult();

    private static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        int calls = 200, latency = 2, kubectlRuns = 20;
        string kubectl = "/usr/lib/google-cloud-sdk/bin/kubectl.1.28";
        for (int i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--calls": calls = ParseInt(args[++i]); break;
                case "--latency-ms": latency = ParseInt(args[++i]); break;
                case "--kubectl-runs": kubectlRuns = ParseInt(args[++i]); break;
                case "--kubectl": kubectl = args[++i]; break;
                default:
                    Console.Error.WriteLine($"usage: {Name} [--calls 200] [--latency-ms 2] [--kubectl-runs 20] [--kubectl PATH]");
                    return 2;
            }
        }

        await using LocalApiServerHost server = await LocalApiServerHost.StartAsync(new LocalApiServerOptions());
        using HttpClient raw = server.CreateHttpClient("admin", "system:masters");
        raw.DefaultRequestVersion = HttpVersion.Version20;
        raw.DefaultVersionPolicy = HttpVersionPolicy.RequestVersionOrLower;
        await CreateServiceAccountAsync(raw);
        server.Faults.Settings = new FaultSettings { LatencyMilliseconds = latency, JitterMilliseconds = 0 };
        Console.WriteLine($"{Name}: {calls} sequential GETs of {Namespace}/{AccountName}, injected latency {latency} ms (jitter 0), {Environment.ProcessorCount} cores, load average {LoadAverage()}");

        var path = new CmdletPath(server.KubeconfigPath);
        string url = $"/api/v1/namespaces/{Namespace}/serviceaccounts/{AccountName}";
        ServiceAccount Ours() => path.Invoke(c => new ServiceAccountOperations(c).GetAsync(Namespace, AccountName));
        void Baseline() => Task.Run(async () =>
        {
            using HttpResponseMessage response = await raw.GetAsync(url, HttpCompletionOption.ResponseContentRead);
            if (response.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"baseline GET answered {(int)response.StatusCode}");
        }).GetAwaiter().GetResult();

        // Warm-up: JIT, TLS handshakes, the kubeconfig parse cache; the first call opens the connection.
        for (int i = 0; i < 20; i++)
        {
            if (Ours().Metadata.Name != AccountName) throw new InvalidOperationException("the GET returned another ServiceAccount");
            Baseline();
        }

        int connectionsBefore = path.TcpConnections;
        long requestsBefore = path.Requests;
        Phase measured = MeasurePhase(calls, () => Ours(), Baseline, latency);
        List<double> delays = measured.Delays;
        int newConnections = path.TcpConnections - connectionsBefore;
        long requests = path.Requests - requestsBefore;
        // The same with no injected latency: what the client path itself costs over the bare request.
        server.Faults.Settings = FaultSettings.None;
        Phase unloaded = MeasurePhase(calls, () => Ours(), Baseline, latency: 0);
        server.Faults.Settings = new FaultSettings { LatencyMilliseconds = latency, JitterMilliseconds = 0 };

        // "In one session": after Connect-K8sCluster the cmdlets reuse the session's settings and connection
        // instead of resolving the kubeconfig on every call.
        path.ConnectSession();
        int sessionConnectionsBefore = path.TcpConnections;
        long sessionRequestsBefore = path.Requests;
        Phase session = MeasurePhase(calls, () => Ours(), Baseline, latency);
        int sessionNewConnections = path.TcpConnections - sessionConnectionsBefore;
        long sessionRequests = path.Requests - sessionRequestsBefore;
        server.Faults.Settings = FaultSettings.None;
        Phase sessionUnloaded = MeasurePhase(calls, () => Ours(), Baseline, latency: 0);
        server.Faults.Settings = new FaultSettings { LatencyMilliseconds = latency, JitterMilliseconds = 0 };
        path.DisconnectSession();

        var runner = new KubectlRunner(kubectl, server.KubeconfigPath);
        (double cold, double[] warm) = runner.Measure(["get", "sa", AccountName, "-n", Namespace, "-o", "json"], kubectlRuns, CheckKubectlOutput);

        double oursMedian = Median(measured.Ours), kubectlMedian = Median(warm);
        Console.WriteLine($"{Name}: load average {measured.LoadStart} at start, {measured.LoadEnd} at end of the in-process calls, {LoadAverage()} after kubectl");
        Console.WriteLine("| measurement | runs | median ms | p90 ms | CPU per call ms (process: client + in-process server) |");
        Console.WriteLine("|---|---|---|---|---|");
        Console.WriteLine($"| Get-K8sServiceAccount path (cache lookup + ServiceAccountOperations.GetAsync), latency {latency} ms | {calls} | {Ms(oursMedian)} | {Ms(Percentile(measured.Ours, 0.9))} | {Ms(measured.OursCpu)} |");
        Console.WriteLine($"| server baseline: bare HttpClient GET, body read, latency {latency} ms | {calls} | {Ms(Median(measured.Baseline))} | {Ms(Percentile(measured.Baseline, 0.9))} | {Ms(measured.BaselineCpu)} |");
        Console.WriteLine($"| the runtime timer alone: Task.Delay({latency}), interleaved (the server injects with its precise LatencyTimer) | {calls} | {Ms(Median(delays))} | {Ms(Percentile(delays, 0.9))} | - |");
        Console.WriteLine($"| Get-K8sServiceAccount path, latency 0 | {calls} | {Ms(Median(unloaded.Ours))} | {Ms(Percentile(unloaded.Ours, 0.9))} | {Ms(unloaded.OursCpu)} |");
        Console.WriteLine($"| server baseline, latency 0 | {calls} | {Ms(Median(unloaded.Baseline))} | {Ms(Percentile(unloaded.Baseline, 0.9))} | {Ms(unloaded.BaselineCpu)} |");
        Console.WriteLine($"| same after Connect-K8sCluster (session connection), latency {latency} ms | {calls} | {Ms(Median(session.Ours))} | {Ms(Percentile(session.Ours, 0.9))} | {Ms(session.OursCpu)} |");
        Console.WriteLine($"| server baseline interleaved with it, latency {latency} ms | {calls} | {Ms(Median(session.Baseline))} | {Ms(Percentile(session.Baseline, 0.9))} | {Ms(session.BaselineCpu)} |");
        Console.WriteLine($"| session path, latency 0 | {calls} | {Ms(Median(sessionUnloaded.Ours))} | {Ms(Percentile(sessionUnloaded.Ours, 0.9))} | {Ms(sessionUnloaded.OursCpu)} |");
        Console.WriteLine($"| server baseline interleaved with it, latency 0 | {calls} | {Ms(Median(sessionUnloaded.Baseline))} | {Ms(Percentile(sessionUnloaded.Baseline, 0.9))} | {Ms(sessionUnloaded.BaselineCpu)} |");
        Console.WriteLine($"| {Path.GetFileName(kubectl)} get sa {AccountName} -o json (process, warm cache), latency {latency} ms | {kubectlRuns} | {Ms(kubectlMedian)} | {Ms(Percentile(warm, 0.9))} | - |");
        Console.WriteLine($"| same, first run with a fresh --cache-dir | 1 | {Ms(cold)} | - | - |");
        Console.WriteLine($"{Name}: TCP connections opened during the {calls} measured calls: {newConnections} (total for the session: {path.TcpConnections}); HTTP requests sent: {requests}");
        Console.WriteLine($"{Name}: ours - baseline (medians): {Ms(oursMedian - Median(measured.Baseline))} ms at latency {latency}, {Ms(Median(unloaded.Ours) - Median(unloaded.Baseline))} ms at latency 0; kubectl / ours = {kubectlMedian / oursMedian:F0}x");
        Console.WriteLine($"{Name}: ours - realized delay (medians) = {Ms(oursMedian - Median(delays))} ms");
        bool met = oursMedian <= latency + 1 && newConnections == 0 && path.TcpConnections == 1 && requests == calls;
        Console.WriteLine($"{Name}: goal (median <= {latency} + 1 ms, one connection reused, one request per call), automatic resolution per call: {(met ? "met" : "NOT met")}");
        double sessionMedian = Median(session.Ours);
        bool sessionMet = sessionMedian <= latency + 1 && sessionNewConnections == 0 && path.TcpConnections == 1 && sessionRequests == calls;
        Console.WriteLine($"{Name}: session path: ours - baseline {Ms(sessionMedian - Median(session.Baseline))} ms at latency {latency}, {Ms(Median(sessionUnloaded.Ours) - Median(sessionUnloaded.Baseline))} ms at latency 0; new TCP connections {sessionNewConnections}, requests {sessionRequests}");
        Console.WriteLine($"{Name}: goal, in one session after Connect-K8sCluster: {(sessionMet ? "met" : "NOT met")} (median {Ms(sessionMedian)} ms)");
        return 0;
    }

    internal sealed record Phase(List<double> Ours, List<double> Baseline, List<double> Delays, double OursCpu, double BaselineCpu, string LoadStart, string LoadEnd);

    /// <summary>
    /// Alternating blocks of our calls, baseline calls and bare waits of the injected latency, so all three see
    /// the same machine load; CPU time is process-wide, so it is taken per block and attributed to the side that ran it.
    /// </summary>
    internal static Phase MeasurePhase(int calls, Action ours, Action baseline, int latency)
    {
        var oursTimes = new List<double>(calls);
        var baselineTimes = new List<double>(calls);
        var delays = new List<double>(calls);
        TimeSpan oursCpu = TimeSpan.Zero, baselineCpu = TimeSpan.Zero;
        string loadStart = LoadAverage();
        for (int done = 0; done < calls; done += Block)
        {
            int count = Math.Min(Block, calls - done);
            oursCpu += TimeBlock(count, ours, oursTimes);
            baselineCpu += TimeBlock(count, baseline, baselineTimes);
            delays.AddRange(RealizedDelays(latency, count));
        }

        return new Phase(oursTimes, baselineTimes, delays, oursCpu.TotalMilliseconds / calls, baselineCpu.TotalMilliseconds / calls, loadStart, LoadAverage());
    }

    private static TimeSpan TimeBlock(int count, Action call, List<double> times)
    {
        TimeSpan cpu = ProcessCpu();
        for (int i = 0; i < count; i++)
        {
            long started = Stopwatch.GetTimestamp();
            call();
            times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        return ProcessCpu() - cpu;
    }

    private static void CheckKubectlOutput(string output)
    {
        using JsonDocument document = JsonDocument.Parse(output);
        if (document.RootElement.GetProperty("metadata").GetProperty("name").GetString() != AccountName)
        {
            throw new InvalidOperationException("kubectl returned another object");
        }
    }

    private static async Task CreateServiceAccountAsync(HttpClient client)
    {
        using var content = new StringContent("{\"metadata\":{\"name\":\"" + AccountName + "\",\"labels\":{\"app\":\"bench\"}}}", Encoding.UTF8, "application/json");
        using HttpResponseMessage response = await client.PostAsync($"/api/v1/namespaces/{Namespace}/serviceaccounts", content);
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"creating the ServiceAccount failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }
}
