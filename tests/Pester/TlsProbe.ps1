<#
    Helpers for TlsRefusal.Tests.ps1 (dot-sourced; not a test file): certificates made for one case each, and a small TLS
    server that serves one of them and records what reaches it. The local API server always serves its own certificate,
    so the refusal cases need their own listener. The server counts handshakes that completed and HTTP requests it
    read (request line and whether an Authorization header came with it), and answers a ServiceAccount GET with a
    ServiceAccount, anything else with a 404 Status, over HTTP/1.1 keep-alive.
#>

if (-not ('K8sTlsProbe.Server' -as [type])) {
    Add-Type -TypeDefinition @'
using System;
using System.Collections.Concurrent;
using System.IO;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace K8sTlsProbe
{
    public static class Pki
    {
        public static X509Certificate2 CreateCa(string name)
        {
            using var key = RSA.Create(2048);
            var request = new CertificateRequest("CN=" + name, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
            request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
            using var ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-365), DateTimeOffset.UtcNow.AddYears(1));
            return Reload(ca);
        }

        // A server certificate for the names given, signed by ca (self-signed when ca is null), valid in [notBefore, notAfter].
        public static X509Certificate2 CreateServer(X509Certificate2 ca, string[] dnsNames, string[] ipAddresses,
            DateTimeOffset notBefore, DateTimeOffset notAfter, string subject)
        {
            using var key = RSA.Create(2048);
            var request = new CertificateRequest("CN=" + subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid("1.3.6.1.5.5.7.3.1") }, false));
            var san = new SubjectAlternativeNameBuilder();
            foreach (var name in dnsNames) san.AddDnsName(name);
            foreach (var ip in ipAddresses) san.AddIpAddress(IPAddress.Parse(ip));
            request.CertificateExtensions.Add(san.Build());
            if (ca == null)
            {
                using var selfSigned = request.CreateSelfSigned(notBefore, notAfter);
                return Reload(selfSigned);
            }
            var serial = new byte[16];
            RandomNumberGenerator.Fill(serial);
            serial[0] &= 0x7F;
            using var signed = request.Create(ca, notBefore, notAfter, serial);
            using var withKey = signed.CopyWithPrivateKey(key);
            return Reload(withKey);
        }

        public static string ToPem(X509Certificate2 certificate) =>
            "-----BEGIN CERTIFICATE-----\n" + Convert.ToBase64String(certificate.RawData, Base64FormattingOptions.InsertLineBreaks) + "\n-----END CERTIFICATE-----\n";

        // Through PKCS#12 so the key is usable by SslStream on every platform.
        private static X509Certificate2 Reload(X509Certificate2 certificate) =>
            X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null, X509KeyStorageFlags.Exportable);
    }

    public sealed class Server : IDisposable
    {
        private readonly TcpListener _listener = new TcpListener(IPAddress.Loopback, 0);
        private readonly X509Certificate2 _certificate;
        private readonly SslProtocols _protocols;
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private int _connections, _handshakes, _requests, _withAuthorization;

        public Server(X509Certificate2 certificate, SslProtocols protocols)
        {
            _certificate = certificate;
            _protocols = protocols;
            _listener.Start();
            Task.Run(AcceptLoop);
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;
        public int Connections => Volatile.Read(ref _connections);
        public int Handshakes => Volatile.Read(ref _handshakes);
        public int Requests => Volatile.Read(ref _requests);
        public int RequestsWithAuthorization => Volatile.Read(ref _withAuthorization);
        public ConcurrentQueue<string> RequestLines { get; } = new ConcurrentQueue<string>();
        public ConcurrentQueue<string> HandshakeErrors { get; } = new ConcurrentQueue<string>();
        public ConcurrentQueue<string> Protocols { get; } = new ConcurrentQueue<string>();

        private async Task AcceptLoop()
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try { client = await _listener.AcceptTcpClientAsync().ConfigureAwait(false); }
                catch { return; }
                Interlocked.Increment(ref _connections);
                _ = Task.Run(() => Serve(client));
            }
        }

        private async Task Serve(TcpClient client)
        {
            using (client)
            using (var tls = new SslStream(client.GetStream(), false))
            {
                try
                {
                    var options = new SslServerAuthenticationOptions
                    {
                        ServerCertificate = _certificate,
                        EnabledSslProtocols = _protocols,
                        ApplicationProtocols = new System.Collections.Generic.List<SslApplicationProtocol> { SslApplicationProtocol.Http11 },
                        ClientCertificateRequired = false,
                    };
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
                    await tls.AuthenticateAsServerAsync(options, timeout.Token).ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    HandshakeErrors.Enqueue(e.GetBaseException().Message);
                    return;
                }
                Interlocked.Increment(ref _handshakes);
                Protocols.Enqueue(tls.SslProtocol.ToString());
                try
                {
                    while (await ServeOne(tls).ConfigureAwait(false)) { }
                }
                catch (IOException) { }
                catch (ObjectDisposedException) { }
            }
        }

        private async Task<bool> ServeOne(Stream stream)
        {
            var head = new StringBuilder();
            var one = new byte[1];
            while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
            {
                if (await stream.ReadAsync(one, 0, 1).ConfigureAwait(false) == 0) return false;
                head.Append((char)one[0]);
                if (head.Length > 65536) return false;
            }
            var lines = head.ToString().Split("\r\n");
            Interlocked.Increment(ref _requests);
            RequestLines.Enqueue(lines[0]);
            long length = 0;
            foreach (var line in lines)
            {
                if (line.StartsWith("Authorization:", StringComparison.OrdinalIgnoreCase)) Interlocked.Increment(ref _withAuthorization);
                if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase)) length = long.Parse(line.Substring(15).Trim());
            }
            var body = new byte[length];
            for (int read = 0; read < length;)
            {
                int n = await stream.ReadAsync(body, read, (int)length - read).ConfigureAwait(false);
                if (n == 0) return false;
                read += n;
            }
            var path = lines[0].Split(' ')[1].Split('?')[0];
            var segments = path.Split('/');
            string json;
            int code;
            if (lines[0].StartsWith("GET ", StringComparison.Ordinal) && segments.Length == 7 && segments[5] == "serviceaccounts")
            {
                code = 200;
                json = "{\"apiVersion\":\"v1\",\"kind\":\"ServiceAccount\",\"metadata\":{\"name\":\"" + segments[6] + "\",\"namespace\":\"" + segments[4] +
                    "\",\"uid\":\"0b2d8e52-8d54-4d3c-9a7e-1f6f3f1a0001\",\"resourceVersion\":\"1\",\"creationTimestamp\":\"2026-01-01T00:00:00Z\"}}";
            }
            else
            {
                code = 404;
                json = "{\"apiVersion\":\"v1\",\"kind\":\"Status\",\"status\":\"Failure\",\"reason\":\"NotFound\",\"code\":404,\"message\":\"not served by the TLS probe\"}";
            }
            var payload = Encoding.UTF8.GetBytes(json);
            var answer = Encoding.ASCII.GetBytes("HTTP/1.1 " + code + (code == 200 ? " OK" : " Not Found") +
                "\r\nContent-Type: application/json\r\nContent-Length: " + payload.Length + "\r\n\r\n");
            await stream.WriteAsync(answer, 0, answer.Length).ConfigureAwait(false);
            await stream.WriteAsync(payload, 0, payload.Length).ConfigureAwait(false);
            await stream.FlushAsync().ConfigureAwait(false);
            return true;
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
        }
    }
}
'@
}

function New-TlsProbeKubeconfig {
    # A kubeconfig for the probe on 127.0.0.1:$Port with a bearer token (so a request that got through would carry a credential).
    param(
        [Parameter(Mandatory)] [string] $Path,
        [Parameter(Mandatory)] [int] $Port,
        [string] $CaPem,
        [string] $TlsServerName,
        [switch] $InsecureSkipTlsVerify,
        [string] $Token = 'tls-probe-secret-token-0123456789'
    )

    $cluster = @("    server: https://127.0.0.1:$Port")
    if ($CaPem) { $cluster += "    certificate-authority-data: $([Convert]::ToBase64String([Text.Encoding]::ASCII.GetBytes($CaPem)))" }
    if ($TlsServerName) { $cluster += "    tls-server-name: $TlsServerName" }
    if ($InsecureSkipTlsVerify) { $cluster += '    insecure-skip-tls-verify: true' }
    @"
apiVersion: v1
kind: Config
clusters:
- name: probe
  cluster:
$($cluster -join "`n")
users:
- name: probe
  user:
    token: $Token
contexts:
- name: probe
  context: {cluster: probe, user: probe, namespace: default}
current-context: probe
"@ | Set-Content -LiteralPath $Path -Encoding utf8NoBOM
    $Path
}

function New-TlsRefusalCase {
    <#
    .SYNOPSIS
        The refusal matrix of issue 11 (and two controls that must connect): each case's certificate, protocols and
        kubeconfig settings, the error the module must give and the reason its message must name (kubectl's words).
    #>
    $now = [DateTimeOffset]::UtcNow
    $ca = [K8sTlsProbe.Pki]::CreateCa('probe-ca')
    $otherCa = [K8sTlsProbe.Pki]::CreateCa('some-other-ca')
    $caPem = [K8sTlsProbe.Pki]::ToPem($ca)
    $server = { param($dns, $ip, $from, $to, $signer = $ca) [K8sTlsProbe.Pki]::CreateServer($signer, [string[]]$dns, [string[]]$ip, $from, $to, 'probe-server') }
    $good = & $server @('localhost') @('127.0.0.1') $now.AddDays(-1) $now.AddDays(30)
    $selfSigned = & $server @('localhost') @('127.0.0.1') $now.AddDays(-1) $now.AddDays(30) $null
    $tls = 'ErrorId', 'KubernetesTlsFailure', 'Category', 'SecurityError'
    $case = { param([hashtable] $values) [pscustomobject]$values }
    @(
        & $case @{ Name = 'the cluster CA (control)'; Certificate = $good; CaPem = $caPem; Accepted = $true }
        & $case @{ Name = 'a self-signed certificate given as the CA (control)'; Certificate = $selfSigned; CaPem = [K8sTlsProbe.Pki]::ToPem($selfSigned); Accepted = $true }
        & $case @{ Name = 'wrong CA'; Certificate = $good; CaPem = [K8sTlsProbe.Pki]::ToPem($otherCa)
            ErrorId = 'KubernetesTlsFailure'; Category = 'SecurityError'; Reason = 'tls: failed to verify certificate: x509: certificate signed by unknown authority' }
        & $case @{ Name = 'wrong host name'; Certificate = (& $server @('api.other.example') @() $now.AddDays(-1) $now.AddDays(30)); CaPem = $caPem
            ErrorId = 'KubernetesTlsFailure'; Category = 'SecurityError'; Reason = 'tls: failed to verify certificate: x509: certificate is valid for api.other.example, not 127.0.0.1' }
        & $case @{ Name = 'tls-server-name mismatch'; Certificate = (& $server @('kubernetes.default.svc') @('127.0.0.1') $now.AddDays(-1) $now.AddDays(30)); CaPem = $caPem
            TlsServerName = 'wrong.example.com'
            ErrorId = 'KubernetesTlsFailure'; Category = 'SecurityError'; Reason = 'tls: failed to verify certificate: x509: certificate is valid for kubernetes.default.svc, 127.0.0.1, not wrong.example.com' }
        & $case @{ Name = 'expired certificate'; Certificate = (& $server @('localhost') @('127.0.0.1') $now.AddDays(-30) $now.AddDays(-1)); CaPem = $caPem
            ErrorId = 'KubernetesTlsFailure'; Category = 'SecurityError'; Reason = 'tls: failed to verify certificate: x509: certificate has expired or is not yet valid: *' }
        & $case @{ Name = 'not-yet-valid certificate'; Certificate = (& $server @('localhost') @('127.0.0.1') $now.AddDays(1) $now.AddDays(30)); CaPem = $caPem
            ErrorId = 'KubernetesTlsFailure'; Category = 'SecurityError'; Reason = 'tls: failed to verify certificate: x509: certificate has expired or is not yet valid: *' }
        & $case @{ Name = 'self-signed without a CA'; Certificate = $selfSigned
            ErrorId = 'KubernetesTlsFailure'; Category = 'SecurityError'; Reason = 'tls: failed to verify certificate: x509: certificate signed by unknown authority*system trust store*' }
        & $case @{ Name = 'CA together with insecure-skip-tls-verify'; Certificate = $good; CaPem = $caPem; InsecureSkipTlsVerify = $true
            ErrorId = 'KubeconfigInvalid'; Category = 'InvalidData'; Reason = '*specifying a root certificates file with the insecure flag is not allowed*' }
        & $case @{ Name = 'TLS 1.0/1.1 only'; Certificate = $good; CaPem = $caPem; Protocols = 'Tls, Tls11'; Legacy = $true
            ErrorId = 'KubernetesTlsFailure'; Category = 'SecurityError'; Reason = 'tls: protocol version not supported*' }
    )
}

function Invoke-TlsRefusalCase {
    <#
    .SYNOPSIS
        Serves the case's certificate on a new probe server, points a kubeconfig with a bearer token at it and runs
        Get-K8sServiceAccount (and kubectl get serviceaccount with -Kubectl). Returns what the module (and kubectl) said and
        what reached the server from the module (KubectlRequests: from kubectl). The module must be imported.
    #>
    param(
        [Parameter(Mandatory)] [object] $Case,
        [Parameter(Mandatory)] [string] $Directory,
        [string] $Kubectl
    )

    $protocols = if ($Case.Protocols) { $Case.Protocols } else { 'None' }
    $server = [K8sTlsProbe.Server]::new($Case.Certificate, $protocols)
    try {
        $file = Join-Path $Directory ("tls-" + ($Case.Name -replace '[^A-Za-z0-9]+', '-') + '.kubeconfig')
        $settings = @{ Path = $file; Port = $server.Port; CaPem = $Case.CaPem; TlsServerName = $Case.TlsServerName; InsecureSkipTlsVerify = [bool]$Case.InsecureSkipTlsVerify }
        $kubeconfig = New-TlsProbeKubeconfig @settings
        $result = [ordered]@{ Name = $Case.Name; Accepted = $false; ErrorId = $null; Category = $null; Message = $null; KubectlMessage = $null }
        try {
            $account = Get-K8sServiceAccount -Name probe -Kubeconfig $kubeconfig -ErrorAction Stop -WarningAction SilentlyContinue
            $result.Accepted = $account.Name -eq 'probe'
        }
        catch {
            $result.ErrorId = ($_.FullyQualifiedErrorId -split ',')[0]
            $result.Category = "$($_.CategoryInfo.Category)"
            $result.Message = $_.Exception.Message
        }
        $result.Connections = $server.Connections
        $result.Requests = $server.Requests
        $result.RequestsWithAuthorization = $server.RequestsWithAuthorization
        $result.Protocols = @($server.Protocols)
        if ($Kubectl) {
            # One GET, so kubectl prints one line (get serviceaccount would retry discovery five times first).
            $said = & $Kubectl get --raw /api/v1/namespaces/default/serviceaccounts/probe --kubeconfig $kubeconfig --request-timeout 20s 2>&1
            $result.KubectlMessage = if ($LASTEXITCODE -eq 0) { '(accepted)' } else { "$($said | Select-Object -Last 1)" }
            $result.KubectlRequests = $server.Requests - $result.Requests
        }
        [pscustomobject]$result
    }
    finally {
        $server.Dispose()
    }
}

function Invoke-TlsLegacyCase {
    <#
    .SYNOPSIS
        The TLS 1.0/1.1-only case, in a child pwsh whose OpenSSL is configured to allow TLS 1.0 (MinProtocol TLSv1,
        SECLEVEL 0): this machine's default OpenSSL configuration already refuses TLS 1.0/1.1 in every process, so only
        with that configuration does the case test what the module itself enables. The child first connects with a plain
        SslStream using the platform's protocols (the control: it must negotiate TLS 1.0 or 1.1), then runs the case.
    #>
    param(
        [Parameter(Mandatory)] [object] $Case,
        [Parameter(Mandatory)] [string] $Directory,
        [string] $Kubectl
    )

    $conf = Join-Path $Directory 'openssl-allow-tls10.cnf'
    @'
openssl_conf = openssl_init
[openssl_init]
ssl_conf = ssl_sect
[ssl_sect]
system_default = system_default_sect
[system_default_sect]
MinProtocol = TLSv1
CipherString = DEFAULT@SECLEVEL=0
'@ | Set-Content -LiteralPath $conf -Encoding utf8NoBOM
    $certificateFile = Join-Path $Directory 'legacy-server.pfx'
    [System.IO.File]::WriteAllBytes($certificateFile, $Case.Certificate.Export('Pkcs12'))
    $script = Join-Path $Directory 'legacy-case.ps1'
    @'
param($Probe, $Module, $CertificateFile, $CaPem, $Directory, $Kubectl)
$ErrorActionPreference = 'Stop'
. $Probe
Import-Module $Module
$certificate = [System.Security.Cryptography.X509Certificates.X509CertificateLoader]::LoadPkcs12FromFile($CertificateFile, $null)
$control = [K8sTlsProbe.Server]::new($certificate, 'Tls, Tls11')
$tcp = [System.Net.Sockets.TcpClient]::new('127.0.0.1', $control.Port)
$ssl = [System.Net.Security.SslStream]::new($tcp.GetStream(), $false, { $true })
$platform = try { $ssl.AuthenticateAsClient('127.0.0.1'); "$($ssl.SslProtocol)" } catch { "refused: $($_.Exception.GetBaseException().Message)" }
$ssl.Dispose(); $tcp.Dispose(); $control.Dispose()
$case = [pscustomobject]@{ Name = 'TLS 1.0/1.1 only'; Certificate = $certificate; CaPem = $CaPem; Protocols = 'Tls, Tls11' }
$result = Invoke-TlsRefusalCase -Case $case -Directory $Directory -Kubectl $Kubectl
$result | Add-Member -NotePropertyName PlatformNegotiated -NotePropertyValue $platform
$result | ConvertTo-Json -Compress
'@ | Set-Content -LiteralPath $script -Encoding utf8NoBOM
    $previous = $env:OPENSSL_CONF
    $env:OPENSSL_CONF = $conf
    try {
        $output = Invoke-ChildPwsh -File $script -Probe (Join-Path $PSScriptRoot 'TlsProbe.ps1') -Module (Get-StagedModulePath) `
            -CertificateFile $certificateFile -CaPem $Case.CaPem -Directory $Directory -Kubectl "$Kubectl"
    }
    finally {
        $env:OPENSSL_CONF = $previous
    }
    $json = @($output | Where-Object { "$_".StartsWith('{') }) | Select-Object -Last 1
    if (-not $json) { throw "The TLS 1.0/1.1 child printed no result: $($output -join "`n")" }
    $json | ConvertFrom-Json
}
