using System.Text;
using System.Text.Json.Nodes;
using K8sServiceAccount.LocalApiServer.Api;
using K8sServiceAccount.LocalApiServer.Store;

namespace K8sServiceAccount.LocalApiServer.Controllers;

/// <summary>
/// The controllers of the ServiceAccount system and RBAC, driven by store events like their
/// kube-controller-manager counterparts: namespace lifecycle (deleting a namespace removes its content),
/// the `default` ServiceAccount and the kube-root-ca.crt ConfigMap in every namespace, the token
/// controller for kubernetes.io/service-account-token Secrets (while
/// <see cref="ControllerSwitches.TokenController"/> is on), and ClusterRole aggregation.
/// </summary>
public sealed class ControllerManager : IAsyncDisposable
{
    private static readonly string[] InitialNamespaces = ["default", "kube-system", "kube-public", "kube-node-lease"];

    private readonly ServerContext _context;
    private readonly ObjectStore _store;
    private readonly CancellationTokenSource _stop = new();
    private StoreSubscription? _subscription;
    private Task? _loop;
    private readonly WorkloadControllers _workloads;
    private long _processedVersion;

    public ControllerManager(ServerContext context)
    {
        _context = context;
        _store = context.Store;
        _workloads = new WorkloadControllers(context);
    }

    /// <summary>Creates the initial namespaces and bootstrap policy, reconciles once, then follows store events.</summary>
    public void Start()
    {
        _subscription = _store.Subscribe(null, null);
        _processedVersion = _store.ResourceVersion;
        foreach (string ns in InitialNamespaces)
        {
            var obj = new JsonObject
            {
                ["kind"] = "Namespace",
                ["apiVersion"] = "v1",
                ["metadata"] = new JsonObject
                {
                    ["name"] = ns,
                    ["labels"] = new JsonObject { ["kubernetes.io/metadata.name"] = ns },
                },
                ["spec"] = new JsonObject { ["finalizers"] = new JsonArray("kubernetes") },
                ["status"] = new JsonObject { ["phase"] = "Active" },
            };
            CreateIfMissing(ResourceType.Namespaces, obj);
        }
        RbacBootstrap.Seed(_store);
        _context.Controllers.TokenControllerStarted += ResyncTokenSecrets;
        _loop = Task.Run(() => RunAsync(_stop.Token));
    }

    /// <summary>Completes when every store change so far has been handled (controllers are quiescent).</summary>
    public async Task WaitForIdleAsync(CancellationToken cancellationToken = default)
    {
        while (Interlocked.Read(ref _processedVersion) < _store.ResourceVersion)
        {
            await Task.Delay(5, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (StoreEvent e in _subscription!.Events.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    Handle(e);
                }
                catch (ApiError)
                {
                    // Lost a race with a concurrent change; the event that caused it comes next.
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    if (_context.Options.Verbose) Console.Error.WriteLine($"controller error on {e.Object.Type} {e.Object.Name}: {ex}");
                }
                // Every store change is one event, so this reaches the store's version once all are handled.
                Interlocked.Exchange(ref _processedVersion, e.Object.ResourceVersion);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private void Handle(StoreEvent e)
    {
        StoredObject obj = e.Object;
        if (obj.Type == ResourceType.Namespaces)
        {
            if (e.EventType != WatchEventType.Deleted) ReconcileNamespace(obj);
        }
        else if (obj.Type == ResourceType.ServiceAccounts)
        {
            if (e.EventType == WatchEventType.Deleted) OnServiceAccountDeleted(obj);
        }
        else if (obj.Type == ResourceType.ConfigMaps)
        {
            if (obj.Name == Admission.RootCaConfigMap) EnsureRootCaConfigMap(obj.Namespace);
        }
        else if (obj.Type == ResourceType.Secrets && _context.Controllers.TokenController)
        {
            if (e.EventType == WatchEventType.Deleted) OnSecretDeleted(obj);
            else ReconcileTokenSecret(obj);
        }
        else if (obj.Type == ResourceType.ClusterRoles)
        {
            _context.Authorizer.Aggregate(_store);
        }
        else if ((obj.Type == ResourceType.Deployments || obj.Type == ResourceType.ReplicaSets || obj.Type == ResourceType.Pods)
                 && _context.Controllers.WorkloadControllers)
        {
            _workloads.Handle(e);
        }
    }

    private bool IsActiveNamespace(string ns) =>
        _store.Get(ResourceType.Namespaces, "", ns) is { } stored && stored.ToNode()["metadata"]?["deletionTimestamp"] is null;

    private void ReconcileNamespace(StoredObject ns)
    {
        if (ns.ToNode()["metadata"]?["deletionTimestamp"] is not null)
        {
            FinalizeNamespace(ns.Name);
            return;
        }
        EnsureDefaultServiceAccount(ns.Name);
        EnsureRootCaConfigMap(ns.Name);
    }

    private void FinalizeNamespace(string ns)
    {
        foreach (ResourceType type in ResourceType.All)
        {
            if (!type.Persisted || !type.Namespaced) continue;
            foreach (StoredObject item in _store.List(type, ns).Items)
            {
                TryDelete(type, ns, item.Name);
            }
        }
        TryDelete(ResourceType.Namespaces, "", ns);
    }

    private void TryDelete(ResourceType type, string ns, string name, string? uid = null)
    {
        try
        {
            _store.Delete(type, ns, name, uid);
        }
        catch (ApiError e) when (e.Code is 404 or 409)
        {
            // Already gone or replaced by a newer object: nothing to delete.
        }
    }

    private void CreateIfMissing(ResourceType type, JsonObject obj)
    {
        try
        {
            _store.Create(type, obj);
        }
        catch (ApiError e) when (e.Code == 409)
        {
            // Created meanwhile by someone else: that one stands.
        }
    }

    private void EnsureDefaultServiceAccount(string ns)
    {
        if (_store.Get(ResourceType.ServiceAccounts, ns, "default") is not null || !IsActiveNamespace(ns)) return;
        CreateIfMissing(ResourceType.ServiceAccounts, new JsonObject
        {
            ["kind"] = "ServiceAccount",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject { ["name"] = "default", ["namespace"] = ns },
        });
    }

    private void EnsureRootCaConfigMap(string ns)
    {
        if (!IsActiveNamespace(ns)) return;
        string caPem = _context.Ca.CaPem;
        StoredObject? existing = _store.Get(ResourceType.ConfigMaps, ns, Admission.RootCaConfigMap);
        if (existing is null)
        {
            CreateIfMissing(ResourceType.ConfigMaps, new JsonObject
            {
                ["kind"] = "ConfigMap",
                ["apiVersion"] = "v1",
                ["metadata"] = new JsonObject
                {
                    ["name"] = Admission.RootCaConfigMap,
                    ["namespace"] = ns,
                    ["annotations"] = new JsonObject { ["kubernetes.io/description"] = RootCaDescription },
                },
                ["data"] = new JsonObject { ["ca.crt"] = caPem },
            });
            return;
        }
        _store.Update(ResourceType.ConfigMaps, ns, Admission.RootCaConfigMap, node =>
        {
            if (HttpIo.Str(node["data"]?["ca.crt"]) == caPem) return null;
            var data = node["data"] as JsonObject ?? new JsonObject();
            data["ca.crt"] = caPem;
            node["data"] = data;
            return node;
        });
    }

    private const string RootCaDescription =
        "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.";

    private void OnServiceAccountDeleted(StoredObject serviceAccount)
    {
        if (_context.Controllers.TokenController) DeleteTokenSecretsOf(serviceAccount);
        if (serviceAccount.Name == "default") EnsureDefaultServiceAccount(serviceAccount.Namespace);
    }

    /// <summary>The token controller's part of a ServiceAccount deletion: its token Secrets go with it.</summary>
    private void DeleteTokenSecretsOf(StoredObject serviceAccount)
    {
        foreach (StoredObject secret in _store.List(ResourceType.Secrets, serviceAccount.Namespace).Items)
        {
            JsonObject node = secret.ToNode();
            if (HttpIo.Str(node["type"]) != Admission.ServiceAccountTokenType) continue;
            JsonNode? annotations = node["metadata"]?["annotations"];
            if (HttpIo.Str(annotations?[Admission.ServiceAccountNameAnnotation]) != serviceAccount.Name) continue;
            string uid = HttpIo.Str(annotations?[Admission.ServiceAccountUidAnnotation]);
            if (uid.Length > 0 && uid != serviceAccount.Uid) continue;
            TryDelete(ResourceType.Secrets, secret.Namespace, secret.Name, secret.Uid);
        }
    }

    private void OnSecretDeleted(StoredObject secret)
    {
        JsonObject node = secret.ToNode();
        if (HttpIo.Str(node["type"]) != Admission.ServiceAccountTokenType) return;
        string serviceAccountName = HttpIo.Str(node["metadata"]?["annotations"]?[Admission.ServiceAccountNameAnnotation]);
        if (_store.Get(ResourceType.ServiceAccounts, secret.Namespace, serviceAccountName) is null) return;
        _store.Update(ResourceType.ServiceAccounts, secret.Namespace, serviceAccountName, sa =>
        {
            if (sa["secrets"] is not JsonArray references) return null;
            var remaining = references.Where(r => HttpIo.Str(r?["name"]) != secret.Name).Select(r => r?.DeepClone()).ToArray();
            if (remaining.Length == references.Count) return null;
            sa["secrets"] = new JsonArray(remaining);
            return sa;
        });
    }

    /// <summary>The token controller: fill token, ca.crt and namespace, or delete the Secret if its ServiceAccount is gone.</summary>
    private void ReconcileTokenSecret(StoredObject secret)
    {
        JsonObject node = secret.ToNode();
        if (HttpIo.Str(node["type"]) != Admission.ServiceAccountTokenType) return;
        JsonNode? annotations = node["metadata"]?["annotations"];
        string serviceAccountName = HttpIo.Str(annotations?[Admission.ServiceAccountNameAnnotation]);
        string recordedUid = HttpIo.Str(annotations?[Admission.ServiceAccountUidAnnotation]);
        StoredObject? serviceAccount = _store.Get(ResourceType.ServiceAccounts, secret.Namespace, serviceAccountName);
        if (serviceAccount is null || (recordedUid.Length > 0 && recordedUid != serviceAccount.Uid))
        {
            TryDelete(ResourceType.Secrets, secret.Namespace, secret.Name, secret.Uid);
            return;
        }
        string caData = Base64(_context.Ca.CaPem);
        string namespaceData = Base64(secret.Namespace);
        _store.Update(ResourceType.Secrets, secret.Namespace, secret.Name, current =>
        {
            var metadata = current["metadata"]!.AsObject();
            var currentAnnotations = metadata["annotations"] as JsonObject ?? new JsonObject();
            var data = current["data"] as JsonObject ?? new JsonObject();
            bool changed = false;
            if (HttpIo.Str(currentAnnotations[Admission.ServiceAccountUidAnnotation]) != serviceAccount.Uid)
            {
                currentAnnotations[Admission.ServiceAccountUidAnnotation] = serviceAccount.Uid;
                changed = true;
            }
            if (HttpIo.Str(data["ca.crt"]) != caData)
            {
                data["ca.crt"] = caData;
                changed = true;
            }
            if (HttpIo.Str(data["namespace"]) != namespaceData)
            {
                data["namespace"] = namespaceData;
                changed = true;
            }
            if (HttpIo.Str(data["token"]).Length == 0)
            {
                data["token"] = Base64(_context.Tokens.IssueLegacyToken(secret.Namespace, serviceAccountName, serviceAccount.Uid, secret.Name));
                changed = true;
            }
            if (!changed) return null;
            metadata["annotations"] = currentAnnotations;
            current["data"] = data;
            return current;
        });
    }

    /// <summary>The token controller's start: every token Secret made while it was off is filled or deleted now.</summary>
    private void ResyncTokenSecrets()
    {
        foreach (StoredObject secret in _store.List(ResourceType.Secrets, null).Items)
        {
            try
            {
                ReconcileTokenSecret(secret);
            }
            catch (ApiError)
            {
                // Changed or deleted meanwhile; the loop handles the event that did it.
            }
        }
    }

    private static string Base64(string value) => Convert.ToBase64String(Encoding.UTF8.GetBytes(value));

    public async ValueTask DisposeAsync()
    {
        _context.Controllers.TokenControllerStarted -= ResyncTokenSecrets;
        _stop.Cancel();
        _subscription?.Dispose();
        if (_loop is not null) await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }
}
