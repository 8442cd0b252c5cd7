using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using K8sServiceAccount.LocalApiServer;

namespace K8sServiceAccount.Bench;

/// <summary>
/// sar-throughput: SubjectAccessReviews per second that the local API server answers to N concurrent
/// clients (HttpClient with the admin client certificate, keep-alive connections), over a policy of many
/// namespaces with RoleBindings, so that the server is never the bottleneck of another benchmark.
/// </summary>
public static class ServerSarThroughput
{
    public const string Name = "sar-throughput";

    public static int Run(string[] args) => RunAsync(args).GetAwaiter().GetResult();

    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        int concurrency = 32, seconds = 10, namespaces = 100;
        Version httpVersion = HttpVersion.Version11;
        for (int i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--concurrency": concurrency = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--seconds": seconds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--namespaces": namespaces = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--http2": httpVersion = HttpVersion.Version20; break;
                default:
                    Console.Error.WriteLine($"usage: {Name} [--concurrency N] [--seconds S] [--namespaces N] [--http2]");
                    return 2;
            }
        }

        await using LocalApiServerHost server = await LocalApiServerHost.StartAsync(new LocalApiServerOptions());
        using HttpClient client = server.CreateHttpClient("admin", "system:masters");
        client.DefaultRequestVersion = httpVersion;
        client.DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        await SeedPolicyAsync(client, namespaces);

        // Alternate allowed and denied questions about ServiceAccounts spread over the namespaces.
        byte[][] bodies = Enumerable.Range(0, 64).Select(i =>
        {
            string ns = $"bench-{i % namespaces}";
            string verb = i % 2 == 0 ? "get" : "delete";
            string spec = "\"user\":\"system:serviceaccount:" + ns + ":app\",\"groups\":[\"system:serviceaccounts\",\"system:serviceaccounts:" + ns +
                "\",\"system:authenticated\"],\"resourceAttributes\":{\"namespace\":\"" + ns + "\",\"verb\":\"" + verb +
                "\",\"group\":\"apps\",\"resource\":\"deployments\",\"subresource\":\"scale\"}";
            return Encoding.UTF8.GetBytes("{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SubjectAccessReview\",\"spec\":{" + spec + "}}");
        }).ToArray();

        Console.WriteLine($"{Name}: {concurrency} clients, HTTP/{httpVersion}, {namespaces} namespaces with a RoleBinding each, {Environment.ProcessorCount} cores");
        await RunPhaseAsync(client, bodies, concurrency, TimeSpan.FromSeconds(2), report: false);
        TimeSpan cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        (long count, double elapsed, double p50, double p99) = await RunPhaseAsync(client, bodies, concurrency, TimeSpan.FromSeconds(seconds), report: true);
        double cpuMicroseconds = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMicroseconds / count;
        Console.WriteLine($"{Name}: {count} reviews in {elapsed:F1} s = {count / elapsed:F0} reviews/s; latency p50 {p50:F2} ms, p99 {p99:F2} ms");
        // On a shared machine the wall-clock rate depends on other load; CPU time per review (server and
        // clients together, both in this process) gives the rate the cores could sustain if they were ours.
        Console.WriteLine($"{Name}: CPU {cpuMicroseconds:F0} us per review (server + clients) => {Environment.ProcessorCount * 1_000_000 / cpuMicroseconds:F0} reviews/s on {Environment.ProcessorCount} otherwise idle cores; load average {LoadAverage()}");
        return 0;
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";

    private static async Task SeedPolicyAsync(HttpClient client, int namespaces)
    {
        await PostAsync(client, "/apis/rbac.authorization.k8s.io/v1/clusterroles",
            """{"metadata":{"name":"deployment-scaler"},"rules":[{"apiGroups":["apps"],"resources":["deployments","deployments/scale"],"verbs":["get","update"]}]}""");
        for (int i = 0; i < namespaces; i++)
        {
            string ns = $"bench-{i}";
            await PostAsync(client, "/api/v1/namespaces", $$$"""{"metadata":{"name":"{{{ns}}}"}}""");
            await PostAsync(client, $"/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/rolebindings",
                $$$"""{"metadata":{"name":"scaler"},"subjects":[{"kind":"ServiceAccount","name":"app"}],"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"deployment-scaler"}}""");
        }
    }

    private static async Task PostAsync(HttpClient client, string path, string json)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using HttpResponseMessage response = await client.PostAsync(path, content);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"seeding {path} failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    private static async Task<(long Count, double Seconds, double P50, double P99)> RunPhaseAsync(
        HttpClient client, byte[][] bodies, int concurrency, TimeSpan duration, bool report)
    {
        var latencies = new List<double>[concurrency];
        long total = 0;
        var stopwatch = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, concurrency).Select(worker => Task.Run(async () =>
        {
            var mine = latencies[worker] = new List<double>(100_000);
            int next = worker;
            while (stopwatch.Elapsed < duration)
            {
                long started = Stopwatch.GetTimestamp();
                using var content = new ByteArrayContent(bodies[next++ % bodies.Length]);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                using HttpResponseMessage response = await client.PostAsync("/apis/authorization.k8s.io/v1/subjectaccessreviews", content);
                await response.Content.LoadIntoBufferAsync();
                if (response.StatusCode != HttpStatusCode.Created)
                {
                    throw new InvalidOperationException($"review failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                }
                mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                Interlocked.Increment(ref total);
            }
        })).ToArray();
        await Task.WhenAll(workers);
        double elapsed = stopwatch.Elapsed.TotalSeconds;
        if (!report) return (total, elapsed, 0, 0);
        var all = latencies.SelectMany(l => l).Order().ToArray();
        return (total, elapsed, all[all.Length / 2], all[(int)(all.Length * 0.99)]);
    }
}
