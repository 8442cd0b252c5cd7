using System.Reflection;
using System.Runtime.Loader;

namespace K8sServiceAccount.Module.Tests;

/// <summary>
/// The module's client must get its own YamlDotNet (16.3.0) from Dependencies/ even when another version is
/// already loaded in the default context, as happens beside powershell-yaml.
/// </summary>
public class LoadIsolationTests
{
    [Fact]
    public void ClientGetsItsOwnYamlDotNetBesideAnotherVersionInTheDefaultContext()
    {
        // Another YamlDotNet, loaded first in the default context (this test project references 13.7.1).
        var defaultYaml = typeof(YamlDotNet.Serialization.Deserializer).Assembly;
        Assert.Equal(new Version(13, 0, 0, 0), defaultYaml.GetName().Version);
        Assert.Same(AssemblyLoadContext.Default, AssemblyLoadContext.GetLoadContext(defaultYaml));

        var module = Assembly.LoadFrom(StagedModule.ModuleAssemblyPath);
        var loader = module.GetType("K8sServiceAccount.Internal.DependencyLoader", throwOnError: true)!;
        loader.GetMethod("Register", BindingFlags.NonPublic | BindingFlags.Static)!.Invoke(null, null);

        var diagnostics = module.GetType("K8sServiceAccount.Internal.LoadDiagnostics", throwOnError: true)!;
        var described = (string)diagnostics.GetMethod("Describe", BindingFlags.NonPublic | BindingFlags.Static)!.Invoke(null, null)!;

        Assert.Equal("YamlDotNet=16.0.0.0;Context=K8sServiceAccount.Dependencies", described);

        var clientAssemblies = AppDomain.CurrentDomain.GetAssemblies()
            .Where(a => a.GetName().Name == "K8sServiceAccount.Client")
            .ToList();
        var client = Assert.Single(clientAssemblies);
        Assert.StartsWith(StagedModule.DependenciesDirectory, client.Location);
        Assert.Equal("K8sServiceAccount.Dependencies", AssemblyLoadContext.GetLoadContext(client)!.Name);
    }

    [Fact]
    public void PowerShellAssemblyIsNeverShipped()
    {
        var shipped = Directory.EnumerateFiles(StagedModule.Directory, "*.dll", SearchOption.AllDirectories)
            .Select(Path.GetFileName)
            .ToList();
        Assert.DoesNotContain("System.Management.Automation.dll", shipped);
        Assert.Contains("K8sServiceAccount.dll", shipped);
        Assert.True(File.Exists(Path.Combine(StagedModule.DependenciesDirectory, "K8sServiceAccount.Client.dll")));
        Assert.True(File.Exists(Path.Combine(StagedModule.DependenciesDirectory, "YamlDotNet.dll")));
        Assert.False(File.Exists(Path.Combine(StagedModule.Directory, "K8sServiceAccount.Client.dll")), "the client must live only in Dependencies/");
    }

    [Fact]
    public void OnNet10TheReadyToRunBuildIsChosenWhenStaged()
    {
        var dependencies = Directory.CreateTempSubdirectory("k8ssa-deps-").FullName;
        try
        {
            Func<string, Version, string> choose = K8sServiceAccount.Internal.DependencyLoader.ChooseDependencyDirectory;
            var net10 = Path.Combine(dependencies, "net10.0");

            // Not staged (a build without it): the portable build, whatever the runtime.
            Assert.Equal(dependencies, choose(dependencies, new Version(10, 0, 12)));

            Directory.CreateDirectory(net10);
            File.WriteAllText(Path.Combine(net10, "K8sServiceAccount.Client.dll"), "");
            Assert.Equal(net10, choose(dependencies, new Version(10, 0, 12)));
            Assert.Equal(net10, choose(dependencies, new Version(11, 0, 0)));
            // PowerShell 7.4 (.NET 8) and 7.5 (.NET 9) cannot load a net10.0 assembly.
            Assert.Equal(dependencies, choose(dependencies, new Version(8, 0, 22)));
            Assert.Equal(dependencies, choose(dependencies, new Version(9, 0, 11)));
        }
        finally
        {
            Directory.Delete(dependencies, recursive: true);
        }
    }
}
