using System.Text.RegularExpressions;

namespace K8sServiceAccount.LocalApiServer.Api;

/// <summary>Object name rules with apimachinery's exact messages (pkg/util/validation, pkg/api/validation/path).</summary>
public static partial class NameValidation
{
    private const string LabelFormat = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
    private const string SubdomainFormat = LabelFormat + "(\\." + LabelFormat + ")*";

    [GeneratedRegex("^" + LabelFormat + "$")]
    private static partial Regex LabelRegex();

    [GeneratedRegex("^" + SubdomainFormat + "$")]
    private static partial Regex SubdomainRegex();

    public const string SubdomainMessage =
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '" + SubdomainFormat + "')";

    // The double space before "or" is what the upstream message builder produces.
    public const string LabelMessage =
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '" + LabelFormat + "')";

    /// <summary>Problems with <paramref name="name"/> as a DNS-1123 subdomain (empty when valid).</summary>
    public static List<string> Subdomain(string name)
    {
        var errors = new List<string>();
        if (name.Length > 253) errors.Add("must be no more than 253 characters");
        if (!SubdomainRegex().IsMatch(name)) errors.Add(SubdomainMessage);
        return errors;
    }

    /// <summary>Problems with <paramref name="name"/> as a DNS-1123 label (empty when valid).</summary>
    public static List<string> Label(string name)
    {
        var errors = new List<string>();
        if (name.Length > 63) errors.Add("must be no more than 63 characters");
        if (!LabelRegex().IsMatch(name))
        {
            errors.Add(SubdomainRegex().IsMatch(name) ? "must not contain dots" : LabelMessage);
        }
        return errors;
    }

    /// <summary>Path-segment rules used for RBAC object names (':' and capitals are allowed).</summary>
    public static List<string> PathSegment(string name)
    {
        var errors = new List<string>();
        if (name is "." or "..") errors.Add($"may not be '{name}'");
        if (name.Contains('/')) errors.Add("may not contain '/'");
        if (name.Contains('%')) errors.Add("may not contain '%'");
        return errors;
    }

    public static bool IsLabel(string name) => name.Length <= 63 && LabelRegex().IsMatch(name);
    public static bool IsSubdomain(string name) => name.Length <= 253 && SubdomainRegex().IsMatch(name);
}
