using K8sServiceAccount.Client.Config;

namespace K8sServiceAccount.Module.Tests;

/// <summary>
/// A machine of the test's own: its environment variables and home directory, real files in a temp directory.
/// Tests never read or change the process environment, so they run in parallel.
/// </summary>
internal sealed class TestEnvironment : ISystemEnvironment, IDisposable
{
    private readonly Dictionary<string, string> variables = new(StringComparer.Ordinal);

    public TestEnvironment()
    {
        Root = Directory.CreateTempSubdirectory("k8ssa-module-").FullName;
        HomeDirectory = Path.Combine(Root, "home");
        Directory.CreateDirectory(HomeDirectory);
    }

    public string Root { get; }

    public string? HomeDirectory { get; }

    public string CurrentDirectory => Root;

    public DateTimeOffset UtcNow => DateTimeOffset.UtcNow;

    public TestEnvironment Set(string name, string value)
    {
        variables[name] = value;
        return this;
    }

    /// <summary>Writes a file under the root and returns its full path.</summary>
    public string WriteFile(string relativePath, string content)
    {
        var path = Path.Combine(Root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    public string? GetEnvironmentVariable(string name) => variables.GetValueOrDefault(name);

    public bool FileExists(string path) => File.Exists(path);

    public byte[] ReadAllBytes(string path) => File.ReadAllBytes(path);

    public void Dispose() => Directory.Delete(Root, recursive: true);

    /// <summary>A kubeconfig with two contexts on two clusters; "alpha" is current and sets a namespace.</summary>
    public static string TwoContexts(string token = "alpha-token-value", string server = "https://alpha.example:6443") => $"""
        apiVersion: v1
        kind: Config
        current-context: alpha
        clusters:
        - name: alpha-cluster
          cluster:
            server: {server}
            insecure-skip-tls-verify: true
        - name: beta-cluster
          cluster:
            server: https://beta.example:6443
        contexts:
        - name: alpha
          context:
            cluster: alpha-cluster
            user: alpha-user
            namespace: apps
        - name: beta
          context:
            cluster: beta-cluster
            user: beta-user
        users:
        - name: alpha-user
          user:
            token: {token}
        - name: beta-user
          user:
            username: admin
            password: beta-password-value
        """;
}
