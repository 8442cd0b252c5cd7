namespace K8sServiceAccount;

/// <summary>The object a bound token is tied to (a Pod, Secret or Node): the token stops working when that object is deleted.</summary>
public sealed class K8sBoundObjectReference
{
    /// <summary>Pod, Secret or Node.</summary>
    public string Kind { get; init; } = string.Empty;

    /// <summary>The object's name.</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>The object's UID, when known.</summary>
    public string? Uid { get; init; }

    /// <summary>"Kind/Name", as kubectl names objects.</summary>
    public override string ToString() => Kind + "/" + Name;
}
