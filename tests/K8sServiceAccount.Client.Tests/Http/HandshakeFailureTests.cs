using System.Security.Authentication;
using K8sServiceAccount.Client.Http;

namespace K8sServiceAccount.Client.Tests.Http;

/// <summary>How a handshake that failed for another reason than the certificate is named (the exception chains SocketsHttpHandler gives on Linux).</summary>
public sealed class HandshakeFailureTests
{
    private static HttpRequestException Chain(string openSslMessage) =>
        new(HttpRequestError.SecureConnectionError, "The SSL connection could not be established, see inner exception.",
            new AuthenticationException("Authentication failed, see inner exception.",
                new Exception("SSL Handshake failed with OpenSSL error - SSL_ERROR_SSL.", new Exception(openSslMessage))));

    [Theory]
    [InlineData("error:0A00042E:SSL routines::tlsv1 alert protocol version")]
    [InlineData("error:0A000102:SSL routines::unsupported protocol")]
    public void A_server_with_only_old_TLS_versions_is_protocol_version_not_supported(string openSsl)
    {
        var reason = ServerCertificateValidator.DescribeHandshakeFailure(Chain(openSsl));

        Assert.NotNull(reason);
        Assert.StartsWith("protocol version not supported: ", reason);
        Assert.Contains("TLS 1.2 and 1.3", reason);
        Assert.EndsWith($"({openSsl})", reason);
    }

    [Fact]
    public void A_refused_handshake_is_handshake_failure()
    {
        var reason = ServerCertificateValidator.DescribeHandshakeFailure(Chain("error:0A000410:SSL routines::sslv3 alert handshake failure"));

        Assert.NotNull(reason);
        Assert.StartsWith("handshake failure: the server refused the handshake", reason);
    }

    [Fact]
    public void Other_failures_are_left_to_the_platform_message()
    {
        Assert.Null(ServerCertificateValidator.DescribeHandshakeFailure(Chain("Received an unexpected EOF or 0 bytes from the transport stream.")));
    }

    [Fact]
    public void The_client_offers_TLS_1_2_and_1_3_only()
    {
#pragma warning disable SYSLIB0039 // The old versions are named to prove they are not offered.
        Assert.Equal(SslProtocols.None, ServerCertificateValidator.AllowedProtocols & (SslProtocols.Tls | SslProtocols.Tls11));
#pragma warning restore SYSLIB0039
        Assert.Equal(SslProtocols.Tls12 | SslProtocols.Tls13, ServerCertificateValidator.AllowedProtocols);
    }
}
