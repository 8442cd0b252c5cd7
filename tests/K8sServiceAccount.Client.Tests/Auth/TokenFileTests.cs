using System.Net;
using K8sServiceAccount.Client.Config;
using K8sServiceAccount.Client.Http;
using K8sServiceAccount.Client.Models;
using K8sServiceAccount.Client.Tests.Http.Support;

namespace K8sServiceAccount.Client.Tests.Auth;

/// <summary>tokenFile and the in-cluster token: re-read at most once a minute, the last good token kept.</summary>
public sealed class TokenFileTests
{
    private const string TokenPath = "/var/run/secrets/kubernetes.io/serviceaccount/token";
    private const string ApiPath = "/api/v1/namespaces/default/serviceaccounts";

    [Fact]
    public async Task A_rotated_token_is_picked_up_after_a_minute_not_before()
    {
        var environment = new TestEnvironment();
        environment.WriteFile(TokenPath, "token-one\n");
        var stub = new StubHandler((_, _) => StubHandler.Json(HttpStatusCode.OK, """{"items":[]}"""));
        using var connection = TestConnections.OverStub(stub, new AuthSettings { TokenFile = TokenPath }, environment: environment);

        await Get(connection);
        environment.WriteFile(TokenPath, "token-two");
        environment.Advance(TimeSpan.FromSeconds(59));
        await Get(connection);
        environment.Advance(TimeSpan.FromSeconds(2));
        await Get(connection);

        Assert.Equal(["Bearer token-one", "Bearer token-one", "Bearer token-two"], stub.Requests.Select(r => r.Authorization));
        Assert.Equal(2, environment.Reads);
    }

    [Fact]
    public async Task An_unreadable_file_keeps_the_last_good_token_and_warns_without_the_token()
    {
        var environment = new TestEnvironment();
        environment.WriteFile(TokenPath, "token-one");
        var stub = new StubHandler((_, _) => StubHandler.Json(HttpStatusCode.OK, """{"items":[]}"""));
        using var connection = TestConnections.OverStub(stub, new AuthSettings { TokenFile = TokenPath }, environment: environment);
        var log = new RecordingLog();

        using (connection.UseLog(log))
        {
            await Get(connection);
            environment.FailReads(TokenPath, new UnauthorizedAccessException($"Access to the path '{TokenPath}' is denied."));
            environment.Advance(TimeSpan.FromMinutes(2));
            await Get(connection);
            await Get(connection); // within the minute after the failed read: no new attempt, no new warning
            environment.WriteFile(TokenPath, "token-two");
            environment.Advance(TimeSpan.FromMinutes(2));
            await Get(connection);
        }

        Assert.Equal(
            ["Bearer token-one", "Bearer token-one", "Bearer token-one", "Bearer token-two"],
            stub.Requests.Select(r => r.Authorization));
        var warning = Assert.Single(log.WarningLines);
        Assert.Contains("Unable to rotate token", warning);
        Assert.Contains(TokenPath, warning);
        log.AssertNoSecrets("token-one", "token-two");
    }

    [Fact]
    public async Task An_empty_file_after_a_good_read_keeps_the_last_good_token()
    {
        var environment = new TestEnvironment();
        environment.WriteFile(TokenPath, "token-one");
        var stub = new StubHandler((_, _) => StubHandler.Json(HttpStatusCode.OK, """{"items":[]}"""));
        using var connection = TestConnections.OverStub(stub, new AuthSettings { TokenFile = TokenPath }, environment: environment);
        var log = new RecordingLog();

        using (connection.UseLog(log))
        {
            await Get(connection);
            environment.WriteFile(TokenPath, "  \n");
            environment.Advance(TimeSpan.FromMinutes(1));
            await Get(connection);
        }

        Assert.All(stub.Requests, r => Assert.Equal("Bearer token-one", r.Authorization));
        Assert.Contains("read empty token from file", Assert.Single(log.WarningLines));
    }

    [Fact]
    public async Task A_file_that_cannot_be_read_the_first_time_is_an_error_naming_the_file()
    {
        var environment = new TestEnvironment();
        var stub = new StubHandler((_, _) => StubHandler.Json(HttpStatusCode.OK, """{"items":[]}"""));
        using var connection = TestConnections.OverStub(stub, new AuthSettings { TokenFile = TokenPath }, environment: environment);

        var error = await Assert.ThrowsAsync<K8sClientException>(() => Get(connection));

        Assert.Equal("TokenFileUnreadable", error.ErrorId);
        Assert.Equal(TokenPath, error.Target);
        Assert.Contains($"failed to read token file \"{TokenPath}\"", error.Message);
        Assert.Empty(stub.Requests);
    }

    [Fact]
    public async Task A_401_re_reads_the_file_at_once_and_resends_only_when_the_token_changed()
    {
        var environment = new TestEnvironment();
        environment.WriteFile(TokenPath, "token-one");
        var revoked = false;
        var stub = new StubHandler((request, _) => revoked && request.Authorization == "Bearer token-one"
            ? StubHandler.Json(HttpStatusCode.Unauthorized, StubHandler.StatusJson(401, "Unauthorized", "Unauthorized"))
            : StubHandler.Json(HttpStatusCode.OK, """{"items":[]}"""));
        using var connection = TestConnections.OverStub(stub, new AuthSettings { TokenFile = TokenPath }, environment: environment);

        await Get(connection);
        revoked = true;
        var error = await Assert.ThrowsAsync<KubernetesApiException>(() => Get(connection));
        Assert.True(error.IsUnauthorized);
        Assert.Equal(2, stub.Requests.Count); // the file still held the rejected token: nothing to resend

        environment.WriteFile(TokenPath, "token-two"); // rotated by the kubelet within the minute
        await Get(connection);

        Assert.Equal(
            ["Bearer token-one", "Bearer token-one", "Bearer token-one", "Bearer token-two"],
            stub.Requests.Select(r => r.Authorization));
    }

    private static Task<ServiceAccountList> Get(KubernetesConnection connection) =>
        connection.GetAsync(ApiPath, KubeJsonContext.Default.ServiceAccountList, CancellationToken.None);
}
