using System.Net;

namespace K8sServiceAccount.Integration.Tests.LocalApiServer;

/// <summary>Fault injection through the admin-only endpoint (own server: the settings are server-wide).</summary>
public sealed class FaultInjectionTests : IClassFixture<ServerFixture>
{
    private readonly ServerFixture _server;

    public FaultInjectionTests(ServerFixture server)
    {
        _server = server;
    }

    [Fact]
    public async Task OnlyMastersChangeFaultsAndInjectedFaultsLookLikeTheRealOnes()
    {
        using HttpClient bob = _server.Host.CreateHttpClient("bob");
        Reply refused = await ServerFixture.SendAsync(bob, HttpMethod.Put, "/admin/faults", """{"errorRate":1}""");
        Assert.Equal(HttpStatusCode.Forbidden, refused.Status);

        Reply invalid = await _server.AdminAsync(HttpMethod.Put, "/admin/faults", """{"errorRate":2}""");
        Assert.Equal(HttpStatusCode.BadRequest, invalid.Status);

        Assert.Equal(HttpStatusCode.OK, (await _server.AdminAsync(HttpMethod.Put, "/admin/faults", """{"throttleRate":1,"retryAfterSeconds":3}""")).Status);
        Reply throttled = await _server.AdminAsync(HttpMethod.Get, "/api/v1/namespaces");
        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.Status);
        Assert.Equal("3", throttled.Headers.RetryAfter!.ToString());
        Assert.Equal("Too many requests, please try again later.", throttled.Text.Trim());

        await _server.AdminAsync(HttpMethod.Put, "/admin/faults", """{"errorRate":1}""");
        Reply failed = await _server.AdminAsync(HttpMethod.Get, "/api/v1/namespaces");
        Assert.Equal(HttpStatusCode.InternalServerError, failed.Status);
        Assert.Equal("InternalError", failed.Reason);

        await _server.AdminAsync(HttpMethod.Put, "/admin/faults", """{"dropRate":1}""");
        await Assert.ThrowsAsync<HttpRequestException>(() => _server.AdminAsync(HttpMethod.Get, "/api/v1/namespaces"));

        Reply reset = await _server.AdminAsync(HttpMethod.Put, "/admin/faults", "{}");
        Assert.Equal(0, reset.Json!["dropRate"]!.GetValue<double>());
        Assert.Equal(HttpStatusCode.OK, (await _server.AdminAsync(HttpMethod.Get, "/api/v1/namespaces")).Status);
    }
}
