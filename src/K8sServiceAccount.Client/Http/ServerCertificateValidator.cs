using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace K8sServiceAccount.Client.Http;

/// <summary>
/// Decides whether the API server's certificate is trusted. With a cluster CA configured, the chain must end
/// at that CA and nowhere else (the system store is ignored, as client-go ignores it); without one, the system
/// trust store decides. In both cases the certificate must name the expected host (tls-server-name when set,
/// else the server URL's host) in its subjectAltName; the legacy common-name fallback is not used, as in Go.
/// The reason of the last refusal is kept so the connection error can say why, not just "rejected".
/// </summary>
internal sealed class ServerCertificateValidator
{
    private readonly X509Certificate2Collection? _clusterCa;
    private readonly string _caSource;
    private readonly string _expectedHost;
    private volatile string? _lastFailure;

    public ServerCertificateValidator(X509Certificate2Collection? clusterCa, string? caSource, string expectedHost)
    {
        _clusterCa = clusterCa;
        _caSource = caSource ?? "certificate-authority-data";
        _expectedHost = expectedHost;
    }

    /// <summary>
    /// The TLS versions offered, as Go's client defaults (MinVersion TLS 1.2): TLS 1.0 and 1.1 are refused even where the
    /// platform's OpenSSL configuration still allows them (SslProtocols.None would leave that choice to the platform).
    /// </summary>
    public const SslProtocols AllowedProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;

    /// <summary>Why the last server certificate was refused, or null.</summary>
    public string? LastFailure => _lastFailure;

    public bool Validate(object sender, X509Certificate? certificate, X509Chain? presentedChain, SslPolicyErrors errors)
    {
        if (certificate is null)
        {
            return Refuse("the server presented no certificate");
        }

        var serverCertificate = certificate as X509Certificate2 ?? new X509Certificate2(certificate);
        string? chainProblem = _clusterCa is null
            ? SystemChainProblem(serverCertificate, presentedChain, errors)
            : ClusterCaChainProblem(serverCertificate, presentedChain);
        if (chainProblem is not null)
        {
            return Refuse(chainProblem);
        }

        if (!serverCertificate.MatchesHostname(_expectedHost, allowWildcards: true, allowCommonName: false))
        {
            return Refuse($"x509: certificate is valid for {DescribeNames(serverCertificate)}, not {_expectedHost}");
        }

        _lastFailure = null;
        return true;
    }

    /// <summary>
    /// Names why a handshake failed when the certificate was not the cause, in Go's words: the server only speaks a
    /// TLS version this client refuses ("protocol version not supported"), or it refused the handshake ("handshake
    /// failure"). Null when the platform's message says neither (the caller then gives that message).
    /// </summary>
    public static string? DescribeHandshakeFailure(Exception failure)
    {
        var innermost = failure;
        var all = new StringBuilder();
        for (Exception? e = failure; e is not null; e = e.InnerException)
        {
            innermost = e;
            all.Append(e.Message).Append('\n');
        }

        var text = all.ToString();
        var detail = $" ({innermost.Message.Trim()})";
        if (text.Contains("alert protocol version", StringComparison.OrdinalIgnoreCase)
            || text.Contains("unsupported protocol", StringComparison.OrdinalIgnoreCase))
        {
            return "protocol version not supported: the server offers none of the TLS versions this client allows " +
                "(TLS 1.2 and 1.3; TLS 1.0 and 1.1 are refused, as by kubectl)" + detail;
        }

        if (text.Contains("alert handshake failure", StringComparison.OrdinalIgnoreCase))
        {
            return "handshake failure: the server refused the handshake (no TLS version or cipher suite " +
                "in common, or it requires a client certificate)" + detail;
        }

        return null;
    }

    /// <summary>Reads a CA bundle (PEM with one or more certificates, or one DER certificate).</summary>
    public static X509Certificate2Collection LoadCertificateAuthority(byte[] data, string? caSource)
    {
        var collection = new X509Certificate2Collection();
        try
        {
            var text = Encoding.UTF8.GetString(data);
            if (text.Contains("-----BEGIN", StringComparison.Ordinal))
            {
                collection.ImportFromPem(text);
            }
            else
            {
#pragma warning disable SYSLIB0057 // X509CertificateLoader is not in net8.0.
                collection.Add(new X509Certificate2(data));
#pragma warning restore SYSLIB0057
            }
        }
        catch (System.Security.Cryptography.CryptographicException ex)
        {
            throw InvalidCa(caSource, ex);
        }

        if (collection.Count == 0)
        {
            throw InvalidCa(caSource, null);
        }

        return collection;
    }

    private static K8sClientException InvalidCa(string? caSource, Exception? inner) =>
        new("CertificateAuthorityInvalid", K8sErrorCategory.InvalidData,
            $"{caSource ?? "certificate-authority-data"}: no valid PEM or DER certificate found for the cluster CA." +
            (inner is null ? string.Empty : " " + inner.Message), inner)
        {
            Target = caSource,
        };

    private string? ClusterCaChainProblem(X509Certificate2 serverCertificate, X509Chain? presentedChain)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_clusterCa!);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.NoFlag;
        if (presentedChain is not null)
        {
            // Intermediates the server sent may be needed to reach the cluster CA.
            foreach (var element in presentedChain.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        if (chain.Build(serverCertificate))
        {
            return null;
        }

        return DescribeChainFailure(serverCertificate, chain.ChainStatus, $"the cluster CA ({_caSource})");
    }

    private static string? SystemChainProblem(X509Certificate2 serverCertificate, X509Chain? chain, SslPolicyErrors errors)
    {
        // The name is checked separately (against tls-server-name when set).
        if ((errors & ~SslPolicyErrors.RemoteCertificateNameMismatch) == SslPolicyErrors.None)
        {
            return null;
        }

        return DescribeChainFailure(serverCertificate, chain?.ChainStatus ?? [], "the system trust store (no certificate-authority is configured)");
    }

    private static string DescribeChainFailure(X509Certificate2 certificate, X509ChainStatus[] status, string trustSource)
    {
        var flags = status.Aggregate(X509ChainStatusFlags.NoError, (all, s) => all | s.Status);
        if ((flags & X509ChainStatusFlags.NotTimeValid) != 0)
        {
            return $"x509: certificate has expired or is not yet valid: the server certificate \"{certificate.Subject}\" is valid from " +
                $"{certificate.NotBefore.ToUniversalTime():yyyy-MM-ddTHH:mm:ssZ} to {certificate.NotAfter.ToUniversalTime():yyyy-MM-ddTHH:mm:ssZ}, " +
                $"current time {DateTime.UtcNow:yyyy-MM-ddTHH:mm:ssZ}";
        }

        if ((flags & (X509ChainStatusFlags.UntrustedRoot | X509ChainStatusFlags.PartialChain)) != 0 || flags == X509ChainStatusFlags.NoError)
        {
            return $"x509: certificate signed by unknown authority: the server certificate \"{certificate.Subject}\" (issuer \"{certificate.Issuer}\") " +
                $"does not chain to {trustSource}";
        }

        var details = string.Join("; ", status.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct());
        return $"x509: the server certificate \"{certificate.Subject}\" is not trusted by {trustSource}: {flags}" +
            (details.Length > 0 ? $" ({details})" : string.Empty);
    }

    private static string DescribeNames(X509Certificate2 certificate)
    {
        var names = new List<string>();
        foreach (var extension in certificate.Extensions)
        {
            if (extension is X509SubjectAlternativeNameExtension san)
            {
                names.AddRange(san.EnumerateDnsNames());
                names.AddRange(san.EnumerateIPAddresses().Select(ip => ip.ToString()));
            }
        }

        return names.Count == 0 ? "no host names (it has no subjectAltName)" : string.Join(", ", names);
    }

    private bool Refuse(string reason)
    {
        _lastFailure = reason;
        return false;
    }

    /// <summary>The host the certificate must name: tls-server-name, else the server URL's host (IPv6 without brackets).</summary>
    public static string ExpectedHost(Uri server, string? tlsServerName) =>
        !string.IsNullOrEmpty(tlsServerName)
            ? tlsServerName
            : server.HostNameType == UriHostNameType.IPv6 && IPAddress.TryParse(server.Host.Trim('[', ']'), out var ip)
                ? ip.ToString()
                : server.IdnHost;
}
