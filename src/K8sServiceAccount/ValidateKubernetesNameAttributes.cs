using System.Management.Automation;
using K8sServiceAccount.Client.Api;
using K8sServiceAccount.Internal;

namespace K8sServiceAccount;

/// <summary>
/// Refuses a -Namespace argument the API server would refuse (a namespace name is a DNS-1123 label), before any request,
/// with PowerShell's error naming the parameter; also when the value is bound from a piped object. An empty value means
/// the default namespace (an Import-Csv cell without a value) and passes.
/// </summary>
public sealed class ValidateNamespaceAttribute : ValidateEnumeratedArgumentsAttribute
{
    /// <summary>Throws a ValidationMetadataException saying why the namespace is not valid.</summary>
    protected override void ValidateElement(object element) => KubernetesNames.Validate(element, KubernetesNames.Kind.Namespace);
}

/// <summary>
/// Refuses a ServiceAccount name the API server would refuse (a DNS-1123 subdomain), before any request, with
/// PowerShell's error naming the parameter.
/// </summary>
public sealed class ValidateServiceAccountNameAttribute : ValidateEnumeratedArgumentsAttribute
{
    /// <summary>Throws a ValidationMetadataException saying why the name is not valid.</summary>
    protected override void ValidateElement(object element) => KubernetesNames.Validate(element, KubernetesNames.Kind.ServiceAccount);
}

/// <summary>The name rules of the validation attributes, with the API server's wording (K8S-SEMANTICS.md).</summary>
internal static class KubernetesNames
{
    internal enum Kind
    {
        Namespace,
        ServiceAccount,
    }

    /// <summary>Why <paramref name="value"/> cannot be a namespace (a DNS-1123 label), or null when it can or is empty.</summary>
    internal static string? NamespaceError(string? value) =>
        string.IsNullOrWhiteSpace(value) || NameValidation.Dns1123LabelErrors(value.Trim()) is not { Count: > 0 } errors
            ? null
            : $"The namespace \"{value}\" is not valid: {string.Join("; ", errors)}";

    internal static void Validate(object? element, Kind kind)
    {
        var value = PipelineValue.Unwrap(element) as string;
        var error = kind == Kind.Namespace
            ? NamespaceError(value)
            : string.IsNullOrEmpty(value) || NameValidation.Dns1123SubdomainErrors(value) is not { Count: > 0 } errors
                ? null
                : $"The ServiceAccount name \"{value}\" is not valid: {string.Join("; ", errors)}";
        if (error is not null)
        {
            throw new ValidationMetadataException(error);
        }
    }
}
