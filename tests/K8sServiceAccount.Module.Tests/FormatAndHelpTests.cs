using System.Reflection;
using System.Xml.Linq;

namespace K8sServiceAccount.Module.Tests;

/// <summary>Format views and help name exactly the types, cmdlets and parameters that exist.</summary>
[Collection(ModuleMetadataCollection.Name)]
public class FormatAndHelpTests
{
    private static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
    private static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

    // Added by PowerShell to every cmdlet that supports ShouldProcess; help may describe them but need not.
    private static readonly string[] ShouldProcessParameters = ["WhatIf", "Confirm"];

    private readonly ModuleMetadata metadata;

    public FormatAndHelpTests(ModuleMetadata metadata) => this.metadata = metadata;

    public static TheoryData<string> FormatFiles() => new(FormatFileNames());

    private static string[] FormatFileNames() => Psd1Reader.Array(Psd1Reader.Read(StagedModule.ManifestPath), "FormatsToProcess");

    [Theory]
    [MemberData(nameof(FormatFiles))]
    public void FormatViewsSelectModuleTypesAndTheirProperties(string file)
    {
        var views = XDocument.Load(Path.Combine(StagedModule.Directory, file)).Descendants("View").ToList();
        Assert.NotEmpty(views);
        Assert.Equal(views.Count, views.Select(v => v.Element("Name")!.Value).Distinct().Count());
        Assert.All(views, view =>
        {
            var typeName = view.Element("ViewSelectedBy")!.Element("TypeName")!.Value;
            var type = metadata.Module.GetType(typeName);
            Assert.True(type is { IsPublic: true }, $"{file}: view {view.Element("Name")!.Value} selects {typeName}, which the module does not define");
            var properties = type!.GetProperties().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
            Assert.All(view.Descendants("PropertyName"), p => Assert.True(properties.Contains(p.Value), $"{file}: {typeName} has no property {p.Value}"));
        });
    }

    [Theory]
    [MemberData(nameof(FormatFiles))]
    public void EveryLabelIsThePropertyName(string file)
    {
        // What a user sees is what Where-Object and Select-Object take (DESIGN.md): a column or list label names a
        // property of the type shown, even where a script writes its value (a join, a UTC time, an age).
        var wrong = XDocument.Load(Path.Combine(StagedModule.Directory, file)).Descendants("View")
            .SelectMany(view =>
            {
                var type = metadata.Module.GetType(view.Element("ViewSelectedBy")!.Element("TypeName")!.Value)!;
                return view.Descendants("Label").Select(l => l.Value)
                    .Where(label => type.GetProperty(label) is null)
                    .Select(label => $"{view.Element("Name")!.Value}: {label}");
            })
            .ToList();
        Assert.True(wrong.Count == 0, $"{file}: labels that are no property:\n" + string.Join("\n", wrong));
    }

    [Fact]
    public void EveryOutputTypeOfTheModuleHasAView()
    {
        var selected = FormatFileNames()
            .SelectMany(f => XDocument.Load(Path.Combine(StagedModule.Directory, f)).Descendants("TypeName").Select(t => t.Value))
            .ToHashSet(StringComparer.Ordinal);
        var outputTypes = metadata.Cmdlets.SelectMany(c => CmdletContractTests.OutputTypes(c.Type)).Where(t => t.Assembly == metadata.Module).Distinct();
        Assert.All(outputTypes, t => Assert.True(selected.Contains(t.FullName!), $"{t.FullName} is a cmdlet's output type without a format view"));
    }

    [Fact]
    public void HelpCoversExactlyTheCmdletsAndTheirParameters()
    {
        var help = XDocument.Load(Path.Combine(StagedModule.Directory, "en-US", "K8sServiceAccount.dll-Help.xml"));
        var commands = help.Root!.Elements(Command + "command")
            .ToDictionary(c => c.Element(Command + "details")!.Element(Command + "name")!.Value, StringComparer.Ordinal);
        Assert.DoesNotContain("TODO", help.ToString(), StringComparison.Ordinal);
        var missing = metadata.Cmdlets.Where(c => !commands.ContainsKey(c.Name)).ToList();
        Assert.True(missing.Count == 0, "Help is missing for these cmdlets; paste and complete:\n" + string.Join("\n", missing.Select(c => MamlSkeleton.For(c, metadata.Documentation))));
        Assert.Equal(metadata.Cmdlets.Select(c => c.Name).Order(StringComparer.Ordinal), commands.Keys.Order(StringComparer.Ordinal));

        Assert.All(metadata.Cmdlets, cmdlet =>
        {
            var command = commands[cmdlet.Name];
            Assert.False(string.IsNullOrWhiteSpace(command.Element(Command + "details")!.Element(Maml + "description")?.Value), $"{cmdlet}: no synopsis");
            Assert.False(string.IsNullOrWhiteSpace(command.Element(Maml + "description")?.Value), $"{cmdlet}: no description");
            Assert.NotEmpty(command.Descendants(Command + "example"));

            var documented = command.Element(Command + "parameters")!.Elements(Command + "parameter").ToList();
            var names = documented.Select(p => p.Element(Maml + "name")!.Value).Where(n => !ShouldProcessParameters.Contains(n)).Order(StringComparer.Ordinal);
            Assert.Equal(cmdlet.ParameterNames.Order(StringComparer.Ordinal), names);

            foreach (var parameter in documented.Where(p => !ShouldProcessParameters.Contains(p.Element(Maml + "name")!.Value)))
            {
                var name = parameter.Element(Maml + "name")!.Value;
                var declared = cmdlet.Parameters.First(p => p.Name == name);
                Assert.False(string.IsNullOrWhiteSpace(parameter.Element(Maml + "description")?.Value), $"{cmdlet} -{name}: no description");
                Assert.True(declared.Mandatory == bool.Parse(parameter.Attribute("required")!.Value), $"{cmdlet} -{name}: help says required={parameter.Attribute("required")!.Value}");
                Assert.True((declared.Position?.ToString() ?? "named") == parameter.Attribute("position")!.Value, $"{cmdlet} -{name}: help says position {parameter.Attribute("position")!.Value}");
                // A cmdlet with the hidden object-typed -PipelineInput (issue 12) binds every piped object to it and gives it
                // to -InputObject or -Action by type: those still take pipeline input by value, as the help says.
                var routed = name is "InputObject" or "Action"
                    && cmdlet.Parameters.Any(p => p.Name == "PipelineInput" && p.ValueFromPipeline && p.ParameterType.FullName == "System.Object"
                        && (p.ParameterSetName == declared.ParameterSetName || p.ParameterSetName == ParameterInfo.AllParameterSets));
                Assert.True(
                    (declared.ValueFromPipeline || declared.ValueFromPipelineByPropertyName || routed) == parameter.Attribute("pipelineInput")!.Value.StartsWith("True", StringComparison.Ordinal),
                    $"{cmdlet} -{name}: help says pipelineInput=\"{parameter.Attribute("pipelineInput")!.Value}\"");
                Assert.True(
                    declared.HasAttribute("System.Management.Automation.SupportsWildcardsAttribute") == bool.Parse(parameter.Attribute("globbing")!.Value),
                    $"{cmdlet} -{name}: help says globbing={parameter.Attribute("globbing")!.Value}");
            }

            // Each syntax line names only real parameters.
            Assert.All(command.Descendants(Command + "syntaxItem").SelectMany(s => s.Elements(Command + "parameter")), p =>
                Assert.Contains(p.Element(Maml + "name")!.Value, cmdlet.ParameterNames.Concat(ShouldProcessParameters)));

            Assert.All(command.Descendants(Command + "returnValue").Select(r => r.Element(Dev + "type")!.Element(Maml + "name")!.Value), typeName =>
                Assert.True(typeName == "None" || CmdletContractTests.OutputTypes(cmdlet.Type).Any(t => t.FullName == typeName), $"{cmdlet}: help names output {typeName}, which [OutputType] does not"));
        });
    }

    [Fact]
    public void TheAboutTopicIsStagedAndNamesEveryCmdlet()
    {
        var about = File.ReadAllText(Path.Combine(StagedModule.Directory, "en-US", "about_K8sServiceAccount.help.txt"));
        Assert.StartsWith("TOPIC", about, StringComparison.Ordinal);
        Assert.All(metadata.Cmdlets, c => Assert.Contains(c.Name, about, StringComparison.Ordinal));
    }
}
