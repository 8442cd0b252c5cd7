using System.Diagnostics;
using System.Net;
using System.Text;
using System.Runtime.CompilerServices;
using System.Text.Json.Serialization.Metadata;
using K8sServiceAccount.Client;
using K8sServiceAccount.Client.Api;
using K8sServiceAccount.Client.Config;
using K8sServiceAccount.Client.Http;
using K8sServiceAccount.Client.Models;
using K8sServiceAccount.LocalApiServer;

namespace K8sServiceAccount.Integration.Tests.Api;

/// <summary>
/// A legacy token Secret that the token controller never fills (a cluster whose kube-controller-manager runs
/// without the serviceaccount-token controller): TokenOperations waits on one watch and fails with
/// LegacyTokenNotFilled at its timeout. The control case runs the same call where the controller is on.
/// </summary>
public sealed class LegacyTokenNeverFilledTests(LocalServerFixture controllerOn, TokenControllerOffFixture controllerOff)
    : IClassFixture<LocalServerFixture>, IClassFixture<TokenControllerOffFixture>
{
    private static readonly TimeSpan ShortTimeout = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task Unfilled_secret_fails_with_LegacyTokenNotFilled_after_the_timeout_on_a_single_watch()
    {
        var ns = await controllerOff.NewNamespaceAsync("never-filled");
        await new ServiceAccountOperations(controllerOff.Transport).CreateAsync(new ServiceAccountDefinition { Namespace = ns, Name = "app" });
        var counting = new CountingTransport(controllerOff.Transport);
        var tokens = new TokenOperations(counting);

        var clock = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<K8sClientException>(() => tokens.CreateLegacyTokenAsync(ns, "app", ShortTimeout));
        clock.Stop();

        Assert.Equal("LegacyTokenNotFilled", e.ErrorId);
        Assert.Equal(K8sErrorCategory.OperationTimeout, e.Category);
        Assert.InRange(clock.Elapsed, ShortTimeout - TimeSpan.FromMilliseconds(50), ShortTimeout + TimeSpan.FromSeconds(5));

        var secret = Assert.Single(await ListTokenSecretsAsync(controllerOff.Transport, ns));
        Assert.Equal($"{ns}/{secret.Metadata.Name}", e.Target);
        Assert.Contains($"Secret {ns}/{secret.Metadata.Name}", e.Message);
        Assert.Contains(ShortTimeout.ToString(), e.Message);
        Assert.DoesNotContain("eyJ", e.Message); // no JWT (they all start with a base64url '{"')

        // The wait is a watch, not a poll: one create, one watch (a second only if the server closed the first
        // a moment before the client's deadline), and no GETs.
        Assert.Equal(1, counting.Sends);
        Assert.InRange(counting.Watches, 1, 2);
        Assert.Equal(0, counting.Gets);

        // The Secret stays as created: no token, left for a later call.
        Assert.True(secret.Data is null || !secret.Data.ContainsKey("token"));
    }

    [Fact]
    public async Task Token_secret_of_a_missing_service_account_is_not_deleted_without_the_controller()
    {
        var ns = await controllerOff.NewNamespaceAsync("never-filled-orphan");
        var created = await new TokenOperations(controllerOff.Transport).CreateLegacyTokenSecretAsync(ns, "ghost");

        await controllerOff.Server.WaitForControllersAsync();

        var secret = Assert.Single(await ListTokenSecretsAsync(controllerOff.Transport, ns));
        Assert.Equal(created.Metadata.Uid, secret.Metadata.Uid);
        Assert.True(secret.Data is null || !secret.Data.ContainsKey("token"));
    }

    [Fact]
    public async Task Control_with_the_token_controller_on_the_token_arrives_through_the_watch()
    {
        var ns = await controllerOn.NewNamespaceAsync("filled");
        await controllerOn.NewServiceAccountAsync(ns, "app");
        var counting = new CountingTransport(controllerOn.Transport);
        var tokens = new TokenOperations(counting);

        var legacy = await tokens.CreateLegacyTokenAsync(ns, "app", TimeSpan.FromSeconds(30));

        Assert.True(legacy.Created);
        Assert.False(string.IsNullOrEmpty(legacy.Token));
        Assert.Equal((1, 1, 0), (counting.Sends, counting.Watches, counting.Gets));
    }

    [Fact]
    public async Task Switching_the_token_controller_on_at_run_time_fills_the_waiting_secret()
    {
        await using var server = await LocalApiServerHost.StartAsync(new LocalApiServerOptions { TokenController = false });
        using var transport = KubernetesConnection.Create(
            ConnectionResolver.Resolve(new ConnectionRequest { KubeconfigPath = server.KubeconfigPath }, SystemEnvironment.Instance));
        using var admin = server.CreateHttpClient("admin", "system:masters");
        using var developer = server.CreateHttpClient("dev", "developers");
        await new ServiceAccountOperations(transport).CreateAsync(new ServiceAccountDefinition { Namespace = "default", Name = "app" });
        var tokens = new TokenOperations(transport);
        var pending = await tokens.CreateLegacyTokenSecretAsync("default", "app");
        var waiting = tokens.WaitForLegacyTokenAsync(pending, TimeSpan.FromSeconds(30), created: true);

        Assert.Equal(HttpStatusCode.Forbidden, (await developer.PutAsync("/admin/controllers", Json("""{"token":true}"""))).StatusCode);
        var unknown = await admin.PutAsync("/admin/controllers", Json("""{"garbage-collector":true}"""));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("garbage-collector", await unknown.Content.ReadAsStringAsync());
        Assert.Equal("""{"token":false}""", await admin.GetStringAsync("/admin/controllers"));
        Assert.False(waiting.IsCompleted);

        var switchedOn = await admin.PutAsync("/admin/controllers", Json("""{"token":true}"""));
        Assert.Equal("""{"token":true}""", await switchedOn.Content.ReadAsStringAsync());

        var legacy = await waiting;
        Assert.Equal(pending.Metadata.Name, legacy.SecretName);
        Assert.False(string.IsNullOrEmpty(legacy.Token));
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static async Task<List<Secret>> ListTokenSecretsAsync(IKubernetesTransport transport, string ns)
    {
        var list = await transport.GetAsync($"/api/v1/namespaces/{ns}/secrets", KubeJsonContext.Default.SecretList, CancellationToken.None);
        return list.Items.Where(s => s.Type == TokenOperations.ServiceAccountTokenSecretType).ToList();
    }

    /// <summary>Passes every call through and counts them by kind, to tell a watch from a polling loop.</summary>
    private sealed class CountingTransport(IKubernetesTransport inner) : IKubernetesTransport
    {
        private int sends;
        private int gets;
        private int watches;

        public int Sends => Volatile.Read(ref sends);

        public int Gets => Volatile.Read(ref gets);

        public int Watches => Volatile.Read(ref watches);

        public event Action<string>? ServerWarning
        {
            add => inner.ServerWarning += value;
            remove => inner.ServerWarning -= value;
        }

        public Task<TResponse> SendAsync<TRequest, TResponse>(
            HttpMethod method, string path, TRequest? body, JsonTypeInfo<TRequest>? requestType, JsonTypeInfo<TResponse> responseType,
            CancellationToken cancellationToken, string? contentType = null)
        {
            Interlocked.Increment(ref sends);
            return inner.SendAsync(method, path, body, requestType, responseType, cancellationToken, contentType);
        }

        public Task<TResponse> GetAsync<TResponse>(string path, JsonTypeInfo<TResponse> responseType, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref gets);
            return inner.GetAsync(path, responseType, cancellationToken);
        }

        public async IAsyncEnumerable<WatchEvent<T>> WatchAsync<T>(
            string path, JsonTypeInfo<WatchEvent<T>> eventType, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref watches);
            await foreach (var change in inner.WatchAsync(path, eventType, cancellationToken).ConfigureAwait(false))
            {
                yield return change;
            }
        }
    }
}

/// <summary>
/// An in-process local API server started with <see cref="LocalApiServerOptions.TokenController"/> off, reached
/// as an admin through the real connection stack. Each test works in a namespace of its own.
/// </summary>
public sealed class TokenControllerOffFixture : IAsyncLifetime
{
    private int namespaceCounter;

    public LocalApiServerHost Server { get; private set; } = null!;

    public KubernetesConnection Transport { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await LocalApiServerHost.StartAsync(new LocalApiServerOptions { TokenController = false });
        var admin = ConnectionResolver.Resolve(new ConnectionRequest { KubeconfigPath = Server.KubeconfigPath }, SystemEnvironment.Instance);
        Transport = KubernetesConnection.Create(admin);
    }

    public async Task DisposeAsync()
    {
        Transport.Dispose();
        await Server.DisposeAsync();
    }

    public async Task<string> NewNamespaceAsync(string prefix)
    {
        var name = $"{prefix}-{Interlocked.Increment(ref namespaceCounter)}";
        await Transport.SendAsync(
            HttpMethod.Post, "/api/v1/namespaces", new Namespace { Metadata = new ObjectMeta { Name = name } },
            KubeJsonContext.Default.Namespace, KubeJsonContext.Default.Namespace, CancellationToken.None);
        // Its default ServiceAccount comes from the namespace controller after the create is answered.
        await Server.WaitForControllersAsync();
        return name;
    }
}
