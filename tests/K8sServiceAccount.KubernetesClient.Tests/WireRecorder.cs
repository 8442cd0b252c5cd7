using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using k8s;

namespace K8sServiceAccount.KubernetesClient.Tests;

/// <summary>
/// Keeps the body of every (non-watch) answer KubernetesClient receives, so a test can compare what the server
/// sent with what KubernetesClient's typed model made of it.
/// </summary>
public sealed class WireRecorder : DelegatingHandler
{
    private readonly ConcurrentQueue<(HttpMethod Method, string Path, string Body)> _answers = new();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        HttpResponseMessage response = await base.SendAsync(request, cancellationToken);
        if (request.RequestUri!.Query.Contains("watch=true", StringComparison.Ordinal)) return response;
        string body = await response.Content.ReadAsStringAsync(cancellationToken);
        var copy = new StringContent(body);
        copy.Headers.Clear();
        foreach (var header in response.Content.Headers) copy.Headers.TryAddWithoutValidation(header.Key, header.Value);
        response.Content = copy;
        _answers.Enqueue((request.Method, request.RequestUri.AbsolutePath, body));
        return response;
    }

    /// <summary>The last answer to METHOD PATH (the path without query).</summary>
    public JsonNode Last(HttpMethod method, string path) =>
        JsonNode.Parse(_answers.Last(a => a.Method == method && a.Path == path).Body)!;

    /// <summary>
    /// What the server sent for METHOD PATH is exactly what KubernetesClient's model holds: nothing dropped as an
    /// unknown field (a field the real API does not have, or has under another name), nothing invented.
    /// </summary>
    public void AssertModelIsWire(object model, HttpMethod method, string path)
    {
        JsonNode wire = Last(method, path);
        JsonNode typed = JsonNode.Parse(KubernetesJson.Serialize(model))!;
        JsonCompare.AssertSubset(wire, typed, $"{method} {path}: fields the server sent that KubernetesClient's model does not have (or has otherwise)");
        JsonCompare.AssertSubset(typed, wire, $"{method} {path}: fields KubernetesClient's model has that the server did not send");
    }
}
