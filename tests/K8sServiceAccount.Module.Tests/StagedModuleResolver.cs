using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;

namespace K8sServiceAccount.Module.Tests;

/// <summary>
/// Makes the staged module loadable by name in the test host, and wires its private load context, before any
/// test runs: tests that call the module's internal logic then get the client exactly as PowerShell would,
/// from Dependencies/ through DependencyLoader.
/// </summary>
internal static class StagedModuleResolver
{
    [ModuleInitializer]
    internal static void Initialize()
    {
        AssemblyLoadContext.Default.Resolving += (context, name) =>
            name.Name == "K8sServiceAccount" ? context.LoadFromAssemblyPath(StagedModule.ModuleAssemblyPath) : null;
        RegisterDependencies();
    }

    // Separate method: the module assembly is resolved when this is compiled, after the handler exists.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void RegisterDependencies() => K8sServiceAccount.Internal.DependencyLoader.Register();
}
