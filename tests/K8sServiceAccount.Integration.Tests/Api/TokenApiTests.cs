using System.Diagnostics;
using System.Text.Json;
using K8sServiceAccount.Client;
using K8sServiceAccount.Client.Api;
using K8sServiceAccount.Client.Http;
using K8sServiceAccount.Client.Models;
using Xunit.Abstractions;

namespace K8sServiceAccount.Integration.Tests.Api;

/// <summary>TokenOperations, AuthenticationOperations and the ServiceAccount kubeconfig against the local API server.</summary>
public sealed class TokenApiTests(LocalServerFixture fixture, ITestOutputHelper output) : IClassFixture<LocalServerFixture>
{
    private const string Kubectl128 = "/usr/lib/google-cloud-sdk/bin/kubectl.1.28";

    private readonly TokenOperations tokens = new(fixture.Transport);
    private readonly AuthenticationOperations authentication = new(fixture.Transport);

    [Fact]
    public async Task Bound_token_authenticates_as_the_service_account()
    {
        var ns = await fixture.NewNamespaceAsync("tok-bound");
        var account = await fixture.NewServiceAccountAsync(ns, "app");

        var token = await tokens.RequestTokenAsync(ns, "app");

        Assert.Null(token.RequestedDuration);
        Assert.Equal(TimeSpan.FromHours(1), token.GrantedDuration);
        Assert.False(token.IsShortened);
        Assert.NotEmpty(token.Audiences);
        var review = await authentication.ReviewTokenAsync(token.Token);
        Assert.True(review.Authenticated, review.Error);
        Assert.Equal($"system:serviceaccount:{ns}:app", review.User!.Username);
        Assert.Equal(account.Metadata.Uid, review.User.Uid);
        Assert.Contains("system:serviceaccounts", review.User.Groups);
        Assert.Contains($"system:serviceaccounts:{ns}", review.User.Groups);
    }

    [Fact]
    public async Task Audiences_and_duration_are_granted_as_asked()
    {
        var ns = await fixture.NewNamespaceAsync("tok-aud");
        await fixture.NewServiceAccountAsync(ns, "app");

        var token = await tokens.RequestTokenAsync(ns, "app", new TokenRequestOptions
        {
            Audiences = new[] { "https://vault.example" },
            Duration = TimeSpan.FromMinutes(10),
        });

        Assert.Equal(new[] { "https://vault.example" }, token.Audiences);
        Assert.Equal(TimeSpan.FromMinutes(10), token.GrantedDuration);
        var forVault = await authentication.ReviewTokenAsync(token.Token, new[] { "https://vault.example" });
        Assert.True(forVault.Authenticated, forVault.Error);
        var forApi = await authentication.ReviewTokenAsync(token.Token);
        Assert.False(forApi.Authenticated);
    }

    [Fact]
    public async Task Ten_minute_minimum_is_enforced_here_with_the_servers_own_wording()
    {
        var ns = await fixture.NewNamespaceAsync("tok-min");
        await fixture.NewServiceAccountAsync(ns, "app");

        var ours = await Assert.ThrowsAsync<K8sClientException>(() =>
            tokens.RequestTokenAsync(ns, "app", new TokenRequestOptions { Duration = TimeSpan.FromSeconds(599) }));
        Assert.Equal("TokenDurationTooShort", ours.ErrorId);

        var theirs = await Assert.ThrowsAsync<KubernetesApiException>(() => fixture.Transport.SendAsync(
            HttpMethod.Post,
            $"/api/v1/namespaces/{ns}/serviceaccounts/app/token",
            new TokenRequest { Spec = new TokenRequestSpec { ExpirationSeconds = 599 } },
            KubeJsonContext.Default.TokenRequest,
            KubeJsonContext.Default.TokenRequest,
            CancellationToken.None));
        Assert.True(theirs.IsInvalid);
        Assert.Contains("spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 10 minutes", theirs.Message);
        Assert.Contains("spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 10 minutes", ours.Message);
    }

    [Fact]
    public async Task Shortened_token_reports_requested_and_granted_lifetimes()
    {
        var ns = await fixture.NewNamespaceAsync("tok-short");
        await fixture.NewServiceAccountAsync(ns, "app");
        var warnings = new List<string>();
        void Collect(string warning)
        {
            lock (warnings)
            {
                warnings.Add(warning);
            }
        }

        fixture.Transport.ServerWarning += Collect;
        ServiceAccountToken token;
        try
        {
            token = await tokens.RequestTokenAsync(ns, "app", new TokenRequestOptions { Duration = TimeSpan.FromHours(3) });
        }
        finally
        {
            fixture.Transport.ServerWarning -= Collect;
        }

        Assert.True(token.IsShortened);
        Assert.Equal(TimeSpan.FromHours(3), token.RequestedDuration);
        Assert.Equal(TimeSpan.FromSeconds(LocalServerFixture.MaxTokenExpirationSeconds), token.GrantedDuration);
        Assert.NotNull(token.ShortenedWarning);
        Assert.Contains("requested expiration of 10800 seconds shortened to 7200 seconds", warnings);
    }

    [Fact]
    public async Task Missing_service_account_is_the_servers_NotFound()
    {
        var ns = await fixture.NewNamespaceAsync("tok-missing");
        var e = await Assert.ThrowsAsync<KubernetesApiException>(() => tokens.RequestTokenAsync(ns, "ghost"));
        Assert.True(e.IsNotFound);
        Assert.Equal("serviceaccounts \"ghost\" not found", e.Message);
    }

    [Fact]
    public async Task Tokens_of_a_deleted_service_account_are_rejected()
    {
        var ns = await fixture.NewNamespaceAsync("tok-deleted");
        await fixture.NewServiceAccountAsync(ns, "app");
        var bound = await tokens.RequestTokenAsync(ns, "app");
        var legacy = await tokens.GetOrCreateLegacyTokenAsync(ns, "app", TimeSpan.FromSeconds(30));
        Assert.True((await authentication.ReviewTokenAsync(bound.Token)).Authenticated);
        Assert.True((await authentication.ReviewTokenAsync(legacy.Token)).Authenticated);

        await new ServiceAccountOperations(fixture.Transport).DeleteAsync(ns, "app");
        await fixture.Server.WaitForControllersAsync();

        var boundReview = await authentication.ReviewTokenAsync(bound.Token);
        Assert.False(boundReview.Authenticated);
        Assert.False(string.IsNullOrEmpty(boundReview.Error));
        Assert.Null(boundReview.User);
        var legacyReview = await authentication.ReviewTokenAsync(legacy.Token);
        Assert.False(legacyReview.Authenticated);
    }

    [Fact]
    public async Task Token_bound_to_a_secret_dies_with_the_secret()
    {
        var ns = await fixture.NewNamespaceAsync("tok-secret");
        await fixture.NewServiceAccountAsync(ns, "app");
        await fixture.Transport.SendAsync(
            HttpMethod.Post,
            $"/api/v1/namespaces/{ns}/secrets",
            new Secret { Metadata = new ObjectMeta { Name = "anchor" }, Type = "Opaque" },
            KubeJsonContext.Default.Secret,
            KubeJsonContext.Default.Secret,
            CancellationToken.None);

        var token = await tokens.RequestTokenAsync(ns, "app", new TokenRequestOptions { Binding = new TokenBinding("Secret", "anchor") });
        Assert.Equal("Secret", token.BoundObject!.Kind);
        Assert.False(string.IsNullOrEmpty(token.BoundObject.Uid));
        Assert.True((await authentication.ReviewTokenAsync(token.Token)).Authenticated);

        await fixture.Transport.SendAsync<DeleteOptions, Secret>(
            HttpMethod.Delete, $"/api/v1/namespaces/{ns}/secrets/anchor", null, null, KubeJsonContext.Default.Secret, CancellationToken.None);
        Assert.False((await authentication.ReviewTokenAsync(token.Token)).Authenticated);
    }

    [Fact]
    public async Task Legacy_token_is_created_once_filled_by_the_controller_and_reused()
    {
        var ns = await fixture.NewNamespaceAsync("tok-legacy");
        await fixture.NewServiceAccountAsync(ns, "app");

        var first = await tokens.GetOrCreateLegacyTokenAsync(ns, "app", TimeSpan.FromSeconds(30));
        Assert.True(first.Created);
        Assert.StartsWith("app-token-", first.SecretName);
        Assert.NotNull(first.CertificateAuthorityData);
        var review = await authentication.ReviewTokenAsync(first.Token);
        Assert.True(review.Authenticated, review.Error);
        Assert.Equal($"system:serviceaccount:{ns}:app", review.User!.Username);

        var second = await tokens.GetOrCreateLegacyTokenAsync(ns, "app", TimeSpan.FromSeconds(30));
        Assert.False(second.Created);
        Assert.Equal(first.SecretName, second.SecretName);
        Assert.Equal(first.Token, second.Token);
    }

    [Fact]
    public async Task Token_secret_for_a_missing_service_account_is_deleted_by_the_controller_and_reported()
    {
        var ns = await fixture.NewNamespaceAsync("tok-orphan");
        var e = await Assert.ThrowsAsync<K8sClientException>(() => tokens.CreateLegacyTokenAsync(ns, "ghost", TimeSpan.FromSeconds(30)));
        Assert.Equal("LegacyTokenSecretDeleted", e.ErrorId);
        Assert.Contains($"ServiceAccount {ns}/ghost exists", e.Message);
    }

    [Fact]
    public async Task Legacy_token_for_a_missing_service_account_creates_nothing()
    {
        var ns = await fixture.NewNamespaceAsync("tok-legacy-missing");
        var e = await Assert.ThrowsAsync<KubernetesApiException>(() => tokens.GetOrCreateLegacyTokenAsync(ns, "ghost"));
        Assert.Equal("serviceaccounts \"ghost\" not found", e.Message);
        Assert.Null(await tokens.FindLegacyTokenSecretAsync(ns, "ghost"));
    }

    [Fact]
    public async Task Kubectl_authenticates_as_the_service_account_with_the_generated_kubeconfig()
    {
        if (!KubectlAvailable())
        {
            return;
        }

        var ns = await fixture.NewNamespaceAsync("tok-kubectl");
        var account = await fixture.NewServiceAccountAsync(ns, "ci");
        var token = await tokens.RequestTokenAsync(ns, "ci", new TokenRequestOptions { Duration = TimeSpan.FromMinutes(30) });
        var config = ServiceAccountKubeconfigBuilder.Build(fixture.Admin, token);
        var directory = Directory.CreateTempSubdirectory("sa-kubeconfig-").FullName;
        try
        {
            var path = Path.Combine(directory, "ci.kubeconfig");
            OwnerOnlyFile.WriteAllText(path, config.Yaml, overwrite: false);
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            }

            var (exitCode, stdout, stderr) = await RunKubectlAsync(path, directory, "auth", "whoami", "-o", "json");
            Assert.True(exitCode == 0, $"kubectl auth whoami failed ({exitCode}): {stderr}");
            using var answer = JsonDocument.Parse(stdout);
            var user = answer.RootElement.GetProperty("status").GetProperty("userInfo");
            Assert.Equal($"system:serviceaccount:{ns}:ci", user.GetProperty("username").GetString());
            Assert.Equal(account.Metadata.Uid, user.GetProperty("uid").GetString());

            var (_, namespaceOut, _) = await RunKubectlAsync(path, directory, "config", "view", "--minify", "-o", "jsonpath={.contexts[0].context.namespace}");
            Assert.Equal(ns, namespaceOut.Trim());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private bool KubectlAvailable()
    {
        if (File.Exists(Kubectl128))
        {
            return true;
        }

        Assert.False(
            string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase),
            $"{Kubectl128} is missing; the kubectl check must run in CI.");
        output.WriteLine($"SKIPPED: the kubectl check needs {Kubectl128}, which is not installed on this machine.");
        Console.WriteLine($"SKIPPED: the kubectl check needs {Kubectl128}, which is not installed on this machine.");
        return false;
    }

    // KUBECONFIG and HOME are set for the child only; the test process environment is untouched.
    private static async Task<(int ExitCode, string Output, string Error)> RunKubectlAsync(string kubeconfig, string home, params string[] arguments)
    {
        var start = new ProcessStartInfo(Kubectl128)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["KUBECONFIG"] = kubeconfig;
        start.Environment["HOME"] = home;
        start.Environment["KUBECACHEDIR"] = Path.Combine(home, "cache");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
