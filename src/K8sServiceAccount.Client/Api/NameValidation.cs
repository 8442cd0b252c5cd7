using System.Text.RegularExpressions;

namespace K8sServiceAccount.Client.Api;

/// <summary>
/// Kubernetes object-name rules, checked before any request so that a bad name fails fast with the
/// API server's own wording (apimachinery pkg/util/validation): users search for these messages.
/// </summary>
public static partial class NameValidation
{
    /// <summary>Longest DNS-1123 subdomain (ServiceAccount, Secret names).</summary>
    public const int Dns1123SubdomainMaxLength = 253;

    /// <summary>Longest DNS-1123 label (namespace names).</summary>
    public const int Dns1123LabelMaxLength = 63;

    private const string LabelFormat = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
    private const string SubdomainFormat = LabelFormat + "(\\." + LabelFormat + ")*";

    /// <summary>The server's detail for a value that is not a DNS-1123 subdomain (also used for RBAC ServiceAccount subjects).</summary>
    internal const string SubdomainMessage =
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', " +
        "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '" +
        SubdomainFormat + "')";

    // The two spaces before "or" are the server's: its message builder joins the examples that way.
    private const string LabelMessage =
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', " +
        "and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '" +
        LabelFormat + "')";

    // \z, not $: Go's $ is the end of the text, .NET's $ would also accept a trailing newline.
    [GeneratedRegex("^" + LabelFormat + "\\z", RegexOptions.CultureInvariant)]
    private static partial Regex LabelRegex();

    [GeneratedRegex("^" + SubdomainFormat + "\\z", RegexOptions.CultureInvariant)]
    private static partial Regex SubdomainRegex();

    /// <summary>True when the value is a DNS-1123 label (namespace names): at most 63 characters.</summary>
    internal static bool IsDns1123Label(ReadOnlySpan<char> value) =>
        value.Length <= Dns1123LabelMaxLength && LabelRegex().IsMatch(value);

    /// <summary>True when the value is a DNS-1123 subdomain (most object names): at most 253 characters.</summary>
    internal static bool IsDns1123Subdomain(ReadOnlySpan<char> value) =>
        value.Length <= Dns1123SubdomainMaxLength && SubdomainRegex().IsMatch(value);

    /// <summary>The reasons a value is not a DNS-1123 subdomain; empty when it is one.</summary>
    public static IReadOnlyList<string> Dns1123SubdomainErrors(string value)
    {
        var errors = new List<string>(2);
        if (value.Length > Dns1123SubdomainMaxLength)
        {
            errors.Add(MaxLengthMessage(Dns1123SubdomainMaxLength));
        }

        if (!SubdomainRegex().IsMatch(value))
        {
            errors.Add(SubdomainMessage);
        }

        return errors;
    }

    /// <summary>The reasons a value is not a DNS-1123 label; empty when it is one.</summary>
    public static IReadOnlyList<string> Dns1123LabelErrors(string value)
    {
        var errors = new List<string>(2);
        if (value.Length > Dns1123LabelMaxLength)
        {
            errors.Add(MaxLengthMessage(Dns1123LabelMaxLength));
        }

        if (!LabelRegex().IsMatch(value))
        {
            // A valid subdomain that is not a valid label can only be failing on its dots.
            errors.Add(SubdomainRegex().IsMatch(value) ? "must not contain dots" : LabelMessage);
        }

        return errors;
    }

    /// <summary>
    /// Throws <see cref="K8sClientException"/> with ErrorId InvalidServiceAccountName when the name is not a
    /// DNS-1123 subdomain. The message is the one the API server would return.
    /// </summary>
    public static void ValidateServiceAccountName(string? name) =>
        ValidateName("ServiceAccount", name, "InvalidServiceAccountName", Dns1123SubdomainErrors);

    /// <summary>Throws with ErrorId InvalidSecretName when the name is not a DNS-1123 subdomain.</summary>
    public static void ValidateSecretName(string? name) =>
        ValidateName("Secret", name, "InvalidSecretName", Dns1123SubdomainErrors);

    /// <summary>
    /// Throws with ErrorId InvalidNamespaceName when the namespace is not a DNS-1123 label, worded as the
    /// server words it for the object being sent there (field metadata.namespace).
    /// </summary>
    public static void ValidateNamespace(string? @namespace, string objectKind = "ServiceAccount", string? objectName = null)
    {
        if (string.IsNullOrEmpty(@namespace))
        {
            throw new K8sClientException(
                "InvalidNamespaceName",
                K8sErrorCategory.InvalidArgument,
                $"{objectKind} \"{objectName}\" is invalid: metadata.namespace: Required value: a namespace is required");
        }

        var errors = Dns1123LabelErrors(@namespace);
        if (errors.Count > 0)
        {
            throw new K8sClientException(
                "InvalidNamespaceName",
                K8sErrorCategory.InvalidArgument,
                InvalidMessage(objectKind, objectName ?? string.Empty, "metadata.namespace", @namespace, errors))
            {
                Target = @namespace,
            };
        }
    }

    private static void ValidateName(string kind, string? name, string errorId, Func<string, IReadOnlyList<string>> rules)
    {
        if (string.IsNullOrEmpty(name))
        {
            throw new K8sClientException(
                errorId,
                K8sErrorCategory.InvalidArgument,
                $"{kind} \"\" is invalid: metadata.name: Required value: name or generateName is required");
        }

        var errors = rules(name);
        if (errors.Count > 0)
        {
            throw new K8sClientException(errorId, K8sErrorCategory.InvalidArgument, InvalidMessage(kind, name, "metadata.name", name, errors))
            {
                Target = name,
            };
        }
    }

    // The API server's Invalid form: `Kind "name" is invalid: field: Invalid value: "v": detail`, several errors in [a, b].
    private static string InvalidMessage(string kind, string objectName, string field, string value, IReadOnlyList<string> details)
    {
        var causes = details.Select(d => $"{field}: Invalid value: {Quote(value)}: {d}").ToList();
        var body = causes.Count == 1 ? causes[0] : "[" + string.Join(", ", causes) + "]";
        return $"{kind} {Quote(objectName)} is invalid: {body}";
    }

    private static string MaxLengthMessage(int length) => $"must be no more than {length} characters";

    private static string Quote(string value) => "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
