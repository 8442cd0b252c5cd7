using System.Xml.Linq;

namespace K8sServiceAccount.Module.Tests;

/// <summary>
/// Writes a MAML entry for a cmdlet from its metadata and XML doc comments, for the failure message of the help
/// test: a new cmdlet's author pastes it into module/en-US/K8sServiceAccount.dll-Help.xml and adds a description
/// and examples in place of its TODO marks (the help test refuses help that still holds one).
/// </summary>
internal static class MamlSkeleton
{
    private static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
    private static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

    internal static string For(CmdletInfo cmdlet, XDocument documentation)
    {
        string Summary(string member) =>
            documentation.Descendants("member").FirstOrDefault(m => (string?)m.Attribute("name") == member)?.Element("summary")?.Value
                .Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Aggregate(string.Empty, (text, line) => text.Length == 0 ? line : text + " " + line)
            ?? "TODO";

        XElement Parameter(ParameterInfo p) => new(
            Command + "parameter",
            new XAttribute("required", p.Mandatory.ToString().ToLowerInvariant()),
            new XAttribute("variableLength", p.ParameterType.IsArray.ToString().ToLowerInvariant()),
            new XAttribute("globbing", p.HasAttribute("System.Management.Automation.SupportsWildcardsAttribute").ToString().ToLowerInvariant()),
            new XAttribute("pipelineInput", PipelineInput(p)),
            new XAttribute("position", p.Position?.ToString() ?? "named"),
            new XElement(Maml + "name", p.Name),
            new XElement(Maml + "description", new XElement(Maml + "para", Summary($"P:{p.Property.DeclaringType!.FullName}.{p.Name}"))),
            p.IsSwitch ? null : new XElement(Command + "parameterValue", new XAttribute("required", "true"), new XAttribute("variableLength", "false"), p.ParameterType.Name),
            new XElement(Dev + "type", new XElement(Maml + "name", p.ParameterType.FullName)));

        var parameters = cmdlet.Parameters.GroupBy(p => p.Name).Select(g => g.First()).ToList();
        var entry = new XElement(
            Command + "command",
            new XAttribute(XNamespace.Xmlns + "maml", Maml),
            new XAttribute(XNamespace.Xmlns + "command", Command),
            new XAttribute(XNamespace.Xmlns + "dev", Dev),
            new XElement(Command + "details",
                new XElement(Command + "name", cmdlet.Name),
                new XElement(Command + "verb", cmdlet.Verb),
                new XElement(Command + "noun", cmdlet.Noun),
                new XElement(Maml + "description", new XElement(Maml + "para", Summary("T:" + cmdlet.Type.FullName)))),
            new XElement(Maml + "description", new XElement(Maml + "para", "TODO: what it does, what it changes, its errors.")),
            new XElement(Command + "syntax", new XElement(Command + "syntaxItem", new XElement(Maml + "name", cmdlet.Name), parameters.Select(Parameter))),
            new XElement(Command + "parameters", parameters.Select(Parameter)),
            new XElement(Command + "returnValues",
                CmdletContractTests.OutputTypes(cmdlet.Type).Select(t =>
                    new XElement(Command + "returnValue", new XElement(Dev + "type", new XElement(Maml + "name", t.FullName)), new XElement(Maml + "description", new XElement(Maml + "para", "TODO"))))),
            new XElement(Command + "examples",
                new XElement(Command + "example",
                    new XElement(Maml + "title", "-------------------------- Example 1 --------------------------"),
                    new XElement(Dev + "code", cmdlet.Name),
                    new XElement(Dev + "remarks", new XElement(Maml + "para", "TODO")))));
        return entry.ToString();
    }

    private static string PipelineInput(ParameterInfo p) => (p.ValueFromPipeline, p.ValueFromPipelineByPropertyName) switch
    {
        (true, true) => "True (ByValue, ByPropertyName)",
        (true, false) => "True (ByValue)",
        (false, true) => "True (ByPropertyName)",
        _ => "False",
    };
}
