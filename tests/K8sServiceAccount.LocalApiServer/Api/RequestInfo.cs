namespace K8sServiceAccount.LocalApiServer.Api;

/// <summary>
/// The authorization attributes of an HTTP request, derived as kube-apiserver's RequestInfoFactory does:
/// resource requests under /api/v1 and /apis/GROUP/VERSION, everything else a non-resource request whose
/// verb is the lower-cased method.
/// </summary>
public sealed class RequestInfo
{
    public bool IsResourceRequest { get; private init; }
    public string Path { get; private init; } = "";
    public string Verb { get; private init; } = "";
    public string ApiGroup { get; private init; } = "";
    public string ApiVersion { get; private init; } = "";
    public string Namespace { get; private init; } = "";
    public string Resource { get; private init; } = "";
    public string Subresource { get; private init; } = "";
    public string Name { get; private init; } = "";
    /// <summary>True when the name came from a metadata.name field selector on a list or watch.</summary>
    public bool NameFromFieldSelector { get; private init; }

    /// <summary>Parses a request path, method and query into request attributes.</summary>
    public static RequestInfo Parse(string method, string path, Func<string, string?> query)
    {
        string[] parts = path.Trim('/').Split('/', StringSplitOptions.None);
        string nonResourceVerb = method.ToLowerInvariant();
        var nonResource = new RequestInfo { Path = path, Verb = nonResourceVerb };
        if (parts.Length == 0) return nonResource;

        int index;
        string group, version;
        if (parts[0] == "api" && parts.Length >= 3)
        {
            group = "";
            version = parts[1];
            index = 2;
        }
        else if (parts[0] == "apis" && parts.Length >= 4)
        {
            group = parts[1];
            version = parts[2];
            index = 3;
        }
        else
        {
            return nonResource;
        }

        string verb = method switch
        {
            "POST" => "create",
            "GET" or "HEAD" => "get",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" => "delete",
            _ => "",
        };
        if (verb.Length == 0) return nonResource;

        string[] rest = parts[index..];
        string ns = "";
        if (rest.Length > 0 && rest[0] == "watch")
        {
            verb = "watch";
            rest = rest[1..];
        }
        if (rest.Length >= 2 && rest[0] == "namespaces")
        {
            // namespaces/NAME and its own subresources (status, finalize) address the Namespace object,
            // whose namespace attribute is its own name; anything else below it is a namespaced resource.
            ns = rest[1];
            if (rest.Length > 2 && rest[2] is not ("status" or "finalize")) rest = rest[2..];
        }

        string resource = rest.Length > 0 ? rest[0] : "";
        string name = rest.Length > 1 ? rest[1] : "";
        string subresource = rest.Length > 2 ? rest[2] : "";

        bool nameFromSelector = false;
        if (name.Length == 0 && verb is "get" or "watch")
        {
            string? watch = query("watch");
            verb = verb == "watch" || (watch is not null && watch != "false" && watch != "0") ? "watch" : "list";
            string? fieldSelector = query("fieldSelector");
            if (fieldSelector is not null && FieldSelectorName(fieldSelector) is { } selected)
            {
                name = selected;
                nameFromSelector = true;
            }
        }
        else if (name.Length == 0 && verb == "delete")
        {
            verb = "deletecollection";
        }

        return new RequestInfo
        {
            IsResourceRequest = true,
            Path = path,
            Verb = verb,
            ApiGroup = group,
            ApiVersion = version,
            Namespace = ns,
            Resource = resource,
            Subresource = subresource,
            Name = name,
            NameFromFieldSelector = nameFromSelector,
        };
    }

    private static string? FieldSelectorName(string selector)
    {
        foreach (string term in selector.Split(','))
        {
            string t = term.Trim();
            if (t.StartsWith("metadata.name==", StringComparison.Ordinal)) return t["metadata.name==".Length..];
            if (t.StartsWith("metadata.name=", StringComparison.Ordinal)) return t["metadata.name=".Length..];
        }
        return null;
    }
}
