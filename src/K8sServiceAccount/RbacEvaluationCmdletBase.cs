using System.Management.Automation;
using K8sServiceAccount.Client;
using K8sServiceAccount.Client.Permissions;
using K8sServiceAccount.Internal;

namespace K8sServiceAccount;

/// <summary>
/// Shared parameters and behaviour of the permission cmdlets that can answer without the API server
/// (Test-K8sPermission, Get-K8sPermission, Get-K8sPermissionSubject, Compare-K8sPermission): -Policy evaluates
/// offline on RBAC documents, -Snapshot locally on a snapshot from Get-K8sRbacSnapshot; the two exclude each other.
/// </summary>
public abstract class RbacEvaluationCmdletBase : K8sClusterCmdlet
{
    /// <summary>
    /// Evaluate offline on these RBAC documents, with no cluster: paths of YAML or JSON files or directories, FileInfo
    /// objects, documents as objects (ConvertFrom-Json or ConvertFrom-Yaml output: one object, a v1 List or several), or
    /// objects from Get-K8sRole, Get-K8sClusterRole, Get-K8sRoleBinding, Get-K8sClusterRoleBinding.
    /// Roles and RoleBindings without a namespace are placed in -Namespace (default: default). A document that cannot be used
    /// (bad YAML or JSON, a missing or mistyped field, a field the kind does not have such as a misspelt rules or
    /// metadata.namespace, as kubectl's strict validation refuses) is an RbacDocumentInvalid error naming the file, the
    /// document and the field. A path that matches nothing, or a directory without .yaml, .yml or .json files, is an
    /// RbacPolicyNotFound error.
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public object[]? Policy { get; set; }

    /// <summary>
    /// Evaluate locally on a snapshot from Get-K8sRbacSnapshot: fast for many questions, but RBAC only (not the Node
    /// or webhook authorizers) and as of when the snapshot was taken. Without -Namespace the namespace of the context the
    /// snapshot was taken with is used; no connection is needed.
    /// </summary>
    [Parameter]
    [ValidateNotNull]
    public K8sRbacSnapshot? Snapshot { get; set; }

    // Only this module's cmdlets derive from it: the hooks they use name client types and stay off the public surface.
    private protected RbacEvaluationCmdletBase()
    {
    }

    /// <summary>Where to evaluate. -Policy and -Snapshot choose local evaluation; they exclude each other.</summary>
    private protected EvaluationSource Source => (Policy, Snapshot) switch
    {
        (not null, not null) => throw PermissionErrors.InvalidArgument("Policy", "Give -Policy or -Snapshot, not both."),
        (not null, _) => EvaluationSource.Policy,
        (_, not null) => EvaluationSource.Snapshot,
        _ => EvaluationSource.Cluster,
    };

    /// <summary>-Policy: no connection is resolved at all.</summary>
    private protected bool Offline => Source == EvaluationSource.Policy;

    /// <summary>Neither -Policy nor -Snapshot: the API server answers.</summary>
    private protected bool OnCluster => Source == EvaluationSource.Cluster;

    /// <summary>
    /// The namespace of checks and bare ServiceAccount names when -Namespace is not given: the connection's on the cluster,
    /// the snapshot's with -Snapshot, default with -Policy. Local evaluation resolves no connection.
    /// </summary>
    private protected string NamespaceOrDefault => EvaluationNamespace.Default(Source, Namespace, Snapshot?.Namespace, () => Settings.Namespace);

    /// <summary>Refuses -Policy together with -Snapshot before any input is read.</summary>
    protected override void BeginProcessing()
    {
        try
        {
            _ = Source;
        }
        catch (K8sClientException e)
        {
            ThrowTerminatingErrorFor(e, "Policy");
        }
    }

    /// <summary>
    /// On the cluster, the error for a ServiceAccount subject that does not exist (the server's KubernetesNotFound, naming
    /// <paramref name="parameter"/>), so a mistyped name is not evaluated silently; null when it exists, and when it cannot
    /// be read (RBAC is evaluated regardless: bindings may name a ServiceAccount before it exists).
    /// </summary>
    private protected K8sClientException? MissingServiceAccount(PermissionSubject account, string parameter)
    {
        try
        {
            Invoke((connection, token) => new Client.Api.ServiceAccountOperations(connection, Log).GetAsync(account.Namespace!, account.Name!, token));
            return null;
        }
        catch (Client.Http.KubernetesApiException e) when (e.IsNotFound)
        {
            return new K8sClientException(e.ErrorId, e.Category, $"-{parameter}: the ServiceAccount {account.Namespace}/{account.Name} does not exist.", e)
            {
                Target = $"{account.Namespace}/{account.Name}",
            };
        }
        catch (K8sClientException e)
        {
            this.WriteVerboseLine($"Could not check that ServiceAccount {account.Namespace}/{account.Name} exists: {e.Message}");
            return null;
        }
    }

    /// <summary>
    /// The RBAC objects to evaluate on: the -Policy documents (namespace-less objects placed in
    /// <paramref name="defaultNamespace"/>), the -Snapshot, or the cluster's, read once.
    /// </summary>
    private protected RbacSnapshot LoadRbac(string defaultNamespace) => Source switch
    {
        EvaluationSource.Policy => PolicyDocuments.Load(this, Policy!, defaultNamespace, this.WriteVerboseLine).WithLog(Log),
        EvaluationSource.Snapshot => Snapshot!.Evaluator.WithLog(Log),
        _ => Invoke((connection, token) => RbacSnapshot.LoadAsync(connection, new ResourceNameResolver(connection, Log), cancellationToken: token)),
    };
}
