using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace K8sServiceAccount.LocalApiServer.Pki;

/// <summary>
/// The server's own certificate authority: signs the serving certificate and client certificates
/// (CN = user, O = groups, as kube-apiserver's x509 authenticator reads them). Keys are ECDSA P-256,
/// which every Kubernetes client accepts and which keeps TLS handshakes cheap.
/// </summary>
public sealed class CertificateAuthority : IDisposable
{
    private const string CaCertFile = "ca.crt";
    private const string CaKeyFile = "ca.key";

    private readonly X509Certificate2 _caCertificate;
    private readonly ECDsa _caKey;

    private CertificateAuthority(X509Certificate2 caCertificate, ECDsa caKey)
    {
        _caCertificate = caCertificate;
        _caKey = caKey;
        CaPem = caCertificate.ExportCertificatePem();
    }

    /// <summary>The CA certificate in PEM form (what kubeconfig's certificate-authority-data carries).</summary>
    public string CaPem { get; }

    /// <summary>The CA certificate (public part only).</summary>
    public X509Certificate2 Certificate => _caCertificate;

    /// <summary>Creates a fresh CA, or loads/persists it in <paramref name="stateDirectory"/> when given.</summary>
    public static CertificateAuthority LoadOrCreate(string? stateDirectory)
    {
        if (stateDirectory is not null)
        {
            string certPath = Path.Combine(stateDirectory, CaCertFile);
            string keyPath = Path.Combine(stateDirectory, CaKeyFile);
            if (File.Exists(certPath) && File.Exists(keyPath))
            {
                var key = ECDsa.Create();
                key.ImportFromPem(File.ReadAllText(keyPath));
                return new CertificateAuthority(X509Certificate2.CreateFromPem(File.ReadAllText(certPath)), key);
            }
        }

        var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=local-apiserver-ca", caKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        DateTimeOffset now = DateTimeOffset.UtcNow;
        X509Certificate2 caCert = request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(10));
        var publicOnly = X509Certificate2.CreateFromPem(caCert.ExportCertificatePem());
        caCert.Dispose();

        if (stateDirectory is not null)
        {
            Directory.CreateDirectory(stateDirectory);
            File.WriteAllText(Path.Combine(stateDirectory, CaCertFile), publicOnly.ExportCertificatePem());
            WritePrivateFile(Path.Combine(stateDirectory, CaKeyFile), caKey.ExportPkcs8PrivateKeyPem());
        }

        return new CertificateAuthority(publicOnly, caKey);
    }

    /// <summary>Writes a file readable only by the current user (keys never get group/other permissions).</summary>
    internal static void WritePrivateFile(string path, string content)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using var stream = new FileStream(path, options);
        using var writer = new StreamWriter(stream);
        writer.Write(content);
    }

    /// <summary>The serving certificate for 127.0.0.1 / localhost, with its private key, ready for Kestrel.</summary>
    public X509Certificate2 IssueServerCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=kube-apiserver", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        san.AddDnsName("kubernetes.default.svc");
        san.AddDnsName("kubernetes.default.svc.cluster.local");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            new OidCollection { new Oid("1.3.6.1.5.5.7.3.1") }, false));
        using X509Certificate2 signed = Sign(request);
        using X509Certificate2 withKey = signed.CopyWithPrivateKey(key);
        // Re-import through PKCS#12 so the key is usable by SslStream on every platform.
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>A client certificate for <paramref name="user"/> with <paramref name="groups"/> as O entries.</summary>
    public IssuedClientCertificate IssueClientCertificate(string user, IEnumerable<string> groups, TimeSpan? lifetime = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(user);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var subject = new X500DistinguishedNameBuilder();
        foreach (string group in groups)
        {
            subject.AddOrganizationName(group);
        }
        subject.AddCommonName(user);
        var request = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            new OidCollection { new Oid("1.3.6.1.5.5.7.3.2") }, false));
        using X509Certificate2 signed = Sign(request, lifetime ?? TimeSpan.FromDays(365));
        return new IssuedClientCertificate(signed.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    private X509Certificate2 Sign(CertificateRequest request, TimeSpan? lifetime = null)
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        Span<byte> serial = stackalloc byte[16];
        RandomNumberGenerator.Fill(serial);
        serial[0] &= 0x7F;
        var generator = X509SignatureGenerator.CreateForECDsa(_caKey);
        return request.Create(_caCertificate.SubjectName, generator, now.AddMinutes(-5),
            now.Add(lifetime ?? TimeSpan.FromDays(365)), serial.ToArray());
    }

    /// <summary>True when <paramref name="certificate"/> chains to this CA and is within its validity period.</summary>
    public bool Verifies(X509Certificate2 certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_caCertificate);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.NoFlag;
        return chain.Build(certificate);
    }

    public void Dispose()
    {
        _caKey.Dispose();
        _caCertificate.Dispose();
    }
}

/// <summary>A client certificate and its private key, both PEM.</summary>
public sealed record IssuedClientCertificate(string CertificatePem, string PrivateKeyPem)
{
    /// <summary>The certificate with its key, for HttpClientHandler.ClientCertificates.</summary>
    public X509Certificate2 ToX509()
    {
        using var pem = X509Certificate2.CreateFromPem(CertificatePem, PrivateKeyPem);
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }
}
