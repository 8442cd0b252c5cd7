using System.Text;
using K8sServiceAccount.Client.Config;
using K8sServiceAccount.Client.Http;
using K8sServiceAccount.Client.Tests.Http.Support;

namespace K8sServiceAccount.Client.Tests.Http;

/// <summary>The trust store is loaded in the background once a connection has a client certificate (cold start).</summary>
public sealed class TrustStoreWarmUpTests
{
    [Fact]
    public async Task A_connection_with_a_client_certificate_starts_the_trust_store_load_and_a_token_connection_does_not()
    {
        using var ca = TestPki.CreateCa();
        var (_, certificatePem, keyPem) = TestPki.CreateClient(ca, TestPki.ClientKeyKind.RsaPkcs8);
        using var withCertificate = KubernetesConnection.Create(
            TestConnections.Settings(new AuthSettings { ClientCertificatePem = Bytes(certificatePem), ClientKeyPem = Bytes(keyPem) }),
            TestConnections.Options());
        using var withToken = KubernetesConnection.Create(TestConnections.Settings(new AuthSettings { Token = "t" }), TestConnections.Options());

        Assert.Null(withToken.ClientChainWarmUp);
        if (!OperatingSystem.IsLinux())
        {
            Assert.Null(withCertificate.ClientChainWarmUp);
            return;
        }

        var warmUp = Assert.IsAssignableFrom<Task>(withCertificate.ClientChainWarmUp);
        await warmUp.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(warmUp.IsCompletedSuccessfully);
    }

    [Fact]
    public void Building_the_chain_of_a_certificate_disposed_meanwhile_fails_quietly()
    {
        var ca = TestPki.CreateCa();
        ca.Dispose();

        TrustStoreWarmUp.BuildChain(ca);
    }

    private static byte[] Bytes(string text) => Encoding.ASCII.GetBytes(text);
}
