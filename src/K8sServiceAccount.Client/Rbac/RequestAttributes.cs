namespace K8sServiceAccount.Client.Rbac;

/// <summary>
/// Turns an HTTP request into the attributes the authorizer sees, as kube-apiserver's request-info resolver does
/// (K8S-SEMANTICS §1.1): resource requests under <c>/api/{version}/…</c> and <c>/apis/{group}/{version}/…</c>, verbs from the
/// method (GET/HEAD without name → list or watch, DELETE without name → deletecollection), the legacy <c>/watch/</c> and
/// <c>/proxy/</c> prefixes, namespaces only from the path, the Namespace object's own namespace, and the
/// <c>metadata.name</c> field selector on list/watch. Everything else is a non-resource request whose verb is the lower-cased method.
/// </summary>
public static class RequestAttributes
{
    /// <summary>Builds the attributes of one HTTP request.</summary>
    /// <param name="user">The authenticated (or impersonated) identity.</param>
    /// <param name="method">HTTP method, e.g. <c>GET</c>.</param>
    /// <param name="path">URL path without query, e.g. <c>/api/v1/namespaces/ns1/pods</c>.</param>
    /// <param name="query">Decoded query parameters (only <c>watch</c> and <c>fieldSelector</c> matter); null for none.</param>
    public static AccessRequest FromHttp(UserInfo user, string method, string path, IReadOnlyDictionary<string, string>? query = null)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(method);
        path ??= "";
        var nonResource = AccessRequest.ForPath(user, method.ToLowerInvariant(), path);
        var parts = path.Trim('/').Split('/');
        if (parts.Length < 3 || (parts[0] != "api" && parts[0] != "apis"))
        {
            return nonResource;
        }
        var current = parts.AsSpan(1);
        var apiGroup = "";
        if (parts[0] == "apis")
        {
            if (current.Length < 3)
            {
                return nonResource;
            }
            apiGroup = current[0];
            current = current[1..];
        }
        current = current[1..]; // the version
        if (current.Length == 0)
        {
            return nonResource;
        }

        string verb;
        if (current[0] is "watch" or "proxy")
        {
            if (current.Length < 2)
            {
                // The real resolver fails here ("unable to determine kind and namespace"); treat it as a non-resource path.
                return nonResource;
            }
            verb = current[0];
            current = current[1..];
        }
        else
        {
            verb = method.ToUpperInvariant() switch
            {
                "POST" => "create",
                "GET" or "HEAD" => "get",
                "PUT" => "update",
                "PATCH" => "patch",
                "DELETE" => "delete",
                _ => "",
            };
        }

        var ns = "";
        if (current[0] == "namespaces" && current.Length > 1)
        {
            ns = current[1];
            // namespaces/{ns}/{resource}/... unless it is a subresource of the Namespace itself.
            if (current.Length > 2 && current[2] is not ("status" or "finalize"))
            {
                current = current[2..];
            }
        }

        var resource = current[0];
        var name = current.Length >= 2 ? current[1] : "";
        var subresource = current.Length >= 3 && verb != "proxy" ? current[2] : "";

        if (name.Length == 0 && verb == "get")
        {
            verb = IsWatch(query) ? "watch" : "list";
            if (FieldSelectorName(query) is { } selected)
            {
                name = selected;
            }
        }
        if (name.Length == 0 && verb == "delete")
        {
            verb = "deletecollection";
        }

        return new AccessRequest
        {
            User = user,
            Verb = verb,
            Namespace = ns,
            ApiGroup = apiGroup,
            Resource = resource,
            Subresource = subresource,
            Name = name,
            Path = path,
        };
    }

    /// <summary><c>watch</c> is true unless absent or <c>0</c>, <c>f</c>, <c>false</c> (any case), as the query decoder reads booleans.</summary>
    private static bool IsWatch(IReadOnlyDictionary<string, string>? query)
    {
        if (query is null || !query.TryGetValue("watch", out var value))
        {
            return false;
        }
        return !(value == "0" || value.Equals("f", StringComparison.OrdinalIgnoreCase) || value.Equals("false", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The value of an exact <c>metadata.name</c> requirement in the field selector, when it is a valid path segment.</summary>
    private static string? FieldSelectorName(IReadOnlyDictionary<string, string>? query)
    {
        if (query is null || !query.TryGetValue("fieldSelector", out var selector) || string.IsNullOrEmpty(selector))
        {
            return null;
        }
        foreach (var term in SplitUnescaped(selector, ','))
        {
            var notEqual = IndexOfUnescaped(term, "!=");
            if (notEqual >= 0)
            {
                continue;
            }
            var doubleEqual = IndexOfUnescaped(term, "==");
            var equal = doubleEqual >= 0 ? doubleEqual : IndexOfUnescaped(term, "=");
            if (equal < 0)
            {
                return null; // not a valid selector: the real decoder gives up on it
            }
            var key = term[..equal].Trim();
            var value = Unescape(term[(equal + (doubleEqual >= 0 ? 2 : 1))..]);
            if (key == "metadata.name")
            {
                return value.Length > 0 && value is not ("." or "..") && !value.Contains('/') && !value.Contains('%') ? value : null;
            }
        }
        return null;
    }

    private static IEnumerable<string> SplitUnescaped(string text, char separator)
    {
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\')
            {
                i++;
            }
            else if (text[i] == separator)
            {
                yield return text[start..i];
                start = i + 1;
            }
        }
        yield return text[start..];
    }

    private static int IndexOfUnescaped(string text, string token)
    {
        for (var i = 0; i <= text.Length - token.Length; i++)
        {
            if (text[i] == '\\')
            {
                i++;
                continue;
            }
            if (string.CompareOrdinal(text, i, token, 0, token.Length) == 0)
            {
                return i;
            }
        }
        return -1;
    }

    private static string Unescape(string value)
    {
        if (!value.Contains('\\'))
        {
            return value;
        }
        var builder = new System.Text.StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '\\' && i + 1 < value.Length)
            {
                i++;
            }
            builder.Append(value[i]);
        }
        return builder.ToString();
    }
}
