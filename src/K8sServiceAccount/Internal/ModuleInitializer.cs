using System.Management.Automation;

namespace K8sServiceAccount.Internal;

/// <summary>Runs when the module is imported: wires the private load context before any cmdlet touches the client.</summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    public void OnImport() => DependencyLoader.Register();

    public void OnRemove(PSModuleInfo psModuleInfo) => DependencyLoader.Unregister();
}
