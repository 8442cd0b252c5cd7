using System.Net;
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

    public static int Run(string[] args) => RunAsync(args).GetAwaiter().GetResult();

    private static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        if (WarmCallOptions.Parse(Name, args) is not { } options)
        {
            return 2;
        }

        var (calls, latency, kubectlRuns, kubectl) = options;

        await using LocalApiServerHost server = await LocalApiServerHost.StartAsync(new LocalApiServerOptions());
        using HttpClient raw = BenchServer.AdminClient(server);
        await BenchServer.CreateServiceAccountAsync(raw, Namespace, AccountName, new Dictionary<string, string> { ["app"] = "bench" });
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
        Phase measured = Phase.Measure(calls, () => Ours(), Baseline, latency);
        List<double> delays = measured.Delays;
        int newConnections = path.TcpConnections - connectionsBefore;
        long requests = path.Requests - requestsBefore;
        // The same with no injected latency: what the client path itself costs over the bare request.
        server.Faults.Settings = FaultSettings.None;
        Phase unloaded = Phase.Measure(calls, () => Ours(), Baseline, latency: 0);
        server.Faults.Settings = new FaultSettings { LatencyMilliseconds = latency, JitterMilliseconds = 0 };

        // "In one session": after Connect-K8sCluster the cmdlets reuse the session's settings and connection
        // instead of resolving the kubeconfig on every call.
        path.ConnectSession();
        int sessionConnectionsBefore = path.TcpConnections;
        long sessionRequestsBefore = path.Requests;
        Phase session = Phase.Measure(calls, () => Ours(), Baseline, latency);
        int sessionNewConnections = path.TcpConnections - sessionConnectionsBefore;
        long sessionRequests = path.Requests - sessionRequestsBefore;
        server.Faults.Settings = FaultSettings.None;
        Phase sessionUnloaded = Phase.Measure(calls, () => Ours(), Baseline, latency: 0);
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

    private static void CheckKubectlOutput(string output)
    {
        using JsonDocument document = JsonDocument.Parse(output);
        if (document.RootElement.GetProperty("metadata").GetProperty("name").GetString() != AccountName)
        {
            throw new InvalidOperationException("kubectl returned another object");
        }
    }
}
