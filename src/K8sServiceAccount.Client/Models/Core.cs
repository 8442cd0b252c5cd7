namespace K8sServiceAccount.Client.Models;

public sealed class ServiceAccount
{
    public string? ApiVersion { get; set; } = "v1";
    public string? Kind { get; set; } = "ServiceAccount";
    public ObjectMeta Metadata { get; set; } = new();
    public List<ObjectReference>? Secrets { get; set; }
    public List<LocalObjectReference>? ImagePullSecrets { get; set; }
    public bool? AutomountServiceAccountToken { get; set; }
}

public sealed class ServiceAccountList
{
    public string? ApiVersion { get; set; }
    public string? Kind { get; set; }
    public ListMeta? Metadata { get; set; }
    public List<ServiceAccount> Items { get; set; } = new();
}

public sealed class Secret
{
    public string? ApiVersion { get; set; } = "v1";
    public string? Kind { get; set; } = "Secret";
    public ObjectMeta Metadata { get; set; } = new();
    public string? Type { get; set; }
    /// <summary>Values are base64 on the wire; System.Text.Json maps byte[] to base64.</summary>
    public Dictionary<string, byte[]>? Data { get; set; }
    public Dictionary<string, string>? StringData { get; set; }
    public bool? Immutable { get; set; }
}

public sealed class SecretList
{
    public string? ApiVersion { get; set; }
    public string? Kind { get; set; }
    public ListMeta? Metadata { get; set; }
    public List<Secret> Items { get; set; } = new();
}

public sealed class Namespace
{
    public string? ApiVersion { get; set; } = "v1";
    public string? Kind { get; set; } = "Namespace";
    public ObjectMeta Metadata { get; set; } = new();
}

public sealed class NamespaceList
{
    public string? ApiVersion { get; set; }
    public string? Kind { get; set; }
    public ListMeta? Metadata { get; set; }
    public List<Namespace> Items { get; set; } = new();
}
