using System.Reflection;
using System.Runtime.InteropServices;
using System.Xml.Linq;

namespace K8sServiceAccount.Module.Tests;

/// <summary>
/// The staged module read as metadata only (MetadataLoadContext): no PowerShell runtime needed. Resolves the
/// framework from the running runtime, System.Management.Automation from the PowerShellStandard reference
/// assembly in the NuGet package folder, and the client from the staged Dependencies/ folder.
/// </summary>
public sealed class ModuleMetadata : IDisposable
{
    public const string ClientAssemblyName = "K8sServiceAccount.Client";
    public const string AutomationAssemblyName = "System.Management.Automation";

    private readonly MetadataLoadContext context;

    public ModuleMetadata()
    {
        var paths = Directory.GetFiles(RuntimeEnvironment.GetRuntimeDirectory(), "*.dll")
            .Append(StagedModule.ModuleAssemblyPath)
            .Concat(Directory.GetFiles(StagedModule.DependenciesDirectory, "*.dll"))
            .Append(AutomationReferencePath());
        context = new MetadataLoadContext(new PathAssemblyResolver(paths));
        Module = context.LoadFromAssemblyPath(StagedModule.ModuleAssemblyPath);
        Client = context.LoadFromAssemblyName(ClientAssemblyName);
        Automation = context.LoadFromAssemblyName(AutomationAssemblyName);
        Cmdlets = Module.GetTypes()
            .Select(t => (Type: t, Attribute: t.GetCustomAttributesData().SingleOrDefault(a => a.AttributeType.FullName == "System.Management.Automation.CmdletAttribute")))
            .Where(x => x.Attribute is not null)
            .Select(x => new CmdletInfo(x.Type, x.Attribute!))
            .OrderBy(c => c.Name, StringComparer.Ordinal)
            .ToList();
        Documentation = XDocument.Load(DocumentationPath());
    }

    public Assembly Module { get; }

    public Assembly Client { get; }

    public Assembly Automation { get; }

    public IReadOnlyList<CmdletInfo> Cmdlets { get; }

    /// <summary>The module's XML documentation file, from the build output (never shipped).</summary>
    public XDocument Documentation { get; }

    public Type AutomationType(string fullName) => Automation.GetType(fullName, throwOnError: true)!;

    /// <summary>True for types a user may see: the module's own, the framework's and PowerShell's.</summary>
    public bool IsAllowedPublicType(Type type)
    {
        var assembly = type.Assembly.GetName().Name!;
        return type.Assembly == Module
            || assembly == AutomationAssemblyName
            || assembly is "mscorlib" or "netstandard" or "System.Private.CoreLib"
            || assembly.StartsWith("System.", StringComparison.Ordinal)
            || assembly.StartsWith("Microsoft.Win32.", StringComparison.Ordinal);
    }

    public void Dispose() => context.Dispose();

    private static string DocumentationPath()
    {
        var path = typeof(ModuleMetadata).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "ModuleDocumentationFile").Value;
        Assert.True(File.Exists(path), $"The module's XML doc file is not at {path}; build the solution in this configuration first");
        return path!;
    }

    /// <summary>The System.Management.Automation reference assembly of the PowerShellStandard.Library version the module builds with.</summary>
    private static string AutomationReferencePath()
    {
        var packageRoot = typeof(ModuleMetadata).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "NuGetPackageRoot").Value;
        Assert.False(string.IsNullOrEmpty(packageRoot), "NuGetPackageRoot was not recorded at build time");
        var version = XDocument.Load(Path.Combine(StagedModule.RepoRoot, "Directory.Packages.props"))
            .Descendants("PackageVersion")
            .Single(e => (string?)e.Attribute("Include") == "PowerShellStandard.Library")
            .Attribute("Version")!.Value;
        var path = Path.Combine(packageRoot!, "powershellstandard.library", version.ToLowerInvariant(), "lib", "netstandard2.0", "System.Management.Automation.dll");
        Assert.True(File.Exists(path), $"PowerShellStandard reference assembly not found at {path}; run dotnet restore");
        return path;
    }
}

/// <summary>One cmdlet class and its [Cmdlet] attribute, read from metadata.</summary>
public sealed class CmdletInfo
{
    public CmdletInfo(Type type, CustomAttributeData attribute)
    {
        Type = type;
        Verb = (string)attribute.ConstructorArguments[0].Value!;
        Noun = (string)attribute.ConstructorArguments[1].Value!;
        SupportsShouldProcess = Named<bool>(attribute, "SupportsShouldProcess");
        ConfirmImpact = Named<int?>(attribute, "ConfirmImpact");
        DefaultParameterSetName = Named<string?>(attribute, "DefaultParameterSetName");
        Parameters = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .SelectMany(p => p.GetCustomAttributesData()
                .Where(a => a.AttributeType.FullName == "System.Management.Automation.ParameterAttribute")
                .Select(a => new ParameterInfo(p, a)))
            .ToList();
    }

    public Type Type { get; }

    public string Verb { get; }

    public string Noun { get; }

    public string Name => Verb + "-" + Noun;

    public bool SupportsShouldProcess { get; }

    /// <summary>ConfirmImpact as its integer value (None 0, Low 1, Medium 2, High 3), when set.</summary>
    public int? ConfirmImpact { get; }

    public string? DefaultParameterSetName { get; }

    /// <summary>One entry per [Parameter] attribute (a property in several sets has several).</summary>
    public IReadOnlyList<ParameterInfo> Parameters { get; }

    public IReadOnlyList<string> ParameterNames => Parameters.Select(p => p.Name).Distinct().ToList();

    public override string ToString() => Name;

    internal static T Named<T>(CustomAttributeData attribute, string name)
    {
        var argument = attribute.NamedArguments.Where(a => a.MemberName == name).Select(a => (CustomAttributeNamedArgument?)a).SingleOrDefault();
        if (argument is null)
        {
            return default!;
        }

        var value = argument.Value.TypedValue.Value;
        return value is null ? default! : (T)Convert.ChangeType(value, Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T));
    }
}

/// <summary>One [Parameter] attribute of a cmdlet property.</summary>
public sealed class ParameterInfo
{
    public const string AllParameterSets = "__AllParameterSets";

    public ParameterInfo(PropertyInfo property, CustomAttributeData attribute)
    {
        Property = property;
        Mandatory = CmdletInfo.Named<bool>(attribute, "Mandatory");
        var position = CmdletInfo.Named<int?>(attribute, "Position");
        Position = position is null or int.MinValue ? null : position;
        ParameterSetName = CmdletInfo.Named<string?>(attribute, "ParameterSetName") ?? AllParameterSets;
        ValueFromPipeline = CmdletInfo.Named<bool>(attribute, "ValueFromPipeline");
        ValueFromPipelineByPropertyName = CmdletInfo.Named<bool>(attribute, "ValueFromPipelineByPropertyName");
    }

    public PropertyInfo Property { get; }

    public string Name => Property.Name;

    public Type ParameterType => Property.PropertyType;

    public bool Mandatory { get; }

    public int? Position { get; }

    public string ParameterSetName { get; }

    public bool ValueFromPipeline { get; }

    public bool ValueFromPipelineByPropertyName { get; }

    public bool IsSwitch => ParameterType.FullName == "System.Management.Automation.SwitchParameter";

    public bool HasAttribute(string fullName) => Property.GetCustomAttributesData().Any(a => a.AttributeType.FullName == fullName);
}

/// <summary>One MetadataLoadContext for all contract tests (loading it costs more than the tests).</summary>
[CollectionDefinition(Name)]
public sealed class ModuleMetadataCollection : ICollectionFixture<ModuleMetadata>
{
    public const string Name = "Module metadata";
}
