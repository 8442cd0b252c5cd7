using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using K8sServiceAccount.Client.Api;
using K8sServiceAccount.Client.Http;
using K8sServiceAccount.Client.Models;
using K8sServiceAccount.LocalApiServer;
using K8sServiceAccount.LocalApiServer.Faults;
using K8sServiceAccount.LocalApiServer.Store;
using static K8sServiceAccount.Bench.BenchStats;

namespace K8sServiceAccount.Bench;

/// <summary>
/// sa-stream: Get-K8sServiceAccount -AllNamespaces over 50,000 ServiceAccounts in 500 namespaces, the way the
/// cmdlet runs it (FindAsync page by page; the pipeline thread takes items already in memory itself and waits
/// through the module's PipelineLog only while a page is fetched), consuming each item without keeping it. Measures the time to the first object, the managed
/// heap's growth, and the total time against what the server needs to serve the same pages (bare HttpClient
/// GETs of the same limit/continue URLs, bodies read and discarded), measured in the same run, alternating.
/// </summary>
public static class ServiceAccountStreamBenchmark
{
    public const string Name = "sa-stream";

    public static int Run(string[] args) => RunAsync(args).GetAwaiter().GetResult();

    private static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        int namespaces = 500, perNamespace = 100, runs = 5, latency = 0, pageSize = ServiceAccountOperations.DefaultPageSize;
        for (int i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--namespaces": namespaces = ParseInt(args[++i]); break;
                case "--per-namespace": perNamespace = ParseInt(args[++i]); break;
                case "--runs": runs = ParseInt(args[++i]); break;
                case "--latency-ms": latency = ParseInt(args[++i]); break;
                case "--page-size": pageSize = ParseInt(args[++i]); break;
                default:
                    Console.Error.WriteLine($"usage: {Name} [--namespaces 500] [--per-namespace 100] [--runs 5] [--latency-ms 0] [--page-size 500]");
                    return 2;
            }
        }

        await using LocalApiServerHost server = await LocalApiServerHost.StartAsync(new LocalApiServerOptions());
        long seedStarted = Stopwatch.GetTimestamp();
        await SeedAsync(server, namespaces, perNamespace);
        int total = server.Store.List(ResourceType.ServiceAccounts, null).Items.Count;
        Console.WriteLine($"{Name}: seeded {namespaces} namespaces x {perNamespace} ServiceAccounts (the controller's default one included) in {Stopwatch.GetElapsedTime(seedStarted).TotalSeconds:F1} s; {total} ServiceAccounts in the cluster");

        using HttpClient raw = BenchServer.AdminClient(server);
        List<string> pages = await DiscoverPagesAsync(raw, pageSize);
        server.Faults.Settings = latency == 0 ? FaultSettings.None : new FaultSettings { LatencyMilliseconds = latency };
        Console.WriteLine($"{Name}: {pages.Count} pages of {pageSize}, injected latency {latency} ms, {runs} runs, {Environment.ProcessorCount} cores, load average {LoadAverage()}");

        var path = new CmdletPath(server.KubeconfigPath);
        // Warm-up: JIT, the connection, TLS; one whole pass of each side.
        await BaselinePassAsync(raw, pages);
        RunCmdletPass(path, pageSize, total, perItemHandOff: false);
        RunCmdletPass(path, pageSize, total, perItemHandOff: true);
        await DirectPassAsync(path, pageSize, total);

        var baseline = new List<Pass>();
        var cmdlet = new List<Pass>();
        var handOff = new List<Pass>();
        var direct = new List<Pass>();
        string loadStart = LoadAverage();
        for (int run = 0; run < runs; run++)
        {
            baseline.Add(await BaselinePassAsync(raw, pages));
            cmdlet.Add(RunCmdletPass(path, pageSize, total, perItemHandOff: false));
            handOff.Add(RunCmdletPass(path, pageSize, total, perItemHandOff: true));
            direct.Add(await DirectPassAsync(path, pageSize, total));
        }

        string loadEnd = LoadAverage();
        double baselineTotal = Median(baseline.Select(p => p.TotalMs).ToArray());
        Console.WriteLine($"{Name}: load average {loadStart} at start, {loadEnd} at end");
        Console.WriteLine("| measurement (median of runs) | runs | first object ms | total ms | total / server baseline | CPU ms (process: client + in-process server) | managed heap growth MB (peak - before) | allocated MB |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|");
        Row("Get-K8sServiceAccount -AllNamespaces path (FindAsync; K8sClusterCmdlet.MoveNext: pool hand-off only to fetch a page)", cmdlet, baselineTotal);
        Row("same with a pool hand-off for every item (one Invoke per MoveNext, the cmdlet before this change)", handOff, baselineTotal);
        Row("ServiceAccountOperations.ListAsync, await foreach (no per-item hand-off)", direct, baselineTotal);
        Row("server baseline: bare HttpClient GETs of the same pages, bodies read and discarded", baseline, baselineTotal);
        double ratio = Median(cmdlet.Select(p => p.TotalMs).ToArray()) / baselineTotal;
        double first = Median(cmdlet.Select(p => p.FirstMs).ToArray());
        double growth = cmdlet.Max(p => p.HeapGrowthMb);
        bool met = first < 100 && growth < 64 && ratio <= 1.5;
        Console.WriteLine($"{Name}: goal (first object < 100 ms: {Ms(first)}; heap growth < 64 MB: worst run {growth:F1}; total <= 1.5 x baseline: {ratio:F2}): {(met ? "met" : "NOT met")}");
        return 0;

        static void Row(string what, List<Pass> passes, double baselineTotal)
        {
            double totalMs = Median(passes.Select(p => p.TotalMs).ToArray());
            string first = passes[0].FirstMs is double.NaN ? "-" : Ms(Median(passes.Select(p => p.FirstMs).ToArray()));
            Console.WriteLine($"| {what} | {passes.Count} | {first} | {totalMs:F1} | {totalMs / baselineTotal:F2} | {Median(passes.Select(p => p.CpuMs).ToArray()):F1} | " +
                $"{Median(passes.Select(p => p.HeapGrowthMb).ToArray()):F1} (max {passes.Max(p => p.HeapGrowthMb):F1}) | {Median(passes.Select(p => p.AllocatedMb).ToArray()):F1} |");
        }
    }

    private sealed record Pass(double FirstMs, double TotalMs, double CpuMs, double HeapGrowthMb, double AllocatedMb);

    /// <summary>Tracks the managed heap from a collected start: the peak is sampled while items are consumed.</summary>
    private sealed class HeapWatch
    {
        private readonly long _before;
        private readonly long _allocatedBefore;
        private readonly TimeSpan _cpuBefore;
        private long _peak;

        public HeapWatch()
        {
            _before = GC.GetTotalMemory(forceFullCollection: true);
            _peak = _before;
            _allocatedBefore = GC.GetTotalAllocatedBytes();
            _cpuBefore = ProcessCpu();
        }

        public void Sample() => _peak = Math.Max(_peak, GC.GetTotalMemory(forceFullCollection: false));

        public Pass Finish(double firstMs, double totalMs)
        {
            Sample();
            double cpu = (ProcessCpu() - _cpuBefore).TotalMilliseconds;
            return new Pass(firstMs, totalMs, cpu, (_peak - _before) / 1048576.0, (GC.GetTotalAllocatedBytes() - _allocatedBefore) / 1048576.0);
        }
    }

    private static Pass RunCmdletPass(CmdletPath path, int pageSize, int expected, bool perItemHandOff)
    {
        var heap = new HeapWatch();
        long started = Stopwatch.GetTimestamp();
        double first = double.NaN;
        int count = 0;
        long nameLengths = 0;
        KubernetesConnection connection = path.Connection();
        IAsyncEnumerator<ServiceAccount> items = path.Invoke(connection, c => Task.FromResult(
            new ServiceAccountOperations(c).FindAsync(null, null, null, pageSize).GetAsyncEnumerator()));
        try
        {
            while (perItemHandOff ? path.MoveNextPerItemHandOff(connection, items) : path.MoveNext(connection, items))
            {
                if (count++ == 0) first = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                nameLengths += items.Current.Metadata.Name!.Length;
                if (count % 1000 == 0) heap.Sample();
            }
        }
        finally
        {
            _ = items.DisposeAsync().AsTask();
        }

        return Check(heap.Finish(first, Stopwatch.GetElapsedTime(started).TotalMilliseconds), count, expected, nameLengths);
    }

    private static async Task<Pass> DirectPassAsync(CmdletPath path, int pageSize, int expected)
    {
        var heap = new HeapWatch();
        long started = Stopwatch.GetTimestamp();
        double first = double.NaN;
        int count = 0;
        long nameLengths = 0;
        await foreach (ServiceAccount item in new ServiceAccountOperations(path.Connection()).ListAsync(null, pageSize: pageSize))
        {
            if (count++ == 0) first = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            nameLengths += item.Metadata.Name!.Length;
            if (count % 1000 == 0) heap.Sample();
        }

        return Check(heap.Finish(first, Stopwatch.GetElapsedTime(started).TotalMilliseconds), count, expected, nameLengths);
    }

    private static Pass Check(Pass pass, int count, int expected, long nameLengths)
    {
        if (count != expected || nameLengths == 0) throw new InvalidOperationException($"listed {count} ServiceAccounts, expected {expected}");
        return pass;
    }

    private static async Task<Pass> BaselinePassAsync(HttpClient raw, List<string> pages)
    {
        var heap = new HeapWatch();
        long started = Stopwatch.GetTimestamp();
        foreach (string page in pages)
        {
            using HttpResponseMessage response = await raw.GetAsync(page, HttpCompletionOption.ResponseHeadersRead);
            if (response.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"baseline GET {page} answered {(int)response.StatusCode}");
            await using Stream body = await response.Content.ReadAsStreamAsync();
            await body.CopyToAsync(Stream.Null);
            heap.Sample();
        }

        return heap.Finish(double.NaN, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    /// <summary>The URLs of every page (limit + the continue token of the page before), as the client will ask for them.</summary>
    private static async Task<List<string>> DiscoverPagesAsync(HttpClient raw, int pageSize)
    {
        var pages = new List<string>();
        string? continueToken = null;
        do
        {
            string url = "/api/v1/serviceaccounts?" +
                (continueToken is null ? "" : "continue=" + Uri.EscapeDataString(continueToken) + "&") +
                "limit=" + pageSize.ToString(CultureInfo.InvariantCulture);
            pages.Add(url);
            using JsonDocument page = JsonDocument.Parse(await raw.GetByteArrayAsync(url));
            continueToken = page.RootElement.GetProperty("metadata").TryGetProperty("continue", out JsonElement next) ? next.GetString() : null;
        }
        while (!string.IsNullOrEmpty(continueToken));
        return pages;
    }

    /// <summary>
    /// Seeds the store directly (the in-process host's public store API): REST creation of 50,000 objects would
    /// dominate the run. Namespaces get their default ServiceAccount from the controller, as in a cluster.
    /// </summary>
    private static async Task SeedAsync(LocalApiServerHost server, int namespaces, int perNamespace)
    {
        for (int n = 0; n < namespaces; n++)
        {
            server.Store.Create(ResourceType.Namespaces, new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Namespace",
                ["metadata"] = new JsonObject { ["name"] = NamespaceName(n) },
                ["spec"] = new JsonObject { ["finalizers"] = new JsonArray("kubernetes") },
                ["status"] = new JsonObject { ["phase"] = "Active" },
            });
        }

        await server.WaitForControllersAsync();
        for (int n = 0; n < namespaces; n++)
        {
            string ns = NamespaceName(n);
            for (int i = 1; i < perNamespace; i++)
            {
                server.Store.Create(ResourceType.ServiceAccounts, new JsonObject
                {
                    ["apiVersion"] = "v1",
                    ["kind"] = "ServiceAccount",
                    ["metadata"] = new JsonObject
                    {
                        ["name"] = "app-" + i.ToString("D3", CultureInfo.InvariantCulture),
                        ["namespace"] = ns,
                        ["labels"] = new JsonObject { ["app.kubernetes.io/name"] = "bench", ["tier"] = (i % 3).ToString(CultureInfo.InvariantCulture) },
                        ["annotations"] = new JsonObject { ["bench.example.com/owner"] = "team-" + (n % 17).ToString(CultureInfo.InvariantCulture) },
                    },
                });
            }
        }

        await server.WaitForControllersAsync();
    }

    private static string NamespaceName(int n) => "bench-" + n.ToString("D3", CultureInfo.InvariantCulture);
}
