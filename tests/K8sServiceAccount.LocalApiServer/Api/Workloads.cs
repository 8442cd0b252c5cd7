using System.Text.Json.Nodes;
using K8sServiceAccount.LocalApiServer.Store;

namespace K8sServiceAccount.LocalApiServer.Api;

/// <summary>
/// The apps/v1 and batch/v1 workloads as kube-apiserver stores them: the Pod template each one carries
/// (spec.template.spec; a CronJob's under spec.jobTemplate.spec), the defaults kubectl shows in
/// `get -o json` (pkg/apis/apps/v1/defaults.go, pkg/apis/core/v1/defaults.go), metadata.generation,
/// and the validation of the template's serviceAccountName and required fields.
/// </summary>
public static class Workloads
{
    public static bool IsWorkload(ResourceType type) =>
        type == ResourceType.Deployments || type == ResourceType.ReplicaSets || type == ResourceType.StatefulSets ||
        type == ResourceType.DaemonSets || type == ResourceType.Jobs || type == ResourceType.CronJobs;

    /// <summary>The JSON path of the Pod spec inside an object of this type ("spec" for a Pod).</summary>
    public static string PodSpecPath(ResourceType type) =>
        type == ResourceType.Pods ? "spec"
        : type == ResourceType.CronJobs ? "spec.jobTemplate.spec.template.spec"
        : "spec.template.spec";

    public static JsonObject? PodSpec(ResourceType type, JsonObject obj)
    {
        JsonNode? node = obj;
        foreach (string part in PodSpecPath(type).Split('.')) node = node?[part];
        return node as JsonObject;
    }

    public static void Default(ResourceType type, JsonObject obj)
    {
        if (type == ResourceType.Pods)
        {
            if (obj["spec"] is JsonObject podSpecOfPod) DefaultPodSpec(podSpecOfPod);
            return;
        }
        obj["metadata"]!.AsObject()["generation"] ??= 1;
        var spec = obj["spec"] as JsonObject ?? new JsonObject();
        obj["spec"] = spec;
        if (type == ResourceType.Deployments)
        {
            spec["replicas"] ??= 1;
            spec["revisionHistoryLimit"] ??= 10;
            spec["progressDeadlineSeconds"] ??= 600;
            var strategy = spec["strategy"] as JsonObject ?? new JsonObject();
            spec["strategy"] = strategy;
            if (HttpIo.Str(strategy["type"]).Length == 0) strategy["type"] = "RollingUpdate";
            if (HttpIo.Str(strategy["type"]) == "RollingUpdate")
            {
                strategy["rollingUpdate"] ??= new JsonObject { ["maxUnavailable"] = "25%", ["maxSurge"] = "25%" };
            }
        }
        else if (type == ResourceType.ReplicaSets || type == ResourceType.StatefulSets)
        {
            spec["replicas"] ??= 1;
        }
        var status = obj["status"] as JsonObject ?? new JsonObject();
        obj["status"] = status;
        // Status fields the Go types serialize without omitempty: a real server always sends them, zero included.
        if (type == ResourceType.ReplicaSets || type == ResourceType.StatefulSets) status["replicas"] ??= 0;
        else if (type == ResourceType.DaemonSets)
        {
            foreach (string field in new[] { "currentNumberScheduled", "numberMisscheduled", "desiredNumberScheduled", "numberReady" })
            {
                status[field] ??= 0;
            }
        }
        if (PodSpec(type, obj) is JsonObject podSpec) DefaultPodSpec(podSpec, type == ResourceType.Jobs || type == ResourceType.CronJobs);
    }

    /// <summary>
    /// Pod spec defaults, and the deprecated serviceAccount field mirrored from serviceAccountName as the
    /// v1 conversion writes it (an object naming only serviceAccount gets it as serviceAccountName).
    /// </summary>
    public static void DefaultPodSpec(JsonObject podSpec, bool job = false)
    {
        string serviceAccountName = HttpIo.Str(podSpec["serviceAccountName"]);
        if (serviceAccountName.Length == 0) serviceAccountName = HttpIo.Str(podSpec["serviceAccount"]);
        if (serviceAccountName.Length > 0)
        {
            podSpec["serviceAccountName"] = serviceAccountName;
            podSpec["serviceAccount"] = serviceAccountName;
        }
        else
        {
            podSpec.Remove("serviceAccount");
        }
        if (HttpIo.Str(podSpec["restartPolicy"]).Length == 0) podSpec["restartPolicy"] = job ? "Never" : "Always";
        podSpec["dnsPolicy"] ??= "ClusterFirst";
        podSpec["schedulerName"] ??= "default-scheduler";
        podSpec["securityContext"] ??= new JsonObject();
        podSpec["terminationGracePeriodSeconds"] ??= 30;
        foreach (JsonObject container in (podSpec["containers"] as JsonArray ?? []).OfType<JsonObject>())
        {
            container["terminationMessagePath"] ??= "/dev/termination-log";
            container["terminationMessagePolicy"] ??= "File";
            container["resources"] ??= new JsonObject();
            foreach (JsonObject port in (container["ports"] as JsonArray ?? []).OfType<JsonObject>())
            {
                if (HttpIo.Str(port["protocol"]).Length == 0) port["protocol"] = "TCP";
            }
            if (HttpIo.Str(container["imagePullPolicy"]).Length == 0)
            {
                string image = HttpIo.Str(container["image"]);
                string tag = image.Contains('@') ? "digest" : image.LastIndexOf(':') > image.LastIndexOf('/') ? image[(image.LastIndexOf(':') + 1)..] : "";
                container["imagePullPolicy"] = tag is "" or "latest" ? "Always" : "IfNotPresent";
            }
        }
    }

    /// <summary>The generation counts changes of spec only (status and metadata updates keep it).</summary>
    public static void NextGeneration(JsonObject current, JsonObject updated)
    {
        long generation = current["metadata"]?["generation"] is JsonValue v && v.TryGetValue(out long g) ? g : 1;
        if (!JsonNode.DeepEquals(current["spec"], updated["spec"])) generation++;
        updated["metadata"]!["generation"] = generation;
    }

    public static void Validate(ResourceType type, JsonObject obj, List<FieldError> errors)
    {
        string path = PodSpecPath(type);
        JsonObject? podSpec = PodSpec(type, obj);
        if (type != ResourceType.Pods && type != ResourceType.CronJobs && type != ResourceType.Jobs &&
            obj["spec"]?["selector"] is not JsonObject)
        {
            errors.Add(FieldError.RequiredValue("spec.selector"));
        }
        if (type == ResourceType.CronJobs && HttpIo.Str(obj["spec"]?["schedule"]).Length == 0)
        {
            errors.Add(FieldError.RequiredValue("spec.schedule"));
        }
        if ((podSpec?["containers"] as JsonArray)?.Count is null or 0)
        {
            errors.Add(FieldError.RequiredValue($"{path}.containers"));
        }
        string serviceAccountName = HttpIo.Str(podSpec?["serviceAccountName"]);
        if (serviceAccountName.Length > 0)
        {
            foreach (string problem in NameValidation.Subdomain(serviceAccountName))
            {
                errors.Add(FieldError.InvalidValue($"{path}.serviceAccountName", serviceAccountName, problem));
            }
        }
    }
}
