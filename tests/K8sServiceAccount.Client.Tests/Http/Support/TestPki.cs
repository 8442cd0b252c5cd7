using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace K8sServiceAccount.Client.Tests.Http.Support;

/// <summary>Certificates made in memory for the TLS tests: a CA, server certificates it signs, client certificates.</summary>
public static class TestPki
{
    public static X509Certificate2 CreateCa(string name = "test-cluster-ca")
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-365), DateTimeOffset.UtcNow.AddYears(1));
    }

    /// <summary>A server certificate for the given DNS names and IP addresses, signed by the CA.</summary>
    public static X509Certificate2 CreateServer(
        X509Certificate2 ca,
        IEnumerable<string>? dnsNames = null,
        IEnumerable<IPAddress>? ipAddresses = null,
        DateTimeOffset? notBefore = null,
        DateTimeOffset? notAfter = null)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=kube-apiserver", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var name in dnsNames ?? ["localhost"])
        {
            san.AddDnsName(name);
        }

        foreach (var ip in ipAddresses ?? [IPAddress.Loopback])
        {
            san.AddIpAddress(ip);
        }

        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var from = notBefore ?? DateTimeOffset.UtcNow.AddDays(-1);
        var to = notAfter ?? DateTimeOffset.UtcNow.AddDays(30);
        using var signed = request.Create(ca, from, to, RandomSerial());
        return Reload(signed.CopyWithPrivateKey(key));
    }

    public enum ClientKeyKind
    {
        RsaPkcs1,
        RsaPkcs8,
        EcSec1,
        EcPkcs8,
    }

    /// <summary>A client certificate signed by the CA, with its certificate and key as PEM text in the requested encoding.</summary>
    public static (X509Certificate2 Certificate, string CertificatePem, string KeyPem) CreateClient(X509Certificate2 ca, ClientKeyKind kind, string user = "jane")
    {
        AsymmetricAlgorithm key = kind is ClientKeyKind.RsaPkcs1 or ClientKeyKind.RsaPkcs8 ? RSA.Create(2048) : ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using (key)
        {
            var request = key is RSA rsa
                ? new CertificateRequest($"CN={user}, O=developers", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
                : new CertificateRequest($"CN={user}, O=developers", (ECDsa)key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
            // The CA's RSA key signs whatever key type the client certificate has.
            using var caKey = ca.GetRSAPrivateKey()!;
            var certificate = request.Create(
                ca.SubjectName, X509SignatureGenerator.CreateForRSA(caKey, RSASignaturePadding.Pkcs1),
                DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), RandomSerial());
            var keyPem = kind switch
            {
                ClientKeyKind.RsaPkcs1 => ((RSA)key).ExportRSAPrivateKeyPem(),
                ClientKeyKind.EcSec1 => ((ECDsa)key).ExportECPrivateKeyPem(),
                _ => key.ExportPkcs8PrivateKeyPem(),
            };
            return (certificate, certificate.ExportCertificatePem(), keyPem);
        }
    }

    public static byte[] Pem(X509Certificate2 certificate) => Encoding.ASCII.GetBytes(certificate.ExportCertificatePem());

    /// <summary>Kestrel needs the key in a key store it can use for the handshake on every platform.</summary>
    private static X509Certificate2 Reload(X509Certificate2 certificate)
    {
        using (certificate)
        {
#pragma warning disable SYSLIB0057
            return new X509Certificate2(certificate.Export(X509ContentType.Pkcs12), (string?)null, X509KeyStorageFlags.Exportable);
#pragma warning restore SYSLIB0057
        }
    }

    private static byte[] RandomSerial() => RandomNumberGenerator.GetBytes(16);
}
