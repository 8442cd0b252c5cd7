using System.Text.Json.Nodes;
using K8sServiceAccount.Client.Config;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace K8sServiceAccount.Client.Rbac;

/// <summary>
/// Converts every document of a YAML stream to a JSON node with kubectl's typing (YAML 1.1 scalars, shared with the
/// kubeconfig reader through <see cref="YamlValues.ToJson"/>): an unquoted <c>true</c>, <c>yes</c> or <c>123</c> is not a string.
/// </summary>
internal static class YamlJson
{
    /// <summary>Parses every document of <paramref name="text"/>; a document that is empty yields null.</summary>
    /// <exception cref="YamlException">Syntax error (with the position in <see cref="YamlException.Start"/>).</exception>
    public static List<JsonNode?> ParseDocuments(string text)
    {
        var stream = DocumentLimits.LoadYaml(new StringReader(text));
        var result = new List<JsonNode?>(stream.Documents.Count);
        foreach (var document in stream.Documents)
        {
            result.Add(JsonNode.Parse(YamlValues.ToJson(document.RootNode)));
        }
        return result;
    }
}
