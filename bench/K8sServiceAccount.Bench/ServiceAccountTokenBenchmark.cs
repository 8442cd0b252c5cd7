using System.Net;
using System.Net.Http.Headers;
using K8sServiceAccount.Client.Api;
using K8sServiceAccount.LocalApiServer;
using K8sServiceAccount.LocalApiServer.Faults;
using static K8sServiceAccount.Bench.BenchStats;

namespace K8sServiceAccount.Bench;

/// <summary>
/// sa-token: Get-K8sSaToken-equivalent calls (connection-cache lookup + TokenOperations.RequestTokenAsync) on a
/// warm connection, with every HTTP request counted to show that one token costs one round trip. Beside it, in
/// the same run: the same TokenRequest POSTed with a bare HttpClient (the server's own cost, interleaved with
/// ours) and kubectl create token NAME as whole processes.
/// </summary>
public static class ServiceAccountTokenBenchmark
{
    public const string Name = "sa-token";
    private const string Namespace = "default";
    private const string AccountName = "bench-token";

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
        await BenchServer.CreateServiceAccountAsync(raw, Namespace, AccountName);

        server.Faults.Settings = new FaultSettings { LatencyMilliseconds = latency, JitterMilliseconds = 0 };
        Console.WriteLine($"{Name}: {calls} token requests for {Namespace}/{AccountName} on a warm connection, injected latency {latency} ms (jitter 0), {Environment.ProcessorCount} cores, load average {LoadAverage()}");

        var path = new CmdletPath(server.KubeconfigPath);
        string url = $"/api/v1/namespaces/{Namespace}/serviceaccounts/{AccountName}/token";
        byte[] body = "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenRequest\",\"spec\":{}}"u8.ToArray();
        var requestsPerCall = new Dictionary<long, int>();
        void Ours()
        {
            long before = path.Requests;
            ServiceAccountToken token = path.Invoke(c => new TokenOperations(c).RequestTokenAsync(Namespace, AccountName));
            if (token.Token.Length == 0) throw new InvalidOperationException("no token");
            long sent = path.Requests - before;
            requestsPerCall[sent] = requestsPerCall.GetValueOrDefault(sent) + 1;
        }

        void Baseline() => Task.Run(async () =>
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using HttpResponseMessage response = await raw.PostAsync(url, content);
            await response.Content.LoadIntoBufferAsync();
            if (response.StatusCode != HttpStatusCode.Created) throw new InvalidOperationException($"baseline token request answered {(int)response.StatusCode}");
        }).GetAwaiter().GetResult();

        for (int i = 0; i < 20; i++)
        {
            Ours();
            Baseline();
        }

        requestsPerCall.Clear();
        int connectionsBefore = path.TcpConnections;
        Phase measured = Phase.Measure(calls, Ours, Baseline, latency);
        List<double> delays = measured.Delays;
        int newConnections = path.TcpConnections - connectionsBefore;

        var runner = new KubectlRunner(kubectl, server.KubeconfigPath);
        // The token is checked for its JWT shape only and never printed.
        (double cold, double[] warm) = runner.Measure(["create", "token", AccountName, "-n", Namespace], kubectlRuns,
            output => { if (output.Trim().Split('.').Length != 3) throw new InvalidOperationException("kubectl create token printed no JWT"); });

        double oursMedian = Median(measured.Ours), baselineMedian = Median(measured.Baseline), kubectlMedian = Median(warm);
        Console.WriteLine($"{Name}: load average {measured.LoadStart} at start, {measured.LoadEnd} at end of the in-process calls, {LoadAverage()} after kubectl");
        Console.WriteLine("| measurement | runs | median ms | p90 ms | CPU per call ms (process: client + in-process server) |");
        Console.WriteLine("|---|---|---|---|---|");
        Console.WriteLine($"| Get-K8sSaToken path (cache lookup + TokenOperations.RequestTokenAsync) | {calls} | {Ms(oursMedian)} | {Ms(Percentile(measured.Ours, 0.9))} | {Ms(measured.OursCpu)} |");
        Console.WriteLine($"| server baseline: bare HttpClient POST of the TokenRequest, body read | {calls} | {Ms(baselineMedian)} | {Ms(Percentile(measured.Baseline, 0.9))} | {Ms(measured.BaselineCpu)} |");
        Console.WriteLine($"| the runtime timer alone: Task.Delay({latency}), interleaved (the server injects with its precise LatencyTimer) | {calls} | {Ms(Median(delays))} | {Ms(Percentile(delays, 0.9))} | - |");
        Console.WriteLine($"| {Path.GetFileName(kubectl)} create token {AccountName} (process, warm cache) | {kubectlRuns} | {Ms(kubectlMedian)} | {Ms(Percentile(warm, 0.9))} | - |");
        Console.WriteLine($"| same, first run with a fresh --cache-dir | 1 | {Ms(cold)} | - | - |");
        string perCall = string.Join(", ", requestsPerCall.OrderBy(p => p.Key).Select(p => $"{p.Value} calls sent {p.Key} request(s)"));
        Console.WriteLine($"{Name}: HTTP requests per token: {perCall}; TCP connections opened during the measured calls: {newConnections}");
        Console.WriteLine($"{Name}: median - injected latency = {Ms(oursMedian - latency)} ms (- realized delay: {Ms(oursMedian - Median(delays))} ms); ours - baseline (medians) = {Ms(oursMedian - baselineMedian)} ms; kubectl / ours = {kubectlMedian / oursMedian:F0}x");
        bool met = requestsPerCall.Count == 1 && requestsPerCall.ContainsKey(1) && newConnections == 0;
        Console.WriteLine($"{Name}: goal (one round trip per token on a warm connection): {(met ? "met" : "NOT met")}");
        return 0;
    }
}
