using System.Reflection;
using System.Runtime.Loader;

namespace K8sServiceAccount.Internal;

/// <summary>
/// Loads the client and its third-party dependencies (YamlDotNet) from the module's Dependencies folder
/// into a private AssemblyLoadContext, so the module works beside modules that ship other versions of
/// the same assemblies (powershell-yaml, Az.Aks). Only the client is resolved for the default context;
/// everything the client needs is then resolved inside the private context.
/// Deliberately free of System.Management.Automation types so tests can drive it without PowerShell.
/// </summary>
internal static class DependencyLoader
{
    internal const string ClientAssemblyName = "K8sServiceAccount.Client";

    private static readonly object Gate = new();
    private static DependencyLoadContext? context;
    private static bool registered;

    internal static string DependencyDirectory { get; } =
        ChooseDependencyDirectory(Path.Combine(Path.GetDirectoryName(typeof(DependencyLoader).Assembly.Location) ?? ".", "Dependencies"), Environment.Version);

    /// <summary>
    /// Dependencies/ holds the portable .NET 8 build. On .NET 10 and later, Dependencies/net10.0/ when the build staged it:
    /// the same code compiled ReadyToRun, which a .NET 10 runtime uses (it ignores ReadyToRun code compiled for .NET 8),
    /// so a cold runbook's first command does not wait for the JIT (BENCHMARKS.md, "Cold runbook").
    /// </summary>
    internal static string ChooseDependencyDirectory(string dependencies, Version runtime)
    {
        var net10 = Path.Combine(dependencies, "net10.0");
        return runtime.Major >= 10 && File.Exists(Path.Combine(net10, ClientAssemblyName + ".dll")) ? net10 : dependencies;
    }

    internal static void Register()
    {
        lock (Gate)
        {
            if (registered)
            {
                return;
            }

            context ??= new DependencyLoadContext(DependencyDirectory);
            AssemblyLoadContext.Default.Resolving += ResolveClient;
            registered = true;
        }
    }

    internal static void Unregister()
    {
        lock (Gate)
        {
            if (registered)
            {
                AssemblyLoadContext.Default.Resolving -= ResolveClient;
                registered = false;
            }
        }
    }

    private static Assembly? ResolveClient(AssemblyLoadContext defaultContext, AssemblyName name)
    {
        if (!string.Equals(name.Name, ClientAssemblyName, StringComparison.Ordinal))
        {
            return null;
        }

        return context?.LoadFromAssemblyName(name);
    }

    private sealed class DependencyLoadContext : AssemblyLoadContext
    {
        private readonly string directory;

        public DependencyLoadContext(string directory)
            : base("K8sServiceAccount.Dependencies", isCollectible: false)
        {
            this.directory = directory;
        }

        protected override Assembly? Load(AssemblyName assemblyName)
        {
            var path = Path.Combine(directory, assemblyName.Name + ".dll");
            // Framework assemblies are not in Dependencies/: returning null defers them to the default context.
            return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
        }
    }
}
