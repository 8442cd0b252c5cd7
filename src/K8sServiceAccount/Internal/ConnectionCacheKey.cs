using System.Security.Cryptography;
using K8sServiceAccount.Client.Config;

namespace K8sServiceAccount.Internal;

/// <summary>
/// Identifies a reusable connection (one HttpClient, one credential cache). Built from everything that
/// shapes the connection except the namespace (which only changes request paths), plus the size and
/// write time of each kubeconfig file read: when a file is rewritten (new token, rotated certificate) the key
/// changes and a new connection is made. Credentials are never part of the key: a file that holds one is
/// identified by its stamp, and token files and exec plugins are refreshed by the connection itself.
/// </summary>
internal sealed class ConnectionCacheKey : IEquatable<ConnectionCacheKey>
{
    private readonly string[] parts;
    private readonly int hash;

    internal ConnectionCacheKey(IEnumerable<string?> parts)
    {
        this.parts = parts.Select(p => p ?? "\0").ToArray();
        var combined = new HashCode();
        foreach (var part in this.parts)
        {
            combined.Add(part, StringComparer.Ordinal);
        }

        hash = combined.ToHashCode();
    }

    /// <summary>The key of a resolved connection; <paramref name="fileStamp"/> describes a file's current version.</summary>
    internal static ConnectionCacheKey For(ResolvedConnection settings, Func<string, string> fileStamp)
    {
        var impersonation = settings.Impersonation;
        var parts = new List<string?>
        {
            settings.Source == ConnectionSource.InCluster ? "in-cluster" : "kubeconfig",
            settings.Server.AbsoluteUri,
            settings.ContextName,
            settings.ClusterName,
            settings.UserName,
            settings.AuthKind.ToString(),
            settings.CaSource,
            settings.CertificateAuthorityData is { } ca ? Convert.ToHexString(SHA256.HashData(ca)) : null,
            settings.TlsServerName,
            settings.InsecureSkipTlsVerify ? "insecure" : "verify",
            settings.ProxyUrl?.AbsoluteUri,
            settings.DisableCompression ? "no-compression" : "compression",
            impersonation?.UserName,
            impersonation?.Uid,
            impersonation is null ? null : string.Join(",", impersonation.Groups),
            impersonation is null ? null : string.Join(";", impersonation.Extra.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => e.Key + "=" + string.Join(",", e.Value))),
        };
        foreach (var file in settings.KubeconfigFiles)
        {
            parts.Add(file);
            parts.Add(fileStamp(file));
        }

        return new ConnectionCacheKey(parts);
    }

    /// <summary>Length and last write time of a file, or "missing".</summary>
    internal static string StampOf(string path)
    {
        var info = new FileInfo(path);
        return info.Exists ? $"{info.Length}@{info.LastWriteTimeUtc.Ticks}" : "missing";
    }

    public bool Equals(ConnectionCacheKey? other) =>
        other is not null && hash == other.hash && parts.AsSpan().SequenceEqual(other.parts);

    public override bool Equals(object? obj) => Equals(obj as ConnectionCacheKey);

    public override int GetHashCode() => hash;
}
