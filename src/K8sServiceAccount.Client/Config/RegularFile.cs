using System.Runtime.InteropServices;
using System.Text;

namespace K8sServiceAccount.Client.Config;

/// <summary>A file that was refused before or while reading it: not a regular file, or larger than such a file can be.</summary>
public sealed class FileRefusedException(string message) : IOException(message);

/// <summary>
/// Reads files named by users and kubeconfigs safely: only regular files (symbolic links followed), checked before opening so
/// a FIFO never blocks and a device is never read, and never more than a cap that says what such a file can be, so
/// /dev/zero or a 100 GB file fails at once with an error instead of filling memory.
/// </summary>
public static class RegularFile
{
    /// <summary>The largest kubeconfig read (real ones with hundreds of clusters are well under 1 MiB).</summary>
    public const long KubeconfigMaxBytes = 16 << 20;

    /// <summary>The largest RBAC policy file read (every RBAC object of a large cluster is a few MiB).</summary>
    public const long PolicyMaxBytes = 64 << 20;

    /// <summary>The largest certificate, key, CA bundle or token file read (a full system CA bundle is about 0.2 MiB).</summary>
    public const long CredentialMaxBytes = 4 << 20;

    /// <summary>Reads <paramref name="path"/> if it is a regular file of at most <paramref name="maxBytes"/> bytes.</summary>
    /// <exception cref="FileRefusedException">A directory, device, FIFO or socket, or a file larger than the cap.</exception>
    /// <exception cref="IOException">Missing or unreadable, as File.ReadAllBytes throws.</exception>
    /// <exception cref="UnauthorizedAccessException">No permission.</exception>
    public static byte[] Read(string path, long maxBytes)
    {
        if (Directory.Exists(path))
        {
            throw new FileRefusedException($"{path} is a directory, not a file");
        }
        if (NotRegular(path) is { } what)
        {
            throw new FileRefusedException($"{path} is {what}, not a regular file");
        }
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1);
        var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = stream.Read(chunk, 0, chunk.Length)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                throw TooLarge(path, maxBytes);
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    /// <summary>The error for a file larger than <paramref name="maxBytes"/>.</summary>
    public static FileRefusedException TooLarge(string path, long maxBytes) =>
        new($"{path} is larger than {maxBytes >> 20} MiB, the most such a file can be");

    /// <summary>What the path is when it exists and is not a regular file ("a FIFO", "a character device"...); null otherwise.</summary>
    internal static string? NotRegular(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }
        int mode;
        try
        {
            mode = UnixMode(path);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null; // No stat here: the size cap still bounds what is read.
        }
        return mode == -1 ? null : (mode & 0xF000) switch
        {
            0x8000 => null,
            0x1000 => "a FIFO (named pipe)",
            0x2000 => "a character device",
            0x6000 => "a block device",
            0xC000 => "a socket",
            0x4000 => "a directory",
            _ => "a special file",
        };
    }

    /// <summary>st_mode of the path (links followed), or -1 when stat fails (the open then reports why).</summary>
    private static int UnixMode(string path)
    {
        // The runtime's own stat (System.Native): its FileStatus starts with int Flags, int Mode on every Unix, unlike libc's struct stat.
        var status = new byte[512];
        return SystemNativeStat(Encoding.UTF8.GetBytes(path + "\0"), status) == 0 ? BitConverter.ToInt32(status, 4) : -1;
    }

    [DllImport("libSystem.Native", EntryPoint = "SystemNative_Stat")]
    private static extern int SystemNativeStat(byte[] path, byte[] status);
}
