using System.Xml.Linq;

namespace K8sServiceAccount.Module.Tests;

/// <summary>The staged manifest matches the assembly, the one version number and the supported PowerShell.</summary>
[Collection(ModuleMetadataCollection.Name)]
public class ManifestTests
{
    private readonly ModuleMetadata metadata;
    private readonly IReadOnlyDictionary<string, object> manifest = Psd1Reader.Read(StagedModule.ManifestPath);

    public ManifestTests(ModuleMetadata metadata) => this.metadata = metadata;

    [Fact]
    public void CmdletsToExportIsExactlyTheCmdletsInTheAssembly()
    {
        var exported = Psd1Reader.Array(manifest, "CmdletsToExport").Order(StringComparer.Ordinal);
        Assert.Equal(metadata.Cmdlets.Select(c => c.Name).Order(StringComparer.Ordinal), exported);
    }

    [Fact]
    public void NothingButCmdletsIsExported()
    {
        Assert.Empty(Psd1Reader.Array(manifest, "FunctionsToExport"));
        Assert.Empty(Psd1Reader.Array(manifest, "VariablesToExport"));
        Assert.Empty(Psd1Reader.Array(manifest, "AliasesToExport"));
        Assert.Equal("K8sServiceAccount.dll", Psd1Reader.String(manifest, "RootModule"));
    }

    [Fact]
    public void VersionComesFromDirectoryBuildProps()
    {
        var props = XDocument.Load(Path.Combine(StagedModule.RepoRoot, "Directory.Build.props"));
        var version = props.Descendants("ModuleVersion").Single().Value;
        Assert.Equal(version, Psd1Reader.String(manifest, "ModuleVersion"));
        var assembly = metadata.Module.GetName().Version!;
        Assert.Equal(Version.Parse(version), new Version(assembly.Major, assembly.Minor, assembly.Build));
    }

    [Fact]
    public void TargetsPowerShell74Core()
    {
        Assert.Equal("7.4", Psd1Reader.String(manifest, "PowerShellVersion"));
        Assert.Equal(["Core"], Psd1Reader.Array(manifest, "CompatiblePSEditions"));
    }

    [Fact]
    public void EveryFileTheManifestNamesIsStaged()
    {
        var files = Psd1Reader.Array(manifest, "FormatsToProcess").Append(Psd1Reader.String(manifest, "RootModule"));
        Assert.All(files, f => Assert.True(File.Exists(Path.Combine(StagedModule.Directory, f)), $"{f} is named by the manifest but not staged"));
    }
}
