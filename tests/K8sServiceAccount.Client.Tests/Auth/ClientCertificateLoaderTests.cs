using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using K8sServiceAccount.Client.Auth;
using K8sServiceAccount.Client.Config;
using K8sServiceAccount.Client.Http;
using K8sServiceAccount.Client.Tests.Http.Support;

namespace K8sServiceAccount.Client.Tests.Auth;

/// <summary>PEM client certificates and keys, and the errors for unusable ones.</summary>
public sealed class ClientCertificateLoaderTests : IClassFixture<ClientCertificateLoaderTests.Ca>
{
    private const string CertOrigin = "client-certificate-data in /home/u/.kube/config";
    private const string KeyOrigin = "client-key-data in /home/u/.kube/config";
    private readonly Ca _ca;

    public ClientCertificateLoaderTests(Ca ca) => _ca = ca;

    public sealed class Ca : IDisposable
    {
        public X509Certificate2 Certificate { get; } = TestPki.CreateCa();

        public void Dispose() => Certificate.Dispose();
    }

    [Theory]
    [InlineData(TestPki.ClientKeyKind.RsaPkcs1, "RSA PRIVATE KEY")]
    [InlineData(TestPki.ClientKeyKind.RsaPkcs8, "PRIVATE KEY")]
    [InlineData(TestPki.ClientKeyKind.EcSec1, "EC PRIVATE KEY")]
    [InlineData(TestPki.ClientKeyKind.EcPkcs8, "PRIVATE KEY")]
    public void Each_key_encoding_loads_with_its_private_key(TestPki.ClientKeyKind kind, string label)
    {
        var (expected, certificatePem, keyPem) = TestPki.CreateClient(_ca.Certificate, kind);
        Assert.Contains($"-----BEGIN {label}-----", keyPem);

        using var loaded = ClientCertificateLoader.Load(Bytes(certificatePem), Bytes(keyPem), CertOrigin, KeyOrigin);

        Assert.Equal(expected.Thumbprint, loaded.Thumbprint);
        Assert.True(loaded.HasPrivateKey);
    }

    [Fact]
    public void A_key_that_belongs_to_another_certificate_is_refused_naming_both()
    {
        var (_, certificatePem, _) = TestPki.CreateClient(_ca.Certificate, TestPki.ClientKeyKind.RsaPkcs1);
        var (_, _, otherKeyPem) = TestPki.CreateClient(_ca.Certificate, TestPki.ClientKeyKind.RsaPkcs1);

        var error = Assert.Throws<K8sClientException>(() =>
            ClientCertificateLoader.Load(Bytes(certificatePem), Bytes(otherKeyPem), CertOrigin, KeyOrigin));

        Assert.Equal("ClientCertificateInvalid", error.ErrorId);
        Assert.Equal(KeyOrigin, error.Target);
        Assert.StartsWith($"{KeyOrigin}: private key does not match the public key of the certificate in {CertOrigin}", error.Message);
    }

    [Fact]
    public void An_EC_key_for_an_RSA_certificate_is_refused()
    {
        var (_, certificatePem, _) = TestPki.CreateClient(_ca.Certificate, TestPki.ClientKeyKind.RsaPkcs1);
        var (_, _, ecKeyPem) = TestPki.CreateClient(_ca.Certificate, TestPki.ClientKeyKind.EcSec1);

        var error = Assert.Throws<K8sClientException>(() =>
            ClientCertificateLoader.Load(Bytes(certificatePem), Bytes(ecKeyPem), CertOrigin, KeyOrigin));

        Assert.Contains("private key does not match public key", error.Message);
        Assert.Equal(KeyOrigin, error.Target);
    }

    [Fact]
    public void A_certificate_that_is_not_PEM_is_refused_naming_its_origin()
    {
        var (_, _, keyPem) = TestPki.CreateClient(_ca.Certificate, TestPki.ClientKeyKind.RsaPkcs1);

        var error = Assert.Throws<K8sClientException>(() =>
            ClientCertificateLoader.Load(Bytes("-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n"), Bytes(keyPem), CertOrigin, KeyOrigin));

        Assert.Equal(CertOrigin, error.Target);
        Assert.StartsWith($"{CertOrigin}: does not contain a valid PEM certificate", error.Message);
    }

    [Fact]
    public void A_key_file_without_a_private_key_block_is_refused_and_not_echoed()
    {
        var (_, certificatePem, _) = TestPki.CreateClient(_ca.Certificate, TestPki.ClientKeyKind.RsaPkcs1);

        var error = Assert.Throws<K8sClientException>(() =>
            ClientCertificateLoader.Load(Bytes(certificatePem), Bytes("secret-looking-garbage"), CertOrigin, KeyOrigin));

        Assert.Equal(KeyOrigin, error.Target);
        Assert.Contains("does not contain a PEM private key", error.Message);
        Assert.DoesNotContain("secret-looking-garbage", error.Message);
    }

    [Fact]
    public void An_encrypted_key_is_refused_with_what_to_do()
    {
        var (_, certificatePem, _) = TestPki.CreateClient(_ca.Certificate, TestPki.ClientKeyKind.RsaPkcs1);
        using var rsa = RSA.Create(2048);
        var encrypted = rsa.ExportEncryptedPkcs8PrivateKeyPem("pw", new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 1000));

        var error = Assert.Throws<K8sClientException>(() =>
            ClientCertificateLoader.Load(Bytes(certificatePem), Bytes(encrypted), CertOrigin, KeyOrigin));

        Assert.Contains("encrypted private key", error.Message);
    }

    [Fact]
    public void A_certificate_without_a_key_is_refused()
    {
        var (_, certificatePem, _) = TestPki.CreateClient(_ca.Certificate, TestPki.ClientKeyKind.RsaPkcs1);

        var error = Assert.Throws<K8sClientException>(() => ClientCertificateLoader.Load(Bytes(certificatePem), null, CertOrigin, KeyOrigin));

        Assert.Contains("no client key", error.Message);
    }

    [Fact]
    public void A_bad_client_certificate_fails_when_the_connection_is_created_naming_the_field()
    {
        var settings = TestConnections.Settings(new AuthSettings
        {
            ClientCertificatePem = Bytes("nope"),
            ClientKeyPem = Bytes("nope"),
            ClientCertificateOrigin = "/home/u/certs/jane.crt",
            ClientKeyOrigin = "/home/u/certs/jane.key",
        });

        var error = Assert.Throws<K8sClientException>(() => KubernetesConnection.Create(settings, TestConnections.Options()));

        Assert.Equal("/home/u/certs/jane.crt", error.Target);
    }

    [Fact]
    public void A_bad_cluster_CA_fails_when_the_connection_is_created_naming_its_source()
    {
        var settings = TestConnections.Settings() with
        {
            CertificateAuthorityData = Bytes("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
            CaSource = "certificate-authority-data in /home/u/.kube/config",
        };

        var error = Assert.Throws<K8sClientException>(() => KubernetesConnection.Create(settings, TestConnections.Options()));

        Assert.Equal("CertificateAuthorityInvalid", error.ErrorId);
        Assert.StartsWith("certificate-authority-data in /home/u/.kube/config:", error.Message);
    }

    private static byte[] Bytes(string text) => Encoding.ASCII.GetBytes(text);
}
