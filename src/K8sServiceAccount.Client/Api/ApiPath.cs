using System.Text;

namespace K8sServiceAccount.Client.Api;

/// <summary>
/// Builds API paths and query strings the way client-go does: each path segment escaped, query keys
/// sorted (url.Values.Encode), empty values left out.
/// </summary>
internal static class ApiPath
{
    /// <summary>The field manager recorded in managedFields for every change this module makes.</summary>
    public const string FieldManager = "K8sServiceAccount";

    /// <summary>"/api/v1/namespaces/{ns}/{resource}[/{name}[/{subresource}]]", or the cluster-wide collection when ns is null.</summary>
    public static string Core(string resource, string? @namespace = null, string? name = null, string? subresource = null)
    {
        var path = new StringBuilder("/api/v1");
        if (@namespace is not null)
        {
            path.Append("/namespaces/").Append(Uri.EscapeDataString(@namespace));
        }

        path.Append('/').Append(resource);
        if (name is not null)
        {
            path.Append('/').Append(Uri.EscapeDataString(name));
            if (subresource is not null)
            {
                path.Append('/').Append(subresource);
            }
        }

        return path.ToString();
    }

    /// <summary>Appends a query string built from the pairs whose value is not null or empty, keys sorted.</summary>
    public static string WithQuery(string path, params (string Key, string? Value)[] parameters)
    {
        var present = parameters
            .Where(p => !string.IsNullOrEmpty(p.Value))
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => Uri.EscapeDataString(p.Key) + "=" + Uri.EscapeDataString(p.Value!))
            .ToList();
        return present.Count == 0 ? path : path + "?" + string.Join("&", present);
    }

    /// <summary>The query of every create/update: our field manager and strict server-side field validation.</summary>
    public static string ForWrite(string path) =>
        WithQuery(path, ("fieldManager", FieldManager), ("fieldValidation", "Strict"));
}
