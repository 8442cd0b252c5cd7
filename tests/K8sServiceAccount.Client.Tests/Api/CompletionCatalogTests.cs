using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using K8sServiceAccount.Client.Api;
using K8sServiceAccount.Client.Http;
using Xunit;

namespace K8sServiceAccount.Client.Tests.Api;

public sealed class CompletionCatalogTests
{
    private const string TwoNames = """{"items":[{"metadata":{"name":"b"}},{"metadata":{"name":"a"}}]}""";

    [Fact]
    public void ACallerWaitsAtMostItsTimeAndARunningRequestIsNotWaitedForTwice()
    {
        var server = new GatedTransport(TwoNames);
        var catalog = CompletionCatalog.For(server);

        var watch = Stopwatch.StartNew();
        Assert.Null(catalog.Names(CatalogKind.ServiceAccounts, "ns", TimeSpan.FromMilliseconds(200)));
        Assert.InRange(watch.ElapsedMilliseconds, 150, 3000);

        watch.Restart();
        Assert.Null(catalog.Names(CatalogKind.ServiceAccounts, "ns", TimeSpan.FromSeconds(5)));
        Assert.True(watch.ElapsedMilliseconds < 1000, $"waited {watch.ElapsedMilliseconds} ms again");

        server.Open();
        Assert.True(SpinWait.SpinUntil(() => catalog.Names(CatalogKind.ServiceAccounts, "ns", TimeSpan.Zero) is not null, 5000));
        Assert.Equal(["a", "b"], catalog.Names(CatalogKind.ServiceAccounts, "ns", TimeSpan.Zero));
        Assert.Equal(["/api/v1/namespaces/ns/serviceaccounts?limit=500"], server.Paths);
    }

    [Fact]
    public void EachNamespaceAndKindIsAskedForOnItsOwn()
    {
        var server = new GatedTransport(TwoNames);
        server.Open();
        var catalog = CompletionCatalog.For(server);

        Assert.Equal(["a", "b"], catalog.Names(CatalogKind.Roles, "x", TimeSpan.FromSeconds(5)));
        Assert.Equal(["a", "b"], catalog.Names(CatalogKind.Roles, "y", TimeSpan.FromSeconds(5)));
        Assert.Equal(["a", "b"], catalog.Names(CatalogKind.Namespaces, "ignored", TimeSpan.FromSeconds(5)));
        Assert.Equal(["a", "b"], catalog.Names(CatalogKind.Namespaces, "other", TimeSpan.FromSeconds(5)));
        Assert.Equal(
            ["/apis/rbac.authorization.k8s.io/v1/namespaces/x/roles?limit=500", "/apis/rbac.authorization.k8s.io/v1/namespaces/y/roles?limit=500", "/api/v1/namespaces?limit=500"],
            server.Paths);
    }

    [Fact]
    public void AFailureIsRememberedSoADeadServerCostsOneWait()
    {
        var server = new GatedTransport(TwoNames) { Failure = new K8sClientException("ServerUnreachable", K8sErrorCategory.ConnectionError, "refused") };
        server.Open();
        var catalog = CompletionCatalog.For(server);

        Assert.Null(catalog.Names(CatalogKind.ClusterRoles, null, TimeSpan.FromSeconds(5)));
        Assert.Null(catalog.Names(CatalogKind.ClusterRoles, null, TimeSpan.FromSeconds(5)));
        Assert.Single(server.Paths);
    }

    /// <summary>Answers every GET with one JSON body (or a failure), once opened.</summary>
    private sealed class GatedTransport(string json) : IKubernetesTransport
    {
        private readonly TaskCompletionSource open = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly List<string> paths = [];

        public event Action<string>? ServerWarning { add { } remove { } }

        public Exception? Failure { get; init; }

        public IReadOnlyList<string> Paths
        {
            get
            {
                lock (paths)
                {
                    return paths.ToList();
                }
            }
        }

        public void Open() => open.TrySetResult();

        public async Task<TResponse> GetAsync<TResponse>(string path, JsonTypeInfo<TResponse> responseType, CancellationToken cancellationToken)
        {
            lock (paths)
            {
                paths.Add(path);
            }

            await open.Task.WaitAsync(cancellationToken);
            return Failure is null ? JsonSerializer.Deserialize(json, responseType)! : throw Failure;
        }

        public Task<TResponse> SendAsync<TRequest, TResponse>(HttpMethod method, string path, TRequest? body, JsonTypeInfo<TRequest>? requestType, JsonTypeInfo<TResponse> responseType, CancellationToken cancellationToken, string? contentType = null) =>
            throw new NotSupportedException();

        public IAsyncEnumerable<Models.WatchEvent<T>> WatchAsync<T>(string path, JsonTypeInfo<Models.WatchEvent<T>> eventType, CancellationToken cancellationToken) =>
            throw new NotSupportedException();
    }
}
