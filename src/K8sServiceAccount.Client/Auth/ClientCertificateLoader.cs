using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace K8sServiceAccount.Client.Auth;

/// <summary>
/// Turns a PEM certificate and a PEM private key into a certificate usable for TLS client authentication.
/// Keys: RSA ("RSA PRIVATE KEY", PKCS#1), EC ("EC PRIVATE KEY", SEC1) and either in PKCS#8 ("PRIVATE KEY").
/// Encrypted keys are refused, as kubectl refuses them. Every error names where the PEM came from.
/// </summary>
internal static class ClientCertificateLoader
{
    private const string RsaOid = "1.2.840.113549.1.1.1";
    private const string EcOid = "1.2.840.10045.2.1";

    /// <param name="certificatePem">The certificate (the first CERTIFICATE block is the client certificate).</param>
    /// <param name="keyPem">The private key.</param>
    /// <param name="certificateOrigin">Where the certificate came from, e.g. "client-certificate-data in /home/u/.kube/config".</param>
    /// <param name="keyOrigin">Where the key came from.</param>
    public static X509Certificate2 Load(byte[]? certificatePem, byte[]? keyPem, string certificateOrigin, string keyOrigin)
    {
        if (certificatePem is null || certificatePem.Length == 0)
        {
            throw Invalid(certificateOrigin, $"a client key is configured ({keyOrigin}) but no client certificate");
        }

        if (keyPem is null || keyPem.Length == 0)
        {
            throw Invalid(keyOrigin, $"a client certificate is configured ({certificateOrigin}) but no client key");
        }

        var certificateText = Encoding.UTF8.GetString(certificatePem);
        var keyText = Encoding.UTF8.GetString(keyPem);

        X509Certificate2 certificate;
        try
        {
            certificate = X509Certificate2.CreateFromPem(certificateText);
        }
        catch (CryptographicException ex)
        {
            throw Invalid(certificateOrigin, "does not contain a valid PEM certificate (a \"-----BEGIN CERTIFICATE-----\" block)", ex);
        }

        using (certificate)
        {
            var label = FindKeyLabel(keyText, keyOrigin);
            try
            {
                var withKey = certificate.GetKeyAlgorithm() switch
                {
                    RsaOid => AttachRsa(certificate, keyText, label, keyOrigin),
                    EcOid => AttachEc(certificate, keyText, label, keyOrigin),
                    var other => throw Invalid(certificateOrigin, $"has a public key of type {other}; only RSA and EC client certificates are supported"),
                };
                return MakeUsableForTls(withKey);
            }
            catch (ArgumentException ex)
            {
                // CopyWithPrivateKey: the key is not the certificate's key.
                throw Invalid(keyOrigin, $"private key does not match the public key of the certificate in {certificateOrigin}", ex);
            }
        }
    }

    private static X509Certificate2 AttachRsa(X509Certificate2 certificate, string keyText, string label, string keyOrigin)
    {
        if (label == "EC PRIVATE KEY")
        {
            throw Invalid(keyOrigin, "holds an EC key but the client certificate has an RSA public key: private key does not match public key");
        }

        using var rsa = RSA.Create();
        Import(() => rsa.ImportFromPem(keyText), keyOrigin);
        return certificate.CopyWithPrivateKey(rsa);
    }

    private static X509Certificate2 AttachEc(X509Certificate2 certificate, string keyText, string label, string keyOrigin)
    {
        if (label == "RSA PRIVATE KEY")
        {
            throw Invalid(keyOrigin, "holds an RSA key but the client certificate has an EC public key: private key does not match public key");
        }

        using var ec = ECDsa.Create();
        Import(() => ec.ImportFromPem(keyText), keyOrigin);
        return certificate.CopyWithPrivateKey(ec);
    }

    private static void Import(Action import, string keyOrigin)
    {
        try
        {
            import();
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            throw Invalid(keyOrigin, "does not contain a valid PEM private key", ex);
        }
    }

    /// <summary>The label of the first PEM block that is a private key, e.g. "RSA PRIVATE KEY".</summary>
    private static string FindKeyLabel(string keyText, string keyOrigin)
    {
        ReadOnlySpan<char> remaining = keyText;
        while (PemEncoding.TryFind(remaining, out var fields))
        {
            var label = remaining[fields.Label].ToString();
            switch (label)
            {
                case "RSA PRIVATE KEY" or "EC PRIVATE KEY" or "PRIVATE KEY":
                    return label;
                case "ENCRYPTED PRIVATE KEY":
                    throw Invalid(keyOrigin, "holds an encrypted private key; decrypt it first (e.g. openssl pkey -in key.pem -out plain.pem)");
            }

            remaining = remaining[fields.Location.End..];
        }

        throw Invalid(keyOrigin, "does not contain a PEM private key (\"RSA PRIVATE KEY\", \"EC PRIVATE KEY\" or \"PRIVATE KEY\")");
    }

    /// <summary>
    /// On Windows, SChannel cannot use an ephemeral key for client authentication: round-trip through PKCS#12
    /// so the key lands in a key container. Other platforms use the certificate as it is.
    /// </summary>
    private static X509Certificate2 MakeUsableForTls(X509Certificate2 certificate)
    {
        if (!OperatingSystem.IsWindows())
        {
            return certificate;
        }

        using (certificate)
        {
#pragma warning disable SYSLIB0057 // X509CertificateLoader is not in net8.0.
            return new X509Certificate2(certificate.Export(X509ContentType.Pkcs12), (string?)null, X509KeyStorageFlags.DefaultKeySet);
#pragma warning restore SYSLIB0057
        }
    }

    private static K8sClientException Invalid(string origin, string problem, Exception? inner = null) =>
        new("ClientCertificateInvalid", K8sErrorCategory.InvalidData, $"{origin}: {problem}." + (inner is null ? string.Empty : " " + inner.Message), inner)
        {
            Target = origin,
        };
}
