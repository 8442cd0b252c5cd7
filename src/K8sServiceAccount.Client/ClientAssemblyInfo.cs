namespace K8sServiceAccount.Client;

/// <summary>Facts about the loaded client, for diagnostics and the load-isolation test.</summary>
public static class ClientAssemblyInfo
{
    /// <summary>The YamlDotNet version this client resolved at run time (16.x when loaded from the module's Dependencies folder).</summary>
    public static Version? YamlDotNetVersion => typeof(YamlDotNet.Serialization.Deserializer).Assembly.GetName().Version;

    /// <summary>The name of the AssemblyLoadContext the client lives in.</summary>
    public static string? LoadContextName =>
        System.Runtime.Loader.AssemblyLoadContext.GetLoadContext(typeof(ClientAssemblyInfo).Assembly)?.Name;
}
