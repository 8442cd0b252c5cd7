using K8sServiceAccount.Client.Models;

namespace K8sServiceAccount.Client.Api;

/// <summary>What New-K8sServiceAccount asks for: the object to create.</summary>
public sealed record ServiceAccountDefinition
{
    public required string Namespace { get; init; }

    public required string Name { get; init; }

    public IReadOnlyDictionary<string, string>? Labels { get; init; }

    public IReadOnlyDictionary<string, string>? Annotations { get; init; }

    /// <summary>Names of Secrets in the same namespace used to pull images for Pods running as this account.</summary>
    public IReadOnlyList<string>? ImagePullSecrets { get; init; }

    /// <summary>automountServiceAccountToken; null leaves the field unset (the server's default, true).</summary>
    public bool? AutomountServiceAccountToken { get; init; }

    internal ServiceAccount ToWire() => new()
    {
        Metadata = new ObjectMeta
        {
            Name = Name,
            Namespace = Namespace,
            Labels = Labels is { Count: > 0 } ? new Dictionary<string, string>(Labels) : null,
            Annotations = Annotations is { Count: > 0 } ? new Dictionary<string, string>(Annotations) : null,
        },
        ImagePullSecrets = ImagePullSecrets is { Count: > 0 }
            ? ImagePullSecrets.Select(n => new LocalObjectReference { Name = n }).ToList()
            : null,
        AutomountServiceAccountToken = AutomountServiceAccountToken,
    };
}

/// <summary>The answer of a create that tolerates an existing object (-Force).</summary>
/// <param name="ServiceAccount">The created object, or the existing one.</param>
/// <param name="AlreadyExisted">True when the name was taken and the existing object was read instead.</param>
public sealed record CreateOrGetResult(ServiceAccount ServiceAccount, bool AlreadyExisted);

/// <summary>
/// The changes Set-K8sServiceAccount makes, applied to the latest version of the object on every attempt
/// (so a retry after a conflict re-applies them rather than overwriting someone else's change).
/// </summary>
public sealed record ServiceAccountChanges
{
    /// <summary>Labels to set; a null value removes the label.</summary>
    public IReadOnlyDictionary<string, string?>? Labels { get; init; }

    /// <summary>Annotations to set; a null value removes the annotation.</summary>
    public IReadOnlyDictionary<string, string?>? Annotations { get; init; }

    /// <summary>Replaces imagePullSecrets when not null (an empty list clears them).</summary>
    public IReadOnlyList<string>? ImagePullSecrets { get; init; }

    /// <summary>Sets automountServiceAccountToken when not null.</summary>
    public bool? AutomountServiceAccountToken { get; init; }

    /// <summary>Applies the changes to an object in place.</summary>
    public void ApplyTo(ServiceAccount serviceAccount)
    {
        serviceAccount.Metadata.Labels = Merge(serviceAccount.Metadata.Labels, Labels);
        serviceAccount.Metadata.Annotations = Merge(serviceAccount.Metadata.Annotations, Annotations);
        if (ImagePullSecrets is not null)
        {
            serviceAccount.ImagePullSecrets = ImagePullSecrets.Count == 0
                ? null
                : ImagePullSecrets.Select(n => new LocalObjectReference { Name = n }).ToList();
        }

        if (AutomountServiceAccountToken is not null)
        {
            serviceAccount.AutomountServiceAccountToken = AutomountServiceAccountToken;
        }
    }

    private static Dictionary<string, string>? Merge(Dictionary<string, string>? current, IReadOnlyDictionary<string, string?>? changes)
    {
        if (changes is null || changes.Count == 0)
        {
            return current;
        }

        var result = current is null ? new Dictionary<string, string>() : new Dictionary<string, string>(current);
        foreach (var (key, value) in changes)
        {
            if (value is null)
            {
                result.Remove(key);
            }
            else
            {
                result[key] = value;
            }
        }

        return result.Count == 0 ? null : result;
    }
}
