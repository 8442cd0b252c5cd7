using System.Collections.Concurrent;
using System.Text.Json.Serialization.Metadata;
using K8sServiceAccount.Client.Http;
using K8sServiceAccount.Client.Models;
using K8sServiceAccount.Client.Permissions;

namespace K8sServiceAccount.Client.Tests.Permissions;

/// <summary>
/// A snapshot lists four kinds at once. When one list fails, the others are cancelled rather than read to the end: a
/// hostile server's 64 MiB answers to the other three (the hostile suite's huge-chunked mode) took 2.4 s of processor
/// time and +268 MB before the first failure was reported.
/// </summary>
public sealed class RbacSnapshotLoadTests
{
    [Fact]
    public async Task OneFailedListCancelsTheOthersAndItsErrorIsReported()
    {
        var transport = new OneFailingTransport("clusterrolebindings");
        var load = RbacSnapshot.LoadAsync(transport);

        var finished = await Task.WhenAny(load, Task.Delay(TimeSpan.FromSeconds(10)));
        Assert.Same(load, finished);
        var error = await Assert.ThrowsAsync<K8sClientException>(() => load);
        Assert.Equal("KubernetesInternalError", error.ErrorId);
        Assert.Equal(["clusterroles", "rolebindings", "roles"], transport.Cancelled.Order(StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public async Task TheCallersCancellationIsStillACancellation()
    {
        using var cancel = new CancellationTokenSource();
        var transport = new OneFailingTransport(failing: null);
        var load = RbacSnapshot.LoadAsync(transport, cancellationToken: cancel.Token);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => load);
    }

    /// <summary>Fails the list of one resource at once; every other list waits until it is cancelled.</summary>
    private sealed class OneFailingTransport(string? failing) : IKubernetesTransport
    {
        public ConcurrentBag<string> Cancelled { get; } = new();

        public event Action<string>? ServerWarning { add { } remove { } }

        public async Task<TResponse> GetAsync<TResponse>(string path, JsonTypeInfo<TResponse> responseType, CancellationToken cancellationToken)
        {
            var resource = path[(path.LastIndexOf('/') + 1)..path.IndexOf('?')];
            if (resource == failing)
            {
                await Task.Yield();
                throw new K8sClientException("KubernetesInternalError", K8sErrorCategory.NotSpecified, "the list failed");
            }

            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                Cancelled.Add(resource);
                throw;
            }

            throw new InvalidOperationException("unreachable");
        }

        public Task<TResponse> SendAsync<TRequest, TResponse>(HttpMethod method, string path, TRequest? body, JsonTypeInfo<TRequest>? requestType,
            JsonTypeInfo<TResponse> responseType, CancellationToken cancellationToken, string? contentType = null) => throw new NotSupportedException();

        public IAsyncEnumerable<WatchEvent<T>> WatchAsync<T>(string path, JsonTypeInfo<WatchEvent<T>> eventType, CancellationToken cancellationToken) =>
            throw new NotSupportedException();
    }
}
