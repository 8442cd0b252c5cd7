namespace K8sServiceAccount.Client.Config;

/// <summary>
/// The seam between configuration loading and the machine: environment variables, files, the home
/// directory and the clock. Tests supply their own so they never touch /var/run or the process
/// environment and can run in parallel.
/// </summary>
public interface ISystemEnvironment
{
    string? GetEnvironmentVariable(string name);

    bool FileExists(string path);

    /// <summary>Reads a file; throws IOException or UnauthorizedAccessException as File.ReadAllBytes does.</summary>
    byte[] ReadAllBytes(string path);

    /// <summary>
    /// Reads a regular file of at most <paramref name="maxBytes"/> bytes (<see cref="RegularFile.Read"/>); anything else
    /// (directory, device, FIFO, too large) fails with <see cref="FileRefusedException"/>, never blocking.
    /// </summary>
    byte[] ReadFile(string path, long maxBytes)
    {
        var bytes = ReadAllBytes(path);
        return bytes.Length > maxBytes ? throw RegularFile.TooLarge(path, maxBytes) : bytes;
    }

    /// <summary>True when something (a file, a directory, a device) is at the path, so reading it should say why it fails.</summary>
    bool PathExists(string path) => FileExists(path);

    /// <summary>The user's home directory (HOME, or USERPROFILE on Windows), or null when unknown.</summary>
    string? HomeDirectory { get; }

    string CurrentDirectory { get; }

    DateTimeOffset UtcNow { get; }
}

/// <summary>The real machine.</summary>
public sealed class SystemEnvironment : ISystemEnvironment
{
    public static readonly SystemEnvironment Instance = new();

    public string? GetEnvironmentVariable(string name) => Environment.GetEnvironmentVariable(name);

    public bool FileExists(string path) => File.Exists(path);

    public byte[] ReadAllBytes(string path) => RegularFile.Read(path, RegularFile.PolicyMaxBytes);

    public byte[] ReadFile(string path, long maxBytes) => RegularFile.Read(path, maxBytes);

    public bool PathExists(string path) => File.Exists(path) || Directory.Exists(path);

    public string? HomeDirectory
    {
        get
        {
            var home = Environment.GetEnvironmentVariable("HOME");
            if (string.IsNullOrEmpty(home) && OperatingSystem.IsWindows())
            {
                home = Environment.GetEnvironmentVariable("USERPROFILE");
            }

            return string.IsNullOrEmpty(home) ? null : home;
        }
    }

    public string CurrentDirectory => Environment.CurrentDirectory;

    public DateTimeOffset UtcNow => DateTimeOffset.UtcNow;
}
