// Temporary: the RBAC engine's contract types until the rbac branch lands in main (then this file goes).
namespace K8sServiceAccount.Client.Rbac;

public sealed record UserInfo(string Name, string? Uid, IReadOnlyList<string> Groups, IReadOnlyDictionary<string, IReadOnlyList<string>>? Extra = null);

public sealed record AccessRequest
{
    public required UserInfo User { get; init; }
    public required string Verb { get; init; }
    public bool IsResourceRequest { get; init; } = true;
    public string Namespace { get; init; } = "";
    public string ApiGroup { get; init; } = "";
    public string Resource { get; init; } = "";
    public string Subresource { get; init; } = "";
    public string Name { get; init; } = "";
    public string Path { get; init; } = "";
}

public sealed record AuthorizationResult(bool Allowed, string Reason, string? EvaluationError);
