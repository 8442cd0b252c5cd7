using System.Security.Cryptography.X509Certificates;

namespace K8sServiceAccount.Client.Http;

/// <summary>
/// Loads the machine's trust store on a pool thread as soon as a connection with a client certificate exists. On Linux
/// the first TLS handshake that presents a client certificate builds that certificate's chain
/// (SslStreamCertificateContext.Create), and building a chain loads every certificate in the system store: 70-90 ms
/// of a cold runbook's first request, measured (BENCHMARKS.md, "where the cold runbook's 419 ms go"). The runtime
/// caches the loaded store for the process, so a chain built here first lets that load overlap PowerShell's own work
/// between Connect-K8sCluster and the first request. Nothing here decides trust: the handshake builds its own chain,
/// and the server's certificate is checked against the kubeconfig's CA as before.
/// </summary>
internal static class TrustStoreWarmUp
{
    private static Task? started;

    /// <summary>
    /// The process's one warm-up, started by the first call; later calls return the same task. Null off Linux, where
    /// this load was not measured.
    /// </summary>
    internal static Task? Start(X509Certificate2 clientCertificate)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        if (Volatile.Read(ref started) is { } running)
        {
            return running;
        }

        var warmUp = new Task(() => BuildChain(clientCertificate));
        if (Interlocked.CompareExchange(ref started, warmUp, null) is { } other)
        {
            return other;
        }

        warmUp.Start(TaskScheduler.Default);
        return warmUp;
    }

    internal static void BuildChain(X509Certificate2 certificate)
    {
        try
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.ChainPolicy.DisableCertificateDownloads = true;
            chain.Build(certificate);
        }
        catch (Exception)
        {
            // Only a head start: a certificate disposed meanwhile (Disconnect-K8sCluster) or one the platform cannot
            // read fails here quietly, and the handshake reports whatever is really wrong with it.
        }
    }
}
