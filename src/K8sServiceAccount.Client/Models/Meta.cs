using System.Text.Json.Serialization;

namespace K8sServiceAccount.Client.Models;

/// <summary>metadata of every Kubernetes object (the fields this module reads or writes).</summary>
public sealed class ObjectMeta
{
    public string? Name { get; set; }
    public string? GenerateName { get; set; }
    public string? Namespace { get; set; }
    public string? Uid { get; set; }
    public string? ResourceVersion { get; set; }
    public DateTimeOffset? CreationTimestamp { get; set; }
    public DateTimeOffset? DeletionTimestamp { get; set; }
    public Dictionary<string, string>? Labels { get; set; }
    public Dictionary<string, string>? Annotations { get; set; }
    public List<OwnerReference>? OwnerReferences { get; set; }
    public List<string>? Finalizers { get; set; }
}

/// <summary>Any object read only for its metadata (meta.k8s.io PartialObjectMetadata: the other fields are ignored).</summary>
public sealed class PartialObjectMetadata
{
    public string? ApiVersion { get; set; }
    public string? Kind { get; set; }
    public ObjectMeta Metadata { get; set; } = new();
}

public sealed class OwnerReference
{
    public string? ApiVersion { get; set; }
    public string? Kind { get; set; }
    public string? Name { get; set; }
    public string? Uid { get; set; }
    public bool? Controller { get; set; }
    public bool? BlockOwnerDeletion { get; set; }
}

/// <summary>metadata of a list: resourceVersion and the continue token for paging.</summary>
public sealed class ListMeta
{
    public string? ResourceVersion { get; set; }
    [JsonPropertyName("continue")]
    public string? Continue { get; set; }
    public long? RemainingItemCount { get; set; }
}

/// <summary>The Kubernetes Status object: every error body, and the body of some deletes.</summary>
public sealed class Status
{
    public string? Kind { get; set; }
    public string? ApiVersion { get; set; }
    public ListMeta? Metadata { get; set; }
    /// <summary>"Success" or "Failure" (the JSON key is "status").</summary>
    [JsonPropertyName("status")]
    public string? Outcome { get; set; }
    public string? Message { get; set; }
    public string? Reason { get; set; }
    public StatusDetails? Details { get; set; }
    public int? Code { get; set; }
}

public sealed class StatusDetails
{
    public string? Name { get; set; }
    public string? Group { get; set; }
    public string? Kind { get; set; }
    public string? Uid { get; set; }
    public List<StatusCause>? Causes { get; set; }
    public int? RetryAfterSeconds { get; set; }
}

public sealed class StatusCause
{
    public string? Reason { get; set; }
    public string? Message { get; set; }
    public string? Field { get; set; }
}

/// <summary>A reference to an object by name in the same namespace.</summary>
public sealed class LocalObjectReference
{
    public string? Name { get; set; }
}

public sealed class ObjectReference
{
    public string? Kind { get; set; }
    public string? Namespace { get; set; }
    public string? Name { get; set; }
    public string? Uid { get; set; }
    public string? ApiVersion { get; set; }
    public string? ResourceVersion { get; set; }
    public string? FieldPath { get; set; }
}

/// <summary>One event of a watch stream.</summary>
public sealed class WatchEvent<T>
{
    public string? Type { get; set; }
    public T? Object { get; set; }
}

/// <summary>meta/v1 DeleteOptions: the optional body of a DELETE.</summary>
public sealed class DeleteOptions
{
    public string? ApiVersion { get; set; } = "v1";
    public string? Kind { get; set; } = "DeleteOptions";
    public Preconditions? Preconditions { get; set; }
    /// <summary>Orphan, Background or Foreground.</summary>
    public string? PropagationPolicy { get; set; }
}

/// <summary>Conditions the object must still meet for a DELETE to go ahead.</summary>
public sealed class Preconditions
{
    public string? Uid { get; set; }
    public string? ResourceVersion { get; set; }
}
