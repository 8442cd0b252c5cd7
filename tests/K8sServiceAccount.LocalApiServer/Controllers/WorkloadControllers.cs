using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using K8sServiceAccount.LocalApiServer.Api;
using K8sServiceAccount.LocalApiServer.Store;

namespace K8sServiceAccount.LocalApiServer.Controllers;

/// <summary>
/// Minimal Deployment and ReplicaSet controllers: a Deployment gets one ReplicaSet per Pod template
/// (named deployment-hash, older ones scaled to 0), a ReplicaSet gets its Pods created through the same
/// admission as a direct create (so ServiceAccount admission fills in and checks the template's
/// serviceAccountName), and deleting an owner deletes what it owns. No scheduling: Pods stay Pending.
/// </summary>
internal sealed class WorkloadControllers
{
    private static readonly Client.Rbac.UserInfo ControllerUser =
        new("system:serviceaccount:kube-system:replicaset-controller", null, ["system:serviceaccounts", "system:authenticated"]);

    private readonly ObjectStore _store;
    private readonly Admission _admission;

    public WorkloadControllers(ServerContext context)
    {
        _store = context.Store;
        _admission = new Admission(context);
    }

    public void Handle(StoreEvent e)
    {
        StoredObject obj = e.Object;
        if (e.EventType == WatchEventType.Deleted)
        {
            if (obj.Type == ResourceType.Deployments) DeleteOwned(ResourceType.ReplicaSets, obj);
            else if (obj.Type == ResourceType.ReplicaSets) DeleteOwned(ResourceType.Pods, obj);
            else if (obj.Type == ResourceType.Pods && OwnerOf(obj, ResourceType.ReplicaSets) is { } rs &&
                _store.Get(ResourceType.ReplicaSets, obj.Namespace, rs) is { } owner)
            {
                Reconcile(owner);
            }
            return;
        }
        if (obj.Type == ResourceType.Deployments) ReconcileDeployment(obj);
        else if (obj.Type == ResourceType.ReplicaSets) Reconcile(obj);
    }

    private static string? OwnerOf(StoredObject obj, ResourceType ownerType) =>
        (obj.ToNode()["metadata"]?["ownerReferences"] as JsonArray ?? [])
            .OfType<JsonObject>()
            .Where(r => HttpIo.Str(r["kind"]) == ownerType.Kind && r["controller"] is JsonValue c && c.GetValue<bool>())
            .Select(r => HttpIo.Str(r["name"]))
            .FirstOrDefault();

    private IEnumerable<StoredObject> Owned(ResourceType type, StoredObject owner) =>
        _store.List(type, owner.Namespace).Items.Where(o =>
            (o.ToNode()["metadata"]?["ownerReferences"] as JsonArray ?? []).OfType<JsonObject>().Any(r => HttpIo.Str(r["uid"]) == owner.Uid));

    private void DeleteOwned(ResourceType type, StoredObject owner)
    {
        foreach (StoredObject item in Owned(type, owner).ToList())
        {
            try { _store.Delete(type, item.Namespace, item.Name); }
            catch (ApiError) { /* already gone */ }
        }
    }

    private static JsonObject OwnerReference(StoredObject owner) => new()
    {
        ["apiVersion"] = owner.Type.GroupVersion,
        ["kind"] = owner.Type.Kind,
        ["name"] = owner.Name,
        ["uid"] = owner.Uid,
        ["controller"] = true,
        ["blockOwnerDeletion"] = true,
    };

    private static string TemplateHash(JsonNode? template)
    {
        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes(template?.ToJsonString() ?? ""));
        const string alphabet = "bcdfghjklmnpqrstvwxz2456789";
        var text = new StringBuilder();
        for (int i = 0; i < 10; i++) text.Append(alphabet[hash[i] % alphabet.Length]);
        return text.ToString();
    }

    private void ReconcileDeployment(StoredObject deployment)
    {
        JsonObject node = deployment.ToNode();
        if (node["metadata"]?["deletionTimestamp"] is not null) return;
        JsonObject spec = node["spec"]!.AsObject();
        string hash = TemplateHash(spec["template"]);
        string rsName = $"{deployment.Name}-{hash}";
        long replicas = spec["replicas"]?.GetValue<long>() ?? 1;
        foreach (StoredObject old in Owned(ResourceType.ReplicaSets, deployment).Where(r => r.Name != rsName).ToList())
        {
            SetReplicas(old, 0);
        }
        StoredObject? current = _store.Get(ResourceType.ReplicaSets, deployment.Namespace, rsName);
        if (current is null)
        {
            var template = (JsonObject)spec["template"]!.DeepClone();
            var labels = template["metadata"]?["labels"] as JsonObject ?? new JsonObject();
            labels["pod-template-hash"] = hash;
            var selector = (JsonObject)(spec["selector"]?.DeepClone() ?? new JsonObject());
            var matchLabels = selector["matchLabels"] as JsonObject ?? new JsonObject();
            matchLabels["pod-template-hash"] = hash;
            selector["matchLabels"] = matchLabels;
            var rs = new JsonObject
            {
                ["apiVersion"] = "apps/v1",
                ["kind"] = "ReplicaSet",
                ["metadata"] = new JsonObject
                {
                    ["name"] = rsName,
                    ["namespace"] = deployment.Namespace,
                    ["labels"] = labels.DeepClone(),
                    ["ownerReferences"] = new JsonArray(OwnerReference(deployment)),
                },
                ["spec"] = new JsonObject { ["replicas"] = replicas, ["selector"] = selector, ["template"] = template },
            };
            Workloads.Default(ResourceType.ReplicaSets, rs);
            try { _store.Create(ResourceType.ReplicaSets, rs); }
            catch (ApiError) { /* created meanwhile */ }
        }
        else
        {
            SetReplicas(current, replicas);
        }

        long generation = node["metadata"]?["generation"]?.GetValue<long>() ?? 1;
        var status = new JsonObject
        {
            ["observedGeneration"] = generation,
            ["replicas"] = replicas,
            ["updatedReplicas"] = replicas,
            ["unavailableReplicas"] = replicas,
        };
        if (!JsonNode.DeepEquals(node["status"], status))
        {
            _store.Update(ResourceType.Deployments, deployment.Namespace, deployment.Name, d =>
            {
                if (JsonNode.DeepEquals(d["status"], status)) return null;
                d["status"] = status.DeepClone();
                d["metadata"]!.AsObject().Remove("resourceVersion");
                return d;
            });
        }
    }

    private void SetReplicas(StoredObject rs, long replicas)
    {
        _store.Update(ResourceType.ReplicaSets, rs.Namespace, rs.Name, node =>
        {
            if (node["spec"]?["replicas"]?.GetValue<long>() == replicas) return null;
            node["spec"]!["replicas"] = replicas;
            node["metadata"]!["generation"] = (node["metadata"]?["generation"]?.GetValue<long>() ?? 1) + 1;
            node["metadata"]!.AsObject().Remove("resourceVersion");
            return node;
        });
    }

    private void Reconcile(StoredObject rs)
    {
        JsonObject node = rs.ToNode();
        if (node["metadata"]?["deletionTimestamp"] is not null) return;
        long replicas = node["spec"]?["replicas"]?.GetValue<long>() ?? 1;
        List<StoredObject> pods = Owned(ResourceType.Pods, rs).ToList();
        for (long i = pods.Count; i < replicas; i++)
        {
            var template = node["spec"]?["template"] as JsonObject ?? new JsonObject();
            var metadata = (JsonObject)(template["metadata"]?.DeepClone() ?? new JsonObject());
            metadata.Remove("creationTimestamp");
            metadata["name"] = $"{rs.Name}-{RestHandler.RandomSuffix(5)}";
            metadata["namespace"] = rs.Namespace;
            metadata["generateName"] = rs.Name + "-";
            metadata["ownerReferences"] = new JsonArray(OwnerReference(rs));
            var pod = new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Pod",
                ["metadata"] = metadata,
                ["spec"] = template["spec"]?.DeepClone() ?? new JsonObject(),
            };
            try
            {
                // As the real controller: a Pod the ServiceAccount admission refuses is not created (FailedCreate).
                _admission.AdmitCreate(ResourceType.Pods, pod, rs.Namespace, ControllerUser);
                _store.Create(ResourceType.Pods, pod);
            }
            catch (ApiError)
            {
                break;
            }
        }
        foreach (StoredObject extra in pods.Skip((int)Math.Max(replicas, 0)))
        {
            try { _store.Delete(ResourceType.Pods, extra.Namespace, extra.Name); }
            catch (ApiError) { /* already gone */ }
        }
        var status = new JsonObject { ["replicas"] = Math.Min(replicas, Owned(ResourceType.Pods, rs).Count()), ["observedGeneration"] = node["metadata"]?["generation"]?.DeepClone() ?? 1 };
        if (!JsonNode.DeepEquals(node["status"], status))
        {
            _store.Update(ResourceType.ReplicaSets, rs.Namespace, rs.Name, n =>
            {
                if (JsonNode.DeepEquals(n["status"], status)) return null;
                n["status"] = status.DeepClone();
                n["metadata"]!.AsObject().Remove("resourceVersion");
                return n;
            });
        }
    }
}
