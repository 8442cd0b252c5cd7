namespace K8sServiceAccount.Module.Tests;

/// <summary>Locates out/K8sServiceAccount/, the module as the build staged it.</summary>
internal static class StagedModule
{
    public static string Directory { get; } = Find();

    public static string ModuleAssemblyPath => Path.Combine(Directory, "K8sServiceAccount.dll");

    public static string DependenciesDirectory => Path.Combine(Directory, "Dependencies");

    public static string ManifestPath => Path.Combine(Directory, "K8sServiceAccount.psd1");

    public static string RepoRoot => Path.GetFullPath(Path.Combine(Directory, "..", ".."));

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "K8sServiceAccount.sln")))
            {
                var staged = Path.Combine(dir.FullName, "out", "K8sServiceAccount");
                if (!File.Exists(Path.Combine(staged, "K8sServiceAccount.dll")))
                {
                    throw new InvalidOperationException($"The module is not staged at {staged}: run 'dotnet build K8sServiceAccount.sln' first.");
                }

                return staged;
            }
        }

        throw new InvalidOperationException("K8sServiceAccount.sln not found above " + AppContext.BaseDirectory);
    }
}
