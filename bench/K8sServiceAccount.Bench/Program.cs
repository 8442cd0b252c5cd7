namespace K8sServiceAccount.Bench;

/// <summary>
/// Runs one benchmark scenario: <c>dotnet run -c Release --project bench/K8sServiceAccount.Bench -- &lt;scenario&gt; [options]</c>.
/// Each scenario measures our code side by side with its named peer in the same run and prints medians and
/// ratios (recorded in BENCHMARKS.md). Add a scenario by adding one line to <see cref="Scenarios"/>.
/// </summary>
public static class Program
{
    private static readonly IReadOnlyDictionary<string, (string Description, Func<string[], int> Run)> Scenarios =
        new Dictionary<string, (string, Func<string[], int>)>(StringComparer.OrdinalIgnoreCase)
        {
            ["kubeconfig"] = ("resolve a connection from a 3-file KUBECONFIG with 100 contexts vs kubectl config view --minify", KubeconfigBenchmark.Run),
            ["permissions"] = ("5,000 permission checks: kubectl auth can-i --as per process vs SubjectAccessReview batch vs RBAC snapshot", PermissionBenchmark.Run),
            [PermissionBenchmark.ColdClientScenario] = ("(used by permissions) one batch in a fresh client process against a running server: --kubeconfig PATH --concurrency N", PermissionBenchmark.RunColdClient),
            [ServerSarThroughput.Name] = ("SubjectAccessReviews/s the local API server answers to 32 concurrent clients", ServerSarThroughput.Run),
            [ServiceAccountWarmBenchmark.Name] = ("200 warm Get-K8sServiceAccount calls on one connection vs kubectl.1.28 get sa -o json", ServiceAccountWarmBenchmark.Run),
            [ServiceAccountTokenBenchmark.Name] = ("Get-K8sSaToken on a warm connection: requests per token, latency vs kubectl.1.28 create token", ServiceAccountTokenBenchmark.Run),
            [RiskAuditBenchmark.Name] = ("risk audit of 10,000 bindings and 2,000 roles from a snapshot: time, allocated bytes, peak working set", RiskAuditBenchmark.Run),
            [ServiceAccountStreamBenchmark.Name] = ("Get-K8sServiceAccount -AllNamespaces over 50,000 ServiceAccounts: first object, heap growth, total vs server baseline", ServiceAccountStreamBenchmark.Run),
        };

    public static int Main(string[] args)
    {
        if (args.Length == 0 || !Scenarios.TryGetValue(args[0], out var scenario))
        {
            Console.Error.WriteLine("usage: K8sServiceAccount.Bench <scenario> [options]");
            foreach (var (name, (description, _)) in Scenarios.OrderBy(s => s.Key, StringComparer.Ordinal))
            {
                Console.Error.WriteLine($"  {name,-14} {description}");
            }

            return 2;
        }

        return scenario.Run(args[1..]);
    }
}
