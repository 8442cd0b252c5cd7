using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using K8sServiceAccount.Client.Api;
using K8sServiceAccount.Client.Http;
using K8sServiceAccount.Client.Models;
using K8sServiceAccount.Client.Tests.Http.Support;

namespace K8sServiceAccount.Client.Tests;

/// <summary>
/// Issue 11, defect 11: the request timeout can be set per call scope, as kubectl's --request-timeout (parsed as
/// client-go's clientcmd.ParseTimeout), and bounds a whole call, retries included.
/// </summary>
public sealed class RequestTimeoutTests
{
    [Theory]
    [InlineData("0", 0)]
    [InlineData("5", 5)]
    [InlineData("90", 90)]
    [InlineData(" 7 ", 7)]
    [InlineData("1s", 1)]
    [InlineData("2m", 120)]
    [InlineData("3h", 10800)]
    [InlineData("1h30m", 5400)]
    [InlineData("1.5s", 1.5)]
    [InlineData("500ms", 0.5)]
    [InlineData("0s", 0)]
    [InlineData("00:00:30", 30)]
    public void A_request_timeout_is_read_as_kubectl_reads_it(string text, double seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), DurationArgument.ParseRequestTimeout(text));
    }

    [Theory]
    [InlineData("-1", "it is negative")]
    [InlineData("-5s", "it is negative")]
    [InlineData("-00:00:05", "it is negative")]
    [InlineData("garbage", "time: invalid duration \"garbage\"")]
    [InlineData("1.5", "missing unit")]
    [InlineData("", "time: invalid duration")]
    [InlineData("1d", "unknown unit \"d\"")]
    [InlineData("99999999999999999999", "too large")]
    public void A_bad_request_timeout_is_InvalidDuration_naming_the_text(string text, string reason)
    {
        var error = Assert.Throws<K8sClientException>(() => DurationArgument.ParseRequestTimeout(text));
        Assert.Equal("InvalidDuration", error.ErrorId);
        Assert.StartsWith($"Cannot read \"{text}\" as a request timeout: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.Contains("a whole number of seconds (0: no timeout)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_negative_scope_timeout_is_refused()
    {
        using var connection = KubernetesConnection.Create(TestConnections.Settings(server: new Uri("http://127.0.0.1:1")));
        Assert.Throws<ArgumentOutOfRangeException>(() => connection.UseRequestTimeout(TimeSpan.FromSeconds(-1)));
    }

    [Fact]
    public async Task The_scope_timeout_bounds_a_server_that_never_answers_and_ends_with_the_scope()
    {
        using var server = new RawServer(answer: null);
        using var connection = KubernetesConnection.Create(TestConnections.Settings(server: server.Url), new KubernetesConnectionOptions { MaxRetries = 0 });
        var watch = Stopwatch.StartNew();
        K8sClientException error;
        using (connection.UseRequestTimeout(TimeSpan.FromMilliseconds(500)))
        {
            error = await Assert.ThrowsAsync<K8sClientException>(() => Get(connection));
        }

        Assert.Equal("KubernetesRequestTimeout", error.ErrorId);
        Assert.Equal(K8sErrorCategory.OperationTimeout, error.Category);
        Assert.Contains("did not complete within 0.5 seconds (the request timeout", error.Message, StringComparison.Ordinal);
        Assert.InRange(watch.ElapsedMilliseconds, 400, 5000);

        // Outside the scope the default applies again: the call is still waiting after a second.
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => connection.GetAsync("/version", KubeJsonContext.Default.ServiceAccount, stop.Token));
    }

    [Fact]
    public async Task The_scope_timeout_counts_retries_and_the_waits_between_them()
    {
        // Every answer a 503: a GET is retried 5 times with backoff (about 7.75 s in all) unless the timeout ends it.
        using var server = new RawServer(answer: "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
        using var connection = KubernetesConnection.Create(TestConnections.Settings(server: server.Url));
        var watch = Stopwatch.StartNew();
        // 3 s: long enough for a retry even when a loaded CI machine (test projects run in parallel) slows the first
        // attempt (1 s once saw a single request), and well short of the 7.75 s the retries alone would take.
        using (connection.UseRequestTimeout(TimeSpan.FromSeconds(3)))
        {
            var error = await Assert.ThrowsAsync<K8sClientException>(() => Get(connection));
            Assert.Equal("KubernetesRequestTimeout", error.ErrorId);
        }

        Assert.InRange(watch.ElapsedMilliseconds, 2900, 7000);
        Assert.True(server.Requests >= 2, $"{server.Requests} requests: the call was not retried before the timeout");
    }

    [Fact]
    public async Task A_zero_scope_timeout_means_none_and_the_caller_still_cancels()
    {
        using var server = new RawServer(answer: null);
        using var connection = KubernetesConnection.Create(TestConnections.Settings(server: server.Url),
            new KubernetesConnectionOptions { Timeout = TimeSpan.FromMilliseconds(300), MaxRetries = 0 });
        using (connection.UseRequestTimeout(TimeSpan.Zero))
        {
            // The per-attempt default (300 ms here) does not apply either: only the caller's cancellation ends the call.
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(1.5));
            var watch = Stopwatch.StartNew();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Get(connection, stop.Token));
            Assert.True(watch.ElapsedMilliseconds >= 1400, $"ended after {watch.ElapsedMilliseconds} ms");
        }
    }

    private static Task<ServiceAccount> Get(KubernetesConnection connection, CancellationToken cancellationToken = default) =>
        connection.GetAsync("/api/v1/namespaces/default/serviceaccounts/x", KubeJsonContext.Default.ServiceAccount, cancellationToken);

    /// <summary>A TCP server that reads each request's head and sends <c>answer</c>, or never answers when it is null.</summary>
    private sealed class RawServer : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly List<TcpClient> _clients = [];
        private int _requests;

        public RawServer(string? answer)
        {
            _listener.Start();
            Url = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");
            _ = Task.Run(async () =>
            {
                while (true)
                {
                    TcpClient client;
                    try
                    {
                        client = await _listener.AcceptTcpClientAsync();
                    }
                    catch (Exception)
                    {
                        return;
                    }

                    lock (_clients)
                    {
                        _clients.Add(client);
                    }

                    _ = Task.Run(() => ServeAsync(client, answer));
                }
            });
        }

        public Uri Url { get; }

        public int Requests => Volatile.Read(ref _requests);

        public void Dispose()
        {
            _listener.Stop();
            lock (_clients)
            {
                _clients.ForEach(c => c.Dispose());
            }
        }

        private async Task ServeAsync(TcpClient client, string? answer)
        {
            try
            {
                var stream = client.GetStream();
                var head = new StringBuilder();
                var one = new byte[1];
                while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
                {
                    if (await stream.ReadAsync(one) == 0)
                    {
                        return;
                    }

                    head.Append((char)one[0]);
                }

                Interlocked.Increment(ref _requests);
                if (answer is not null)
                {
                    await stream.WriteAsync(Encoding.ASCII.GetBytes(answer));
                    client.Dispose();
                }
            }
            catch (Exception)
            {
                // The client went away.
            }
        }
    }
}
