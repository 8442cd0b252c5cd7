using System.Text.Json.Nodes;
using K8sServiceAccount.LocalApiServer.Api;
using K8sServiceAccount.LocalApiServer.Store;

namespace K8sServiceAccount.Integration.Tests.LocalApiServer;

public sealed class ObjectStoreTests
{
    private static JsonObject ServiceAccount(string ns, string name, string? resourceVersion = null)
    {
        var metadata = new JsonObject { ["name"] = name, ["namespace"] = ns };
        if (resourceVersion is not null) metadata["resourceVersion"] = resourceVersion;
        return new JsonObject { ["kind"] = "ServiceAccount", ["apiVersion"] = "v1", ["metadata"] = metadata };
    }

    [Fact]
    public void CreateAssignsUidCreationTimestampAndIncreasingResourceVersionsAcrossTypes()
    {
        var store = new ObjectStore();
        StoredObject a = store.Create(ResourceType.ServiceAccounts, ServiceAccount("ns1", "a"));
        StoredObject cm = store.Create(ResourceType.ConfigMaps, new JsonObject { ["metadata"] = new JsonObject { ["name"] = "c", ["namespace"] = "ns1" } });
        StoredObject b = store.Create(ResourceType.ServiceAccounts, ServiceAccount("ns1", "b"));

        Assert.True(a.ResourceVersion < cm.ResourceVersion && cm.ResourceVersion < b.ResourceVersion);
        Assert.Equal(b.ResourceVersion, store.ResourceVersion);
        Assert.True(Guid.TryParse(a.Uid, out _));
        JsonObject node = a.ToNode();
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", node["metadata"]!["creationTimestamp"]!.GetValue<string>());
        Assert.Equal(a.ResourceVersion.ToString(), node["metadata"]!["resourceVersion"]!.GetValue<string>());
    }

    [Fact]
    public void CreatingAnExistingNameIsAlreadyExists()
    {
        var store = new ObjectStore();
        store.Create(ResourceType.ServiceAccounts, ServiceAccount("ns1", "build-robot"));
        ApiError error = Assert.Throws<ApiError>(() => store.Create(ResourceType.ServiceAccounts, ServiceAccount("ns1", "build-robot")));
        Assert.Equal(409, error.Code);
        Assert.Equal("AlreadyExists", error.Reason);
        Assert.Equal("serviceaccounts \"build-robot\" already exists", error.Message);
        // Same name in another namespace is another object.
        store.Create(ResourceType.ServiceAccounts, ServiceAccount("ns2", "build-robot"));
    }

    [Fact]
    public void UpdateWithAStaleResourceVersionIsTheRealConflict()
    {
        var store = new ObjectStore();
        StoredObject created = store.Create(ResourceType.ServiceAccounts, ServiceAccount("ns1", "x"));
        string stale = created.ResourceVersion.ToString();
        StoredObject updated = store.Update(ResourceType.ServiceAccounts, "ns1", "x", _ => ServiceAccount("ns1", "x", stale));
        Assert.Equal(created.Uid, updated.Uid);
        Assert.True(updated.ResourceVersion > created.ResourceVersion);

        ApiError conflict = Assert.Throws<ApiError>(() => store.Update(ResourceType.ServiceAccounts, "ns1", "x", _ => ServiceAccount("ns1", "x", stale)));
        Assert.Equal(409, conflict.Code);
        Assert.Equal("Conflict", conflict.Reason);
        Assert.Equal("Operation cannot be fulfilled on serviceaccounts \"x\": the object has been modified; please apply your changes to the latest version and try again", conflict.Message);
    }

    [Fact]
    public void DeleteHonoursPreconditionsAndThenTheObjectIsNotFound()
    {
        var store = new ObjectStore();
        StoredObject created = store.Create(ResourceType.Roles, new JsonObject { ["metadata"] = new JsonObject { ["name"] = "r", ["namespace"] = "ns1" } });
        ApiError wrongUid = Assert.Throws<ApiError>(() => store.Delete(ResourceType.Roles, "ns1", "r", uidPrecondition: "other"));
        Assert.Equal(409, wrongUid.Code);

        StoredObject tombstone = store.Delete(ResourceType.Roles, "ns1", "r", uidPrecondition: created.Uid);
        Assert.True(tombstone.ResourceVersion > created.ResourceVersion);
        Assert.Null(store.Get(ResourceType.Roles, "ns1", "r"));
        ApiError missing = Assert.Throws<ApiError>(() => store.Delete(ResourceType.Roles, "ns1", "r"));
        Assert.Equal("roles.rbac.authorization.k8s.io \"r\" not found", missing.Message);
    }

    [Fact]
    public async Task SubscriptionsReplayFromAResourceVersionAndReportTooOldOnes()
    {
        var store = new ObjectStore();
        StoredObject first = store.Create(ResourceType.ServiceAccounts, ServiceAccount("ns1", "a"));
        store.Create(ResourceType.ServiceAccounts, ServiceAccount("ns2", "b"));
        store.Delete(ResourceType.ServiceAccounts, "ns1", "a");

        using StoreSubscription ns1 = store.Subscribe(ResourceType.ServiceAccounts, "ns1", first.ResourceVersion);
        StoreEvent deleted = await ns1.Events.ReadAsync();
        Assert.Equal("DELETED", deleted.TypeName);
        Assert.Equal("a", deleted.Object.Name);
        Assert.False(ns1.Events.TryRead(out _));

        using StoreSubscription current = store.Subscribe(ResourceType.ServiceAccounts, null, initialState: true);
        StoreEvent added = await current.Events.ReadAsync();
        Assert.Equal(("ADDED", "b"), (added.TypeName, added.Object.Name));

        store.Create(ResourceType.ServiceAccounts, ServiceAccount("ns1", "c"));
        Assert.Equal("c", (await ns1.Events.ReadAsync()).Object.Name);
    }

    [Fact]
    public void LabelAndFieldSelectorsMatchAsTheApiServerDoes()
    {
        var labels = new Dictionary<string, string> { ["app"] = "web", ["tier"] = "front" };
        Assert.True(LabelSelectorQuery.Parse("app=web,tier in (front,back)").Matches(labels));
        Assert.True(LabelSelectorQuery.Parse("app!=db,!missing,tier").Matches(labels));
        Assert.False(LabelSelectorQuery.Parse("app notin (web)").Matches(labels));
        Assert.False(LabelSelectorQuery.Parse("app==db").Matches(labels));

        Assert.True(FieldSelectorQuery.Parse("metadata.name=a,metadata.namespace!=kube-system").Matches("default", "a"));
        ApiError unsupported = Assert.Throws<ApiError>(() => FieldSelectorQuery.Parse("spec.nodeName=n1"));
        Assert.Equal("field label not supported: spec.nodeName", unsupported.Message);
    }

    [Fact]
    public void PatchesMergeAsJsonMergeJsonPatchAndStrategicMerge()
    {
        JsonObject Target() => JsonNode.Parse("""{"metadata":{"name":"p","labels":{"a":"1","b":"2"}},"spec":{"containers":[{"name":"web","image":"nginx"},{"name":"side","image":"busybox"}]}}""")!.AsObject();

        JsonObject merged = Patching.Apply(Patching.MergePatch, Target(), JsonNode.Parse("""{"metadata":{"labels":{"a":null,"c":"3"}},"spec":{"containers":[{"name":"only"}]}}""")!);
        Assert.Equal("""{"b":"2","c":"3"}""", merged["metadata"]!["labels"]!.ToJsonString());
        Assert.Single(merged["spec"]!["containers"]!.AsArray());

        JsonObject strategic = Patching.Apply(Patching.StrategicMergePatch, Target(), JsonNode.Parse("""{"spec":{"containers":[{"name":"web","image":"nginx:2"},{"name":"side","$patch":"delete"}]}}""")!);
        JsonArray containers = strategic["spec"]!["containers"]!.AsArray();
        Assert.Equal("nginx:2", Assert.Single(containers)!["image"]!.GetValue<string>());

        JsonObject patched = Patching.Apply(Patching.JsonPatch, Target(), JsonNode.Parse("""[{"op":"replace","path":"/metadata/labels/a","value":"9"},{"op":"remove","path":"/spec/containers/1"},{"op":"add","path":"/metadata/annotations","value":{"x":"y"}}]""")!);
        Assert.Equal("9", patched["metadata"]!["labels"]!["a"]!.GetValue<string>());
        Assert.Single(patched["spec"]!["containers"]!.AsArray());
        Assert.Equal("y", patched["metadata"]!["annotations"]!["x"]!.GetValue<string>());
    }

    [Fact]
    public void NameValidationMessagesAreTheUpstreamOnes()
    {
        Assert.Equal(NameValidation.SubdomainMessage, Assert.Single(NameValidation.Subdomain("Bad_Name")));
        Assert.Contains("(e.g. 'my-name',  or '123-abc'", Assert.Single(NameValidation.Label("My_NS")));
        Assert.Equal("must not contain dots", Assert.Single(NameValidation.Label("a.b")));
        Assert.Empty(NameValidation.PathSegment("system:basic-user"));
        Assert.Equal("may not contain '/'", Assert.Single(NameValidation.PathSegment("a/b")));
    }
}
