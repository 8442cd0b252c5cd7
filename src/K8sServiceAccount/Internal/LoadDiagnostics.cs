using K8sServiceAccount.Client;

namespace K8sServiceAccount.Internal;

/// <summary>What the module's client resolved at run time; used by the load-isolation test.</summary>
internal static class LoadDiagnostics
{
    internal static string Describe() =>
        $"YamlDotNet={ClientAssemblyInfo.YamlDotNetVersion};Context={ClientAssemblyInfo.LoadContextName}";
}
