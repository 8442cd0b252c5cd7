using System.Text;
using System.Text.Json.Nodes;
using K8sServiceAccount.LocalApiServer.Api;
using K8sServiceAccount.LocalApiServer.Api.Protobuf;

namespace K8sServiceAccount.Integration.Tests.LocalApiServer.Protobuf;

/// <summary>
/// The protobuf body decoder on bodies captured from kubectl 1.33 (Fixtures/NAME.pb), each against the JSON kubectl
/// 1.28 sends for the same command (Fixtures/NAME.json; both captured by Fixtures/capture.sh), plus hand-made
/// messages for the kinds kubectl does not send and malformed input, which must end in the API server's 400.
/// </summary>
public sealed class ProtobufBodyTests
{
    private static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "LocalApiServer", "Protobuf", "Fixtures");

    public static TheoryData<string> CapturedBodies()
    {
        var names = new TheoryData<string>();
        foreach (string file in Directory.GetFiles(Fixtures, "*.pb").Order(StringComparer.Ordinal))
        {
            names.Add(Path.GetFileNameWithoutExtension(file));
        }
        return names;
    }

    [Fact]
    public void EveryKindTheFlowsSendHasACapturedBody()
    {
        string[] kinds = Directory.GetFiles(Fixtures, "*.pb").Select(pb =>
            JsonNode.Parse(File.ReadAllBytes(Path.ChangeExtension(pb, ".json")))!["kind"]!.GetValue<string>()).Distinct().ToArray();
        Assert.Equal(
            ["ClusterRole", "ClusterRoleBinding", "ConfigMap", "Namespace", "Role", "RoleBinding", "Secret", "SelfSubjectAccessReview",
             "SelfSubjectReview", "SelfSubjectRulesReview", "ServiceAccount", "TokenRequest"],
            kinds.Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(CapturedBodies))]
    public void Kubectl133ProtobufDecodesToWhatKubectl128SendsAsJson(string name)
    {
        JsonObject expected = WithoutNulls(JsonNode.Parse(File.ReadAllBytes(Path.Combine(Fixtures, name + ".json")))!.AsObject());
        (string group, string version) = Split(expected["apiVersion"]!.GetValue<string>());

        JsonObject decoded = ProtobufBody.Decode(File.ReadAllBytes(Path.Combine(Fixtures, name + ".pb")), group, version, expected["kind"]!.GetValue<string>());

        // JSON's nulls (a zero Time, a nil list) are what protobuf cannot carry: the decoder leaves those fields out.
        Assert.True(JsonNode.DeepEquals(expected, decoded), $"expected {expected.ToJsonString()}\nactual   {decoded.ToJsonString()}");
    }

    [Fact]
    public void ObjectMetaMapsOwnerReferencesAndTimesDecode()
    {
        byte[] meta = Message(
            Str(1, "web"), Str(3, "demo"), Str(5, "uid-1"), Varint(7, 3), Bytes(8, []),
            Bytes(9, Message(Varint(1, 1700000000), Varint(2, 5))), Varint(10, 0),
            MapEntry(11, "app", "web"), MapEntry(11, "tier", "front"), MapEntry(11, "app", "api"), MapEntry(12, "note", ""),
            Bytes(13, Message(Str(5, "apps/v1"), Str(1, "Deployment"), Str(3, "web"), Str(4, "u2"), Varint(6, 1), Varint(7, 0))),
            Str(14, "example.com/cleanup"),
            Bytes(17, Message(Str(1, "kubectl"), Str(2, "Update"), Bytes(7, Message(Bytes(1, "{\"f:data\":{}}"u8.ToArray()))))));
        byte[] body = Envelope("v1", "ConfigMap", Message(Bytes(1, meta), MapEntry(2, "k", "v"), MapEntry(3, "bin", [0, 1, 2])));

        JsonObject decoded = ProtobufBody.Decode(body, "", "v1", "ConfigMap");

        Assert.Equal(
            """{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"web","namespace":"demo","uid":"uid-1","generation":3,"deletionTimestamp":"2023-11-14T22:13:20Z","deletionGracePeriodSeconds":0,"labels":{"app":"api","tier":"front"},"annotations":{"note":""},"ownerReferences":[{"apiVersion":"apps/v1","kind":"Deployment","name":"web","uid":"u2","controller":true,"blockOwnerDeletion":false}],"finalizers":["example.com/cleanup"],"managedFields":[{"manager":"kubectl","operation":"Update","fieldsV1":{"f:data":{}}}]},"data":{"k":"v"},"binaryData":{"bin":"AAEC"}}""",
            decoded.ToJsonString());
    }

    [Fact]
    public void TheReviewKindsKubectlDoesNotSendDecode()
    {
        byte[] extra = Message(Str(1, "scopes"), Bytes(2, Message(Str(1, "read"), Str(1, "write"))));
        byte[] resource = Message(Str(1, "demo"), Str(2, "get"), Str(3, "apps"), Str(4, "v1"), Str(5, "deployments"), Str(6, "scale"), Str(7, "web"),
            Bytes(9, Message(Str(1, "app=web"), Bytes(2, Message(Str(1, "app"), Str(2, "In"), Str(3, "web"))))));
        byte[] spec = Message(Bytes(1, resource), Str(3, "alice"), Str(4, "devs"), Str(4, "system:authenticated"), Bytes(5, extra), Str(6, "u-1"));

        JsonObject sar = ProtobufBody.Decode(Envelope("authorization.k8s.io/v1", "SubjectAccessReview", Message(Bytes(2, spec))),
            "authorization.k8s.io", "v1", "SubjectAccessReview");
        Assert.Equal(
            """{"kind":"SubjectAccessReview","apiVersion":"authorization.k8s.io/v1","spec":{"resourceAttributes":{"namespace":"demo","verb":"get","group":"apps","version":"v1","resource":"deployments","subresource":"scale","name":"web","labelSelector":{"rawSelector":"app=web","requirements":[{"key":"app","operator":"In","values":["web"]}]}},"user":"alice","groups":["devs","system:authenticated"],"extra":{"scopes":["read","write"]},"uid":"u-1"}}""",
            sar.ToJsonString());

        byte[] local = Message(Bytes(2, Message(Bytes(2, Message(Str(1, "/healthz"), Str(2, "get"))), Str(3, "bob"))));
        JsonObject lsar = ProtobufBody.Decode(Envelope("authorization.k8s.io/v1", "LocalSubjectAccessReview", local),
            "authorization.k8s.io", "v1", "LocalSubjectAccessReview");
        Assert.Equal("""{"kind":"LocalSubjectAccessReview","apiVersion":"authorization.k8s.io/v1","spec":{"nonResourceAttributes":{"path":"/healthz","verb":"get"},"user":"bob"}}""",
            lsar.ToJsonString());

        byte[] review = Message(Bytes(1, Message(Str(1, ""))), Bytes(2, Message(Str(1, "header.payload.signature"), Str(2, "api"))), Bytes(3, Message(Varint(1, 0), Str(3, ""))));
        JsonObject tokenReview = ProtobufBody.Decode(Envelope("authentication.k8s.io/v1", "TokenReview", review), "authentication.k8s.io", "v1", "TokenReview");
        Assert.Equal("""{"kind":"TokenReview","apiVersion":"authentication.k8s.io/v1","metadata":{},"spec":{"token":"header.payload.signature","audiences":["api"]},"status":{}}""",
            tokenReview.ToJsonString());
    }

    [Fact]
    public void AMissingKindOrVersionIsTheEndpointsAndAnotherKindIsLeftToTheJsonChecks()
    {
        byte[] namespaceMessage = Message(Bytes(1, Message(Str(1, "demo"))));
        Assert.Equal("""{"metadata":{"name":"demo"}}""", ProtobufBody.Decode(Envelope("", "", namespaceMessage), "", "v1", "Namespace").ToJsonString());

        // A kind with no message here (a Pod) comes back bare, so the JSON path answers as for the same JSON.
        Assert.Equal("""{"kind":"Pod","apiVersion":"v1"}""", ProtobufBody.Decode(Envelope("v1", "Pod", [0x0a, 0x00]), "", "v1", "Namespace").ToJsonString());
    }

    [Fact]
    public void UnknownFieldsAndGroupsAreSkippedAsGoSkipsThem()
    {
        byte[] message = Message(Varint(99, 7), Bytes(98, [1, 2, 3]), [0xA3, 0x06, 0x08, 0x01, 0xA4, 0x06], // group 100 { varint 1 }
            [0x9D, 0x06, 1, 2, 3, 4], [0x99, 0x06, 1, 2, 3, 4, 5, 6, 7, 8], Bytes(1, Message(Str(1, "demo"), Varint(50, 1))));
        Assert.Equal("""{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"demo"}}""",
            ProtobufBody.Decode(Envelope("v1", "Namespace", message), "", "v1", "Namespace").ToJsonString());
    }

    public static TheoryData<string, byte[], string> MalformedBodies() => new()
    {
        { "empty", [], "the object provided is unrecognized (must be of type Namespace): empty data (<empty>)" },
        { "JSON sent as protobuf", """{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"x"}}"""u8.ToArray(),
            "the object provided is unrecognized (must be of type Namespace): provided data does not appear to be a protobuf message, expected prefix [107 56 115 0] ({\"kind\":\"Namespace\",\"apiVersio ...)" },
        { "magic only", "k8s\0"u8.ToArray(), "the object provided is unrecognized (must be of type Namespace): empty body (6b387300)" },
        { "truncated envelope", Envelope("v1", "Namespace", Message(Bytes(1, Message(Str(1, "demo")))))[..^6],
            "the object provided is unrecognized (must be of type Namespace): unexpected EOF (6b3873000a0f0a02763112094e616d65737061636512080a060a046465)" },
        { "truncated message", Envelope("v1", "Namespace", [0x0a, 0x05, (byte)'a']),
            "Namespace in version \"v1\" cannot be handled as a Namespace: unexpected EOF" },
        { "wrong wire type", Envelope("v1", "Namespace", [0x08, 0x01]),
            "Namespace in version \"v1\" cannot be handled as a Namespace: proto: wrong wireType = 0 for field ObjectMeta" },
        { "wrong wire type inside", Envelope("v1", "Namespace", Message(Bytes(1, [0x58, 0x01]))),
            "Namespace in version \"v1\" cannot be handled as a Namespace: proto: wrong wireType = 0 for field Labels" },
        { "tag 0", Envelope("v1", "Namespace", [0x00]),
            "Namespace in version \"v1\" cannot be handled as a Namespace: proto: Namespace: illegal tag 0 (wire type 0)" },
        { "stray end group", Envelope("v1", "Namespace", [0x0c]),
            "Namespace in version \"v1\" cannot be handled as a Namespace: proto: Namespace: wiretype end group for non-group" },
        { "illegal wire type", Envelope("v1", "Namespace", [0xCF, 0x06]),
            "Namespace in version \"v1\" cannot be handled as a Namespace: proto: illegal wireType 7" },
        { "integer overflow", Envelope("v1", "Namespace", [0x0a, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]),
            "Namespace in version \"v1\" cannot be handled as a Namespace: proto: integer overflow" },
        { "negative length", Envelope("v1", "Namespace", [0x0a, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]),
            "Namespace in version \"v1\" cannot be handled as a Namespace: proto: negative length found during unmarshaling" },
        { "length past the end", Envelope("v1", "Namespace", [0x0a, 0xFF, 0xFF, 0xFF, 0xFF, 0x07]),
            "Namespace in version \"v1\" cannot be handled as a Namespace: unexpected EOF" },
        { "unclosed groups", Envelope("v1", "Namespace", Enumerable.Repeat<byte[]>([0xA3, 0x06], 100_000).SelectMany(b => b).ToArray()),
            "Namespace in version \"v1\" cannot be handled as a Namespace: unexpected EOF" },
    };

    [Theory]
    [MemberData(nameof(MalformedBodies))]
    public void MalformedBodiesAreTheApiServers400(string what, byte[] body, string message)
    {
        ApiError error = Assert.Throws<ApiError>(() => ProtobufBody.Decode(body, "", "v1", "Namespace"));
        Assert.True(error.Code == 400, what);
        Assert.Equal("BadRequest", error.Reason);
        Assert.Equal(message, error.Message);
    }

    private static JsonObject WithoutNulls(JsonObject obj)
    {
        foreach (string key in obj.Where(p => p.Value is null).Select(p => p.Key).ToList()) obj.Remove(key);
        foreach ((_, JsonNode? value) in obj)
        {
            if (value is JsonObject nested) WithoutNulls(nested);
            if (value is JsonArray array) foreach (JsonObject item in array.OfType<JsonObject>()) WithoutNulls(item);
        }
        return obj;
    }

    private static (string Group, string Version) Split(string apiVersion) =>
        apiVersion.Contains('/') ? (apiVersion[..apiVersion.IndexOf('/')], apiVersion[(apiVersion.IndexOf('/') + 1)..]) : ("", apiVersion);

    // A minimal protobuf writer for hand-made messages.
    private static byte[] Envelope(string apiVersion, string kind, byte[] raw) =>
        [.. "k8s\0"u8, .. Message(Bytes(1, Message(Str(1, apiVersion), Str(2, kind))), Bytes(2, raw), Str(3, ""), Str(4, ""))];

    private static byte[] Message(params byte[][] fields) => fields.SelectMany(f => f).ToArray();

    private static byte[] Str(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    private static byte[] Bytes(int field, byte[] value) => [.. EncodeVarint((ulong)(field << 3 | 2)), .. EncodeVarint((ulong)value.Length), .. value];

    private static byte[] Varint(int field, ulong value) => [.. EncodeVarint((ulong)(field << 3)), .. EncodeVarint(value)];

    private static byte[] MapEntry(int field, string key, string value) => Bytes(field, Message(Str(1, key), Str(2, value)));

    private static byte[] MapEntry(int field, string key, byte[] value) => Bytes(field, Message(Str(1, key), Bytes(2, value)));

    private static byte[] EncodeVarint(ulong value)
    {
        var bytes = new List<byte>();
        do
        {
            byte b = (byte)(value & 0x7F);
            value >>= 7;
            bytes.Add(value == 0 ? b : (byte)(b | 0x80));
        }
        while (value != 0);
        return [.. bytes];
    }
}
