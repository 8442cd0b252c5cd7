using System.Net;
using System.Text;
using K8sServiceAccount.Client.Config;
using K8sServiceAccount.Client.Http;
using K8sServiceAccount.Client.Models;
using K8sServiceAccount.Client.Tests.Auth;
using K8sServiceAccount.Client.Tests.Http.Support;

namespace K8sServiceAccount.Client.Tests.Http;

/// <summary>No log line and no error message carries a token, password or key, whatever the outcome.</summary>
public sealed class RedactionTests
{
    private const string ApiPath = "/api/v1/namespaces/default/serviceaccounts";
    private const string StaticToken = "static-SECRET-token-1";
    private const string Password = "basic-SECRET-password-2";
    private const string ExecToken = "exec-SECRET-token-3";
    private const string FileToken = "file-SECRET-token-4";

    [Fact]
    public async Task Requests_with_every_credential_kind_and_their_failures_log_no_secret()
    {
        var log = new RecordingLog();
        var errors = new List<Exception>();
        var secrets = new List<string> { StaticToken, Password, ExecToken, FileToken, Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:" + Password)) };

        // A server that rejects everything once, then accepts, and warns on each answer.
        // Each connection owns (and disposes) its stub.
        static StubHandler Stub() => new((_, attempt) => attempt % 2 == 1
            ? StubHandler.Json(HttpStatusCode.Unauthorized, StubHandler.StatusJson(401, "Unauthorized", "Unauthorized"), ("Warning", "299 - \"deprecated\""))
            : StubHandler.Json(HttpStatusCode.OK, """{"items":[]}"""));

        await ExerciseOnce(TestConnections.OverStub(Stub(), new AuthSettings { Token = StaticToken }));
        await ExerciseOnce(TestConnections.OverStub(Stub(), new AuthSettings { Username = "admin", Password = Password }));

        var environment = new TestEnvironment();
        environment.WriteFile("/token", FileToken);
        using (var connection = TestConnections.OverStub(Stub(), new AuthSettings { TokenFile = "/token" }, environment: environment))
        {
            await Exercise(connection);
            environment.FailReads("/token", new IOException("disk on fire"));
            environment.Advance(TimeSpan.FromMinutes(5));
            await Exercise(connection);
        }

        using (var plugins = new PluginDirectory())
        {
            var plugin = plugins.Script("plugin",
                $"echo 'plugin says hi' >&2\nprintf '{{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"{ExecToken}\"}}}}'\n");
            await ExerciseOnce(TestConnections.OverStub(Stub(), new AuthSettings
            {
                Exec = new ExecConfig { Command = plugin, ApiVersion = "client.authentication.k8s.io/v1", Args = ["--verbose"] },
            }));
            var wrongVersion = plugins.Script("wrong",
                $"printf '{{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"{ExecToken}\"}}}}'\n");
            await ExerciseOnce(TestConnections.OverStub(Stub(), new AuthSettings
            {
                Exec = new ExecConfig { Command = wrongVersion, ApiVersion = "client.authentication.k8s.io/v1" },
            }));
        }

        var (_, certificatePem, keyPem) = TestPki.CreateClient(TestPki.CreateCa(), TestPki.ClientKeyKind.EcSec1);
        var keyBody = keyPem.Split('\n')[1];
        secrets.Add(keyBody);
        await ExerciseOnce(TestConnections.OverStub(Stub(), new AuthSettings
        {
            ClientCertificatePem = Encoding.ASCII.GetBytes(certificatePem),
            ClientKeyPem = Encoding.ASCII.GetBytes(keyPem),
        }));
        try
        {
            KubernetesConnection.Create(TestConnections.Settings(new AuthSettings
            {
                ClientCertificatePem = Encoding.ASCII.GetBytes(certificatePem),
                ClientKeyPem = Encoding.ASCII.GetBytes(keyPem.Replace(keyBody, keyBody[..^4] + "!!!!")),
            }), TestConnections.Options());
        }
        catch (K8sClientException ex)
        {
            errors.Add(ex);
        }

        Assert.NotEmpty(log.VerboseLines);
        Assert.Contains(log.DebugLines, line => line.Contains("Authorization: Bearer <redacted>"));
        Assert.Contains(log.DebugLines, line => line.Contains("Authorization: Basic <redacted>"));
        Assert.Contains(log.WarningLines, line => line.Contains("Unable to rotate token"));
        Assert.NotEmpty(errors);
        log.AssertNoSecrets([.. secrets]);
        foreach (var error in errors)
        {
            for (Exception? e = error; e is not null; e = e.InnerException)
            {
                foreach (var secret in secrets)
                {
                    Assert.DoesNotContain(secret, e.Message);
                }
            }
        }

        var settings = TestConnections.Settings(new AuthSettings { Token = StaticToken, Password = Password });
        Assert.DoesNotContain(StaticToken, settings.ToString());
        Assert.DoesNotContain(StaticToken, settings.Auth.ToString());

        async Task ExerciseOnce(KubernetesConnection connection)
        {
            using (connection)
            {
                await Exercise(connection);
            }
        }

        async Task Exercise(KubernetesConnection connection)
        {
            using (connection.UseLog(log))
            {
                foreach (var _ in Enumerable.Range(0, 2))
                {
                    try
                    {
                        await connection.GetAsync(ApiPath, KubeJsonContext.Default.ServiceAccountList, CancellationToken.None);
                    }
                    catch (K8sClientException ex)
                    {
                        errors.Add(ex);
                    }
                }
            }
        }
    }
}
