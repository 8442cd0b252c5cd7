namespace K8sServiceAccount.Client.Tests.Auth;

/// <summary>
/// A temporary directory of small /bin/sh scripts that act as exec credential plugins (the CI runs on Linux;
/// on Windows these scripts cannot start, so the exec plugin tests need a POSIX shell).
/// </summary>
internal sealed class PluginDirectory : IDisposable
{
    public PluginDirectory()
    {
        Root = Directory.CreateTempSubdirectory("k8ssa-exec-").FullName;
    }

    public string Root { get; }

    /// <summary>Writes an executable script and returns its full path.</summary>
    public string Script(string name, string body)
    {
        var path = Path.Combine(Root, name);
        File.WriteAllText(path, "#!/bin/sh\n" + body);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return path;
    }

    /// <summary>A path inside the directory, for files a script writes (its arguments, KUBERNETES_EXEC_INFO, a run counter).</summary>
    public string PathOf(string name) => Path.Combine(Root, name);

    /// <summary>How many lines a script appended to a file (one per run).</summary>
    public int Lines(string name) => File.Exists(PathOf(name)) ? File.ReadAllLines(PathOf(name)).Length : 0;

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A plugin still running on a slow machine; the temp directory is cleaned up by the OS.
        }
    }
}
