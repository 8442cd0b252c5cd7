using K8sServiceAccount.Client.Config;

namespace K8sServiceAccount.Client.Tests.Config;

/// <summary>
/// The kubeconfig fixtures: one directory per edge case under Fixtures/Kubeconfig. A directory's <c>list</c> file
/// gives its KUBECONFIG entries, one per line (an empty line is an empty entry, entries are relative to the
/// directory); without it every *.yaml file is used in name order. <c>expect-reject</c> lists contexts that
/// kubectl config view accepts but that fail validation on use ("name ErrorId" per line).
/// </summary>
internal static class KubeconfigFixtures
{
    public static string Root { get; } = Path.Combine(AppContext.BaseDirectory, "Fixtures", "Kubeconfig");

    public static IEnumerable<string> Names() =>
        Directory.GetDirectories(Root)
            .Select(Path.GetFileName)
            .Where(name => !name!.StartsWith('_'))
            .Order(StringComparer.Ordinal)!;

    public static TheoryData<string> All()
    {
        var data = new TheoryData<string>();
        foreach (var name in Names())
        {
            data.Add(name);
        }

        return data;
    }

    public static string CaseDirectory(string name) => Path.Combine(Root, name);

    /// <summary>The KUBECONFIG value for the case: entries as written, joined with the platform separator.</summary>
    public static string KubeconfigVariable(string name)
    {
        var directory = CaseDirectory(name);
        var list = Path.Combine(directory, "list");
        var entries = File.Exists(list)
            ? File.ReadAllText(list).TrimEnd('\n').Split('\n')
            : Directory.GetFiles(directory, "*.yaml").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;
        return string.Join(Path.PathSeparator, entries!);
    }

    /// <summary>Contexts that must fail resolution, with the expected error id.</summary>
    public static IReadOnlyDictionary<string, string> ExpectedRejections(string name)
    {
        var file = Path.Combine(CaseDirectory(name), "expect-reject");
        if (!File.Exists(file))
        {
            return new Dictionary<string, string>();
        }

        return File.ReadAllLines(file)
            .Where(line => line.Length > 0)
            .Select(line => line.Split(' ', 2))
            .ToDictionary(parts => parts[0], parts => parts[1], StringComparer.Ordinal);
    }

    /// <summary>A fake machine whose KUBECONFIG is the case's list, with the case directory as current directory.</summary>
    public static FakeSystemEnvironment Environment(string name)
    {
        var environment = new FakeSystemEnvironment
        {
            UseDisk = true,
            CurrentDirectory = CaseDirectory(name),
            HomeDirectory = Path.Combine(CaseDirectory(name), "no-such-home"),
        };
        environment.Set(KubeconfigLoader.KubeconfigVariable, KubeconfigVariable(name));
        return environment;
    }

    public static Kubeconfig Load(string name) => KubeconfigLoader.Load(null, Environment(name));

    public static ResolvedConnection Resolve(string name, string? context = null, string? ns = null) =>
        ConnectionResolver.Resolve(new ConnectionRequest { Context = context, Namespace = ns }, Environment(name));

    public static string CasePath(string name, params string[] parts) => Path.GetFullPath(Path.Combine(new[] { CaseDirectory(name) }.Concat(parts).ToArray()));
}
