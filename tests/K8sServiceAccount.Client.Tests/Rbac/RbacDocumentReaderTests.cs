using K8sServiceAccount.Client.Rbac;
using static K8sServiceAccount.Client.Tests.Rbac.R;

namespace K8sServiceAccount.Client.Tests.Rbac;

public sealed class RbacDocumentReaderTests
{
    private const string MultiDocument = """
        apiVersion: rbac.authorization.k8s.io/v1
        kind: Role
        metadata:
          name: pod-reader
          namespace: ns1
        rules:
        - apiGroups: [""]
          resources: ["pods", "pods/log"]
          verbs: ["get", "list"]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata:
          name: app-reads-pods
          namespace: ns1
        subjects:
        - kind: ServiceAccount
          name: app
        roleRef:
          apiGroup: rbac.authorization.k8s.io
          kind: Role
          name: pod-reader
        ---
        # a comment-only document is empty and skipped
        ---
        apiVersion: v1
        kind: ServiceAccount
        metadata:
          name: app
          namespace: ns1
        """;

    [Fact]
    public void Multi_document_YAML_builds_a_policy_and_notes_ignored_kinds()
    {
        var notes = new List<string>();
        var policy = RbacDocumentReader.Read([MultiDocument], notes);
        Assert.Single(policy.Roles);
        Assert.Single(policy.RoleBindings);
        Assert.Equal("rbac.authorization.k8s.io", policy.RoleBindings[0].RoleRef.ApiGroup);
        var note = Assert.Single(notes);
        Assert.Equal("input 1, document 4: ignored v1 ServiceAccount \"app\" (not an RBAC object).", note);
        var authorizer = new RbacAuthorizer(policy);
        Assert.True(authorizer.Authorize(Res(Sa("ns1", "app"), "get", "pods", "ns1", sub: "log", name: "p")).Allowed);
        Assert.False(authorizer.Authorize(Res(Sa("ns1", "app"), "watch", "pods", "ns1")).Allowed);
    }

    [Fact]
    public void JSON_objects_and_Lists_are_read()
    {
        const string json = """
            {"apiVersion":"v1","kind":"List","items":[
              {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"node-reader"},
               "rules":[{"apiGroups":[""],"resources":["nodes"],"verbs":["get"]}]},
              {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBindingList","items":[
                {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding","metadata":{"name":"ops"},
                 "subjects":[{"kind":"Group","name":"ops"}],
                 "roleRef":{"kind":"ClusterRole","name":"node-reader"}}]}
            ]}
            """;
        var policy = RbacDocumentReader.Read([new RbacSource("cluster.json", json)]);
        Assert.Single(policy.ClusterRoles);
        var binding = Assert.Single(policy.ClusterRoleBindings);
        Assert.Equal("rbac.authorization.k8s.io", binding.Subjects![0].ApiGroup);
        Assert.True(new RbacAuthorizer(policy).Authorize(Res(User("x", "ops"), "get", "nodes", name: "n1")).Allowed);
    }

    [Fact]
    public void YAML_List_from_kubectl_get_o_yaml_with_aggregation()
    {
        const string yaml = """
            apiVersion: v1
            kind: List
            items:
            - apiVersion: rbac.authorization.k8s.io/v1
              kind: ClusterRole
              metadata:
                name: monitoring
              aggregationRule:
                clusterRoleSelectors:
                - matchLabels:
                    example.com/aggregate-to-monitoring: "true"
              rules: []
            - apiVersion: rbac.authorization.k8s.io/v1
              kind: ClusterRole
              metadata:
                name: monitoring-endpoints
                labels:
                  example.com/aggregate-to-monitoring: "true"
              rules:
              - apiGroups: [""]
                resources: ["services", "endpoints", "pods"]
                verbs: ["get", "list", "watch"]
            """;
        var notes = new List<string>();
        var policy = RbacDocumentReader.Read([yaml], notes);
        Assert.Single(policy.GetClusterRole("monitoring")!.Rules!);
        Assert.Contains(notes, n => n.Contains("ClusterRole \"monitoring\"") && n.Contains("aggregationRule"));
    }

    [Fact]
    public void Namespace_defaults_and_bootstrap_policy_option()
    {
        const string yaml = """
            apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            metadata: {name: viewers}
            subjects: [{kind: User, name: jane}]
            roleRef: {kind: ClusterRole, name: view}
            """;
        var policy = RbacDocumentReader.Read([yaml], options: new RbacReadOptions { DefaultNamespace = "team-a", IncludeBootstrapPolicy = true });
        Assert.Equal("team-a", policy.RoleBindings[0].Metadata.Namespace);
        var authorizer = new RbacAuthorizer(policy);
        Assert.True(authorizer.Authorize(Res(User("jane", "system:authenticated"), "list", "configmaps", "team-a")).Allowed);
        Assert.False(authorizer.Authorize(Res(User("jane", "system:authenticated"), "list", "configmaps", "default")).Allowed);
    }

    [Fact]
    public void Later_definitions_replace_earlier_ones_with_a_note()
    {
        const string a = "{\"apiVersion\":\"rbac.authorization.k8s.io/v1\",\"kind\":\"ClusterRole\",\"metadata\":{\"name\":\"r\"},\"rules\":[]}";
        var notes = new List<string>();
        var policy = RbacDocumentReader.Read([new RbacSource("a.json", a), new RbacSource("b.json", a)], notes);
        Assert.Single(policy.ClusterRoles);
        Assert.Equal(["b.json: ClusterRole \"r\" replaces the one from a.json."], notes);
    }

    public static TheoryData<string, string, string> BadDocuments => new()
    {
        { "YAML syntax", "kind: Role\nmetadata: [unclosed", "roles.yaml: invalid YAML at line" },
        { "JSON syntax", "{\"kind\": \"Role\",, }", "roles.yaml: invalid JSON at line 1" },
        { "missing kind", "apiVersion: v1\nmetadata: {name: x}", "roles.yaml: kind: Required value" },
        { "missing apiVersion", "kind: Role\nmetadata: {name: x}", "roles.yaml: Role: apiVersion: Required value" },
        { "missing name", "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {}", "roles.yaml: ClusterRole: metadata.name: Required value: name or generateName is required" },
        { "name with slash", "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: a/b}", "metadata.name: Invalid value: \"a/b\"" },
        { "verbs not a list", "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: r}\nrules:\n- verbs: get\n  apiGroups: ['']\n  resources: [pods]", "roles.yaml: ClusterRole \"r\": field rules[0].verbs: expected a list." },
        { "unquoted boolean label", "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: r\n  labels:\n    agg: true", "ClusterRole \"r\": field metadata.labels.agg: expected a string" },
        { "rule without verbs", "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: r}\nrules:\n- apiGroups: ['']\n  resources: [pods]", "ClusterRole \"r\": rules[0].verbs: Required value" },
        { "URLs in a Role", "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r}\nrules:\n- verbs: [get]\n  nonResourceURLs: [/healthz]", "Role \"r\": rules[0].nonResourceURLs: Invalid value: []string{\"/healthz\"}: namespaced rules cannot apply to non-resource URLs" },
        { "YAML 1.1 boolean", "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: r\n  labels:\n    agg: yes", "field metadata.labels.agg: expected a string" },
        { "null metadata", "{\"apiVersion\":\"rbac.authorization.k8s.io/v1\",\"kind\":\"Role\",\"metadata\":null}", "roles.yaml: Role: metadata.name: Required value" },
        { "generateName only", "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {generateName: r-}", "Role: metadata.name: Required value: generateName is not supported in offline policies" },
        { "bad roleRef kind", "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: b}\nroleRef: {kind: Role, name: x}", "ClusterRoleBinding \"b\": roleRef.kind: Unsupported value: \"Role\": supported values: \"ClusterRole\"" },
        { "SA subject without namespace in CRB", "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: b}\nroleRef: {kind: ClusterRole, name: x}\nsubjects: [{kind: ServiceAccount, name: app}]", "ClusterRoleBinding \"b\": subjects[0].namespace: Required value" },
        { "unknown subject kind", "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: b}\nroleRef: {kind: ClusterRole, name: x}\nsubjects: [{kind: Robot, name: r2}]", "subjects[0].kind: Unsupported value: \"Robot\"" },
        { "scalar document", "just a string", "roles.yaml: expected an object with apiVersion and kind, found a string." },
        { "items not a list", "apiVersion: v1\nkind: List\nitems: {a: b}", "roles.yaml: List: field items: expected a list, found a map." },
        // kubectl's default strict validation refuses unknown fields; read leniently, a typo would silently drop rules or
        // move an object to the default namespace.
        { "misspelt rules", "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r}\nrule:\n- verbs: [get]\n  apiGroups: ['']\n  resources: [pods]", "roles.yaml: Role \"r\": unknown field \"rule\"" },
        { "misspelt namespace", "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: b, namspace: ns1}\nroleRef: {kind: Role, name: x}", "RoleBinding \"b\": unknown field \"metadata.namspace\"" },
        { "rule field in the wrong case", "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: r}\nrules:\n- verbs: [get]\n  apiGroups: ['']\n  resources: [pods]\n  resourcenames: [a]", "ClusterRole \"r\": unknown field \"rules[0].resourcenames\"" },
        { "subject field", "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: b}\nroleRef: {kind: ClusterRole, name: x}\nsubjects: [{kind: User, name: u, namepsace: n}]", "unknown field \"subjects[0].namepsace\"" },
        { "two unknown fields", "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: r}\nrule: []\naggregationRule: {clusterRoleSelectors: [{matchLabel: {a: b}}]}", "ClusterRole \"r\": unknown field \"aggregationRule.clusterRoleSelectors[0].matchLabel\", unknown field \"rule\"" },
        { "aggregationRule without selectors", "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: r}\naggregationRule: {clusterRoleSelectors: []}", "aggregationRule.clusterRoleSelectors: Required value: at least one clusterRoleSelector required if aggregationRule is non-nil" },
    };

    [Theory]
    [MemberData(nameof(BadDocuments))]
    public void Bad_documents_fail_with_errors_naming_source_and_field(string description, string text, string expectedFragment)
    {
        var error = Assert.Throws<K8sClientException>(() => RbacDocumentReader.Read([new RbacSource("roles.yaml", text)]));
        Assert.Equal("RbacDocumentInvalid", error.ErrorId);
        Assert.Equal(K8sErrorCategory.InvalidData, error.Category);
        Assert.Equal("roles.yaml", error.Target);
        Assert.True(error.Message.Contains(expectedFragment, StringComparison.Ordinal), $"{description}: {error.Message}");
    }

    [Fact]
    public void Documents_already_in_memory_as_maps_and_lists_are_read_like_JSON()
    {
        // What ConvertFrom-Yaml gives (hashtables, object arrays), or ConvertFrom-Json objects turned into maps: a v1 List
        // holding a Role and a RoleBinding, with typed scalars (a date, a number) where kubectl get -o yaml writes them.
        var role = new System.Collections.Hashtable
        {
            ["apiVersion"] = "rbac.authorization.k8s.io/v1",
            ["kind"] = "Role",
            ["metadata"] = new Dictionary<string, object?> { ["name"] = "scaler", ["namespace"] = "apps", ["creationTimestamp"] = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc), ["generation"] = 1 },
            ["rules"] = new object[] { new Dictionary<string, object?> { ["apiGroups"] = new[] { "apps" }, ["resources"] = new List<object> { "deployments/scale" }, ["verbs"] = new[] { "update" } } },
        };
        var binding = new Dictionary<string, object?>
        {
            ["apiVersion"] = "rbac.authorization.k8s.io/v1",
            ["kind"] = "RoleBinding",
            ["metadata"] = new Dictionary<string, object?> { ["name"] = "scaler", ["namespace"] = "apps" },
            ["roleRef"] = new Dictionary<string, object?> { ["kind"] = "Role", ["name"] = "scaler" },
            ["subjects"] = new[] { new Dictionary<string, object?> { ["kind"] = "ServiceAccount", ["name"] = "sample-sa" } },
        };
        var list = new Dictionary<string, object?> { ["apiVersion"] = "v1", ["kind"] = "List", ["items"] = new object[] { role, binding } };

        var policy = RbacDocumentReader.Read([RbacSource.FromObject("policy object 1", list)]);
        Assert.Equal(("scaler", "apps"), (policy.Roles.Single().Metadata.Name, policy.Roles.Single().Metadata.Namespace));
        Assert.Equal(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero), policy.Roles.Single().Metadata.CreationTimestamp);
        Assert.Equal("sample-sa", policy.RoleBindings.Single().Subjects!.Single().Name);

        role["rule"] = role["rules"];
        var error = Assert.Throws<K8sClientException>(() => RbacDocumentReader.Read([RbacSource.FromObject("policy object 2", role)]));
        Assert.Equal(("RbacDocumentInvalid", "policy object 2"), (error.ErrorId, error.Target));
        Assert.StartsWith("policy object 2: Role \"scaler\": unknown field \"rule\"", error.Message);
        var scalar = Assert.Throws<K8sClientException>(() => RbacDocumentReader.Read([RbacSource.FromObject("policy object 3", "role.yaml")]));
        Assert.Contains("expected an object with apiVersion and kind, found a string", scalar.Message);
    }

    [Fact]
    public void Every_field_kubectl_get_o_yaml_writes_is_known()
    {
        const string text = """
            apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            metadata:
              annotations: {a: b}
              creationTimestamp: "2026-01-01T00:00:00Z"
              generation: 1
              labels: {app: web}
              managedFields:
              - {apiVersion: rbac.authorization.k8s.io/v1, fieldsType: FieldsV1, manager: kubectl-create, operation: Update, time: "2026-01-01T00:00:00Z"}
              name: b
              namespace: ns1
              ownerReferences: [{apiVersion: v1, kind: ConfigMap, name: c, uid: u1, controller: true, blockOwnerDeletion: true}]
              finalizers: [x]
              resourceVersion: "12"
              selfLink: /apis/rbac.authorization.k8s.io/v1/namespaces/ns1/rolebindings/b
              uid: 0d8f
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
            subjects:
            - {apiGroup: "", kind: ServiceAccount, name: app, namespace: ns1}
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata: {name: agg}
            aggregationRule:
              clusterRoleSelectors:
              - matchLabels: {a: b}
                matchExpressions: [{key: k, operator: In, values: [v]}]
            rules:
            - {apiGroups: [""], resources: [pods], resourceNames: [p], verbs: [get]}
            - {nonResourceURLs: [/healthz], verbs: [get]}
            """;
        var policy = RbacDocumentReader.Read([new RbacSource("get.yaml", text)]);
        Assert.Single(policy.RoleBindings);
    }

    [Fact]
    public void Errors_in_later_documents_and_list_items_name_them()
    {
        var text = MultiDocument + "\n---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: rbac.authorization.k8s.io/v1\n  kind: Role\n  metadata: {namespace: x}\n";
        var error = Assert.Throws<K8sClientException>(() => RbacDocumentReader.Read([new RbacSource("all.yaml", text)]));
        Assert.StartsWith("all.yaml, document 5, items[0]: Role: metadata.name: Required value", error.Message);
    }
}

public sealed class RbacSourceFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("rbac-source-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Files_with_a_BOM_are_read_and_named_in_errors()
    {
        var good = System.IO.Path.Combine(_directory, "role.json");
        File.WriteAllText(good, "{\"apiVersion\":\"rbac.authorization.k8s.io/v1\",\"kind\":\"ClusterRole\",\"metadata\":{\"name\":\"r\"}}", new System.Text.UTF8Encoding(true));
        var policy = RbacDocumentReader.Read([RbacSource.FromFile(good)]);
        Assert.Single(policy.ClusterRoles);

        var bad = System.IO.Path.Combine(_directory, "bad.yaml");
        File.WriteAllText(bad, "kind: Role\n");
        var error = Assert.Throws<K8sClientException>(() => RbacDocumentReader.Read([RbacSource.FromFile(bad)]));
        Assert.StartsWith(bad + ": Role: apiVersion: Required value", error.Message);
    }

    [Fact]
    public void A_missing_file_is_a_clear_error()
    {
        var missing = System.IO.Path.Combine(_directory, "nope.yaml");
        var error = Assert.Throws<K8sClientException>(() => RbacSource.FromFile(missing));
        Assert.Equal("RbacFileUnreadable", error.ErrorId);
        Assert.Equal(K8sErrorCategory.ReadError, error.Category);
        Assert.Equal($"Cannot read the RBAC policy file \"{missing}\": the file does not exist.", error.Message);
    }
}
