using System.Diagnostics;
using System.Text.Json;
using K8sServiceAccount.Client;
using K8sServiceAccount.Client.Api;
using K8sServiceAccount.Client.Http;
using K8sServiceAccount.Client.Tokens;
using K8sServiceAccount.Integration.Tests.LocalApiServer;

namespace K8sServiceAccount.Integration.Tests.Scenarios;

/// <summary>
/// tests/Pester/ServiceAccount.Tests.ps1 step for step, through the client operations behind each cmdlet, so the
/// scenario is proven where pwsh is not installed. Each step names the cmdlet call it mirrors. The steps run in
/// one test, in order, as the Pester It blocks do, against one server in the namespace default.
/// </summary>
public sealed class ServiceAccountScenarioTests(ServiceAccountScenarioFixture fixture) : IClassFixture<ServiceAccountScenarioFixture>
{
    private const string Namespace = "default";

    private readonly ServiceAccountOperations accounts = new(fixture.Connection);
    private readonly TokenOperations tokens = new(fixture.Connection);
    private readonly AuthenticationOperations authentication = new(fixture.Connection);

    [Fact]
    public async Task ServiceAccountLifecycle()
    {
        // New-K8sServiceAccount -Name app -Label @{ team = 'payments' }
        var created = await accounts.CreateAsync(new ServiceAccountDefinition
        {
            Namespace = Namespace,
            Name = "app",
            Labels = new Dictionary<string, string> { ["team"] = "payments" },
        });
        Assert.Equal("app", created.Metadata.Name);
        Assert.Equal(Namespace, created.Metadata.Namespace);
        Assert.Equal("payments", created.Metadata.Labels!["team"]);
        var uid = Assert.IsType<string>(created.Metadata.Uid);

        // New-K8sServiceAccount -Name Bad_Name: rejected before any request, with the server's wording.
        var invalid = Assert.Throws<K8sClientException>(() => NameValidation.ValidateServiceAccountName("Bad_Name"));
        Assert.Equal("InvalidServiceAccountName", invalid.ErrorId);
        Assert.Contains("a lowercase RFC 1123 subdomain", invalid.Message);

        // New-K8sServiceAccount -Name app (again): KubernetesAlreadyExists, ResourceExists, the server's text.
        var exists = await Assert.ThrowsAsync<KubernetesApiException>(() =>
            accounts.CreateAsync(new ServiceAccountDefinition { Namespace = Namespace, Name = "app" }));
        Assert.Equal("KubernetesAlreadyExists", exists.ErrorId);
        Assert.Equal(K8sErrorCategory.ResourceExists, exists.Category);
        Assert.Contains("serviceaccounts \"app\" already exists", exists.Message);

        // New-K8sServiceAccount -Name app -Force: the existing object, unchanged.
        var forced = await accounts.CreateOrGetAsync(new ServiceAccountDefinition { Namespace = Namespace, Name = "app" });
        Assert.True(forced.AlreadyExisted);
        Assert.Equal(uid, forced.ServiceAccount.Metadata.Uid);

        // Get-K8sServiceAccount -Name app / 'ap*' / 'zz*' / nosuch
        var single = await ToListAsync(accounts.FindAsync(Namespace, NamePattern.Parse("app")));
        Assert.Equal(uid, Assert.Single(single).Metadata.Uid);
        var matched = await ToListAsync(accounts.FindAsync(Namespace, NamePattern.Parse("ap*")));
        Assert.Contains(matched, a => a.Metadata.Name == "app");
        Assert.Empty(await ToListAsync(accounts.FindAsync(Namespace, NamePattern.Parse("zz*"))));
        var missing = await Assert.ThrowsAsync<KubernetesApiException>(() => ToListAsync(accounts.FindAsync(Namespace, NamePattern.Parse("nosuch"))));
        Assert.Equal("KubernetesNotFound", missing.ErrorId);
        Assert.Equal(K8sErrorCategory.ObjectNotFound, missing.Category);

        // Get-K8sServiceAccount -Name app / nosuch -AllNamespaces: listed by name across namespaces (the cmdlet
        // reports a plain name that lists nothing as KubernetesNotFound).
        Assert.Equal(Namespace, Assert.Single(await ToListAsync(accounts.FindAsync(null, NamePattern.Parse("app")))).Metadata.Namespace);
        Assert.Empty(await ToListAsync(accounts.FindAsync(null, NamePattern.Parse("nosuch"))));

        // Set-K8sServiceAccount -Name app -Label @{ tier = 'web' } -PassThru
        var updated = await accounts.UpdateAsync(Namespace, "app", new ServiceAccountChanges
        {
            Labels = new Dictionary<string, string?> { ["tier"] = "web" },
        });
        Assert.Equal("payments", updated.Metadata.Labels!["team"]);
        Assert.Equal("web", updated.Metadata.Labels["tier"]);
        Assert.Equal("web", (await accounts.GetAsync(Namespace, "app")).Metadata.Labels!["tier"]);

        // Get-K8sSaToken -ServiceAccount app -Duration (New-TimeSpan -Minutes 20)
        var token = await tokens.RequestTokenAsync(Namespace, "app", new TokenRequestOptions { Duration = TimeSpan.FromMinutes(20) });
        Assert.Equal(TimeSpan.FromMinutes(20), token.GrantedDuration);
        Assert.False(token.IsShortened);
        Assert.True(token.ExpirationTimestamp > DateTimeOffset.UtcNow);
        Assert.Equal(3, token.Token.Split('.').Length);

        // Get-K8sSaToken -ServiceAccount app -Duration (New-TimeSpan -Minutes 5): refused before the request.
        var tooShort = Assert.Throws<K8sClientException>(() => new TokenRequestOptions { Duration = TimeSpan.FromMinutes(5) }.Validate());
        Assert.Equal("TokenDurationTooShort", tooShort.ErrorId);

        // Get-K8sSaToken -ServiceAccount app -Duration 1h30m / 3600s / '00:20:00' (kubectl's syntax, or a TimeSpan)
        foreach (var (text, expected) in new[] { ("1h30m", TimeSpan.FromMinutes(90)), ("3600s", TimeSpan.FromHours(1)), ("00:20:00", TimeSpan.FromMinutes(20)) })
        {
            var options = new TokenRequestOptions { Duration = DurationArgument.Parse(text) };
            Assert.Equal(expected, (await tokens.RequestTokenAsync(Namespace, "app", options)).GrantedDuration);
        }

        // Get-K8sSaToken -ServiceAccount app -Duration 3600: a number needs a unit.
        Assert.Contains("time: missing unit in duration \"3600\"", Assert.Throws<K8sClientException>(() => DurationArgument.Parse("3600")).Message);

        // Get-K8sSaToken -ServiceAccount app -Duration 1.5s: refused before the request, as kubectl refuses it.
        var fraction = Assert.Throws<K8sClientException>(() => new TokenRequestOptions { Duration = DurationArgument.Parse("1.5s") }.Validate());
        Assert.Equal("InvalidTokenDuration", fraction.ErrorId);

        // $token | ConvertFrom-K8sSaToken
        var claims = ServiceAccountTokenDecoder.Decode(token.Token, DateTimeOffset.UtcNow);
        Assert.Equal(ServiceAccountTokenFormat.Bound, claims.Format);
        Assert.Equal(Namespace, claims.Namespace);
        Assert.Equal("app", claims.ServiceAccount);
        Assert.Equal(uid, claims.ServiceAccountUid);
        Assert.False(claims.IsExpired);

        // 'not-a-jwt' | ConvertFrom-K8sSaToken: TokenNotJwt, and the value is not echoed.
        var notJwt = Assert.Throws<K8sClientException>(() => ServiceAccountTokenDecoder.Decode("not-a-jwt", DateTimeOffset.UtcNow));
        Assert.Equal("TokenNotJwt", notJwt.ErrorId);
        Assert.DoesNotContain("not-a-jwt", notJwt.Message);

        // $token | Test-K8sSaToken
        var review = await authentication.ReviewTokenAsync(token.Token);
        Assert.True(review.Authenticated, review.Error);
        Assert.Equal($"system:serviceaccount:{Namespace}:app", review.User!.Username);
        Assert.Contains($"system:serviceaccounts:{Namespace}", review.User.Groups);

        // New-K8sSaKubeconfig -ServiceAccount app -Path $path: owner-only, no overwrite without -Force.
        var path = Path.Combine(fixture.Directory, "app.kubeconfig");
        var kubeconfig = ServiceAccountKubeconfigBuilder.Build(
            fixture.Settings,
            await tokens.RequestTokenAsync(Namespace, "app", new TokenRequestOptions()));
        OwnerOnlyFile.WriteAllText(path, kubeconfig.Yaml, overwrite: false);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }

        var again = Assert.Throws<K8sClientException>(() => OwnerOnlyFile.WriteAllText(path, kubeconfig.Yaml, overwrite: false));
        Assert.Equal("FileAlreadyExists", again.ErrorId);

        // kubectl auth whoami --kubeconfig $path (here through the client's SelfSubjectReview, as kubectl does;
        // kubectl itself in KubectlAuthenticatesWithTheGeneratedKubeconfig).
        using (var asServiceAccount = ServiceAccountScenarioFixture.ConnectionFor(path))
        {
            var whoami = await new AuthenticationOperations(asServiceAccount).WhoAmIAsync();
            Assert.Equal($"system:serviceaccount:{Namespace}:app", whoami.Username);
        }

        // Get-K8sSaToken app -Legacy: a Secret is created and filled by the token controller.
        var lookup = await tokens.FindLegacyTokenAsync(Namespace, "app");
        Assert.Null(lookup.Token);
        var legacy = await tokens.CreateLegacyTokenAsync(Namespace, "app");
        Assert.True(legacy.Created);
        Assert.StartsWith("app-token-", legacy.SecretName);
        Assert.Equal(ServiceAccountTokenFormat.Legacy, ServiceAccountTokenDecoder.Decode(legacy.Token, DateTimeOffset.UtcNow).Format);
        // A second call reads the same Secret.
        Assert.Equal(legacy.SecretName, (await tokens.FindLegacyTokenAsync(Namespace, "app")).Token!.SecretName);

        // 'tmp-1', 'tmp-2' | New-K8sServiceAccount; Get-K8sServiceAccount 'tmp-*' | Remove-K8sServiceAccount -PassThru
        foreach (var name in new[] { "tmp-1", "tmp-2" })
        {
            await accounts.CreateAsync(new ServiceAccountDefinition { Namespace = Namespace, Name = name });
        }

        var removed = new List<string>();
        await foreach (var account in accounts.FindAsync(Namespace, NamePattern.Parse("tmp-*")))
        {
            var deleted = await accounts.DeleteAsync(account.Metadata.Namespace!, account.Metadata.Name!, account.Metadata.Uid);
            removed.Add(deleted.Metadata.Name!);
        }

        Assert.Equal(["tmp-1", "tmp-2"], removed.Order());
        Assert.Empty(await ToListAsync(accounts.FindAsync(Namespace, NamePattern.Parse("tmp-*"))));

        // Remove-K8sServiceAccount -Name app: gone, and its tokens stop working.
        await accounts.DeleteAsync(Namespace, "app");
        var gone = await Assert.ThrowsAsync<KubernetesApiException>(() => accounts.GetAsync(Namespace, "app"));
        Assert.Equal("KubernetesNotFound", gone.ErrorId);
        var afterDelete = await authentication.ReviewTokenAsync(token.Token);
        Assert.False(afterDelete.Authenticated);
        Assert.False(string.IsNullOrEmpty(afterDelete.Error));
    }

    [KubectlFact]
    public async Task KubectlAuthenticatesWithTheGeneratedKubeconfig()
    {
        // New-K8sSaKubeconfig -ServiceAccount deployer -Path $path; kubectl auth whoami --kubeconfig $path -o json
        await accounts.CreateAsync(new ServiceAccountDefinition { Namespace = Namespace, Name = "deployer" });
        var path = Path.Combine(fixture.Directory, "deployer.kubeconfig");
        var kubeconfig = ServiceAccountKubeconfigBuilder.Build(fixture.Settings, await tokens.RequestTokenAsync(Namespace, "deployer"));
        OwnerOnlyFile.WriteAllText(path, kubeconfig.Yaml, overwrite: false);

        using var kubectl = new Kubectl(path);
        var result = await kubectl.RunAsync("auth", "whoami", "-o", "json");
        Assert.True(result.ExitCode == 0, result.ToString());
        using var answer = JsonDocument.Parse(result.Output);
        Assert.Equal($"system:serviceaccount:{Namespace}:deployer", answer.RootElement.GetProperty("status").GetProperty("userInfo").GetProperty("username").GetString());
    }

    private static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> items)
    {
        var list = new List<T>();
        await foreach (var item in items)
        {
            list.Add(item);
        }

        return list;
    }
}
