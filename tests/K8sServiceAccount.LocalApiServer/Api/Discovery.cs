using System.Text.Json.Nodes;
using K8sServiceAccount.LocalApiServer.Store;
using Microsoft.AspNetCore.Http;

namespace K8sServiceAccount.LocalApiServer.Api;

/// <summary>
/// API discovery (legacy APIVersions/APIGroupList/APIResourceList and aggregated APIGroupDiscoveryList
/// when the client asks for it), /version, OIDC discovery, and the minimal OpenAPI v2 document kubectl's
/// default validation needs.
/// </summary>
public sealed class Discovery
{
    public const string KubernetesVersion = "v1.28.0";

    // A protobuf openapi_v2.Document with only swagger="2.0" and info{title="Kubernetes", version="v1.28.0"}:
    // enough for kubectl 1.28 to accept the server's OpenAPI and validate types it does not find as unknown.
    private static readonly byte[] OpenApiV2Protobuf =
    [
        0x0a, 0x03, (byte)'2', (byte)'.', (byte)'0',
        0x12, 0x15,
        0x0a, 0x0a, .. "Kubernetes"u8,
        0x12, 0x07, .. "v1.28.0"u8,
    ];

    private readonly ServerContext _context;

    public Discovery(ServerContext context)
    {
        _context = context;
    }

    public static JsonObject Version() => new()
    {
        ["major"] = "1",
        ["minor"] = "28",
        ["gitVersion"] = KubernetesVersion,
        ["gitCommit"] = "local-apiserver",
        ["gitTreeState"] = "clean",
        ["buildDate"] = "2023-08-15T00:00:00Z",
        ["goVersion"] = "go1.20.7",
        ["compiler"] = "gc",
        ["platform"] = "linux/amd64",
    };

    public JsonObject OpenIdConfiguration() => new()
    {
        ["issuer"] = _context.Tokens.Issuer,
        ["jwks_uri"] = _context.Url + "/openid/v1/jwks",
        ["response_types_supported"] = new JsonArray("id_token"),
        ["subject_types_supported"] = new JsonArray("public"),
        ["id_token_signing_alg_values_supported"] = new JsonArray("RS256"),
    };

    public Task WriteOpenApiV2Async(HttpContext http)
    {
        string accept = http.Request.Headers.Accept.ToString();
        if (accept.Contains("protobuf", StringComparison.OrdinalIgnoreCase))
        {
            http.Response.StatusCode = 200;
            http.Response.ContentType = "application/octet-stream";
            http.Response.ContentLength = OpenApiV2Protobuf.Length;
            return http.Response.Body.WriteAsync(OpenApiV2Protobuf, 0, OpenApiV2Protobuf.Length, http.RequestAborted);
        }
        return HttpIo.WriteJsonAsync(http, 200, new JsonObject
        {
            ["swagger"] = "2.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = KubernetesVersion },
            ["paths"] = new JsonObject(),
            ["definitions"] = new JsonObject(),
        });
    }

    /// <summary>Serves a discovery path; false when <paramref name="path"/> is not one.</summary>
    public async Task<bool> TryWriteAsync(HttpContext http, string path)
    {
        string? aggregatedVersion = AggregatedVersion(http.Request);
        string[] parts = path.Trim('/').Split('/');
        JsonObject? body = null;
        string contentType = "application/json";
        switch (parts)
        {
            case ["api"]:
                if (aggregatedVersion is not null)
                {
                    body = AggregatedList(aggregatedVersion, core: true);
                    contentType = AggregatedContentType(aggregatedVersion);
                }
                else
                {
                    body = new JsonObject
                    {
                        ["kind"] = "APIVersions",
                        ["versions"] = new JsonArray("v1"),
                        ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject
                        {
                            ["clientCIDR"] = "0.0.0.0/0",
                            ["serverAddress"] = new Uri(_context.Url).Authority,
                        }),
                    };
                }
                break;
            case ["apis"]:
                if (aggregatedVersion is not null)
                {
                    body = AggregatedList(aggregatedVersion, core: false);
                    contentType = AggregatedContentType(aggregatedVersion);
                }
                else
                {
                    var groups = new JsonArray();
                    foreach (string group in ResourceType.Groups.Where(g => g.Length > 0)) groups.Add(ApiGroup(group));
                    body = new JsonObject { ["kind"] = "APIGroupList", ["apiVersion"] = "v1", ["groups"] = groups };
                }
                break;
            case ["api", "v1"]:
                body = ResourceList("", "v1");
                break;
            case ["apis", var group] when group.Length > 0 && ResourceType.Groups.Contains(group):
                body = ApiGroup(group);
                body["kind"] = "APIGroup";
                body["apiVersion"] = "v1";
                break;
            case ["apis", var group, var version] when group.Length > 0 && ResourceType.IsServedGroupVersion(group, version):
                body = ResourceList(group, version);
                break;
        }
        if (body is null) return false;
        await HttpIo.WriteJsonAsync(http, 200, body, contentType).ConfigureAwait(false);
        return true;
    }

    private static string AggregatedContentType(string version) =>
        $"application/json;g=apidiscovery.k8s.io;v={version};as=APIGroupDiscoveryList";

    /// <summary>The apidiscovery version the client accepts (v2 or v2beta1), or null for legacy discovery.</summary>
    private static string? AggregatedVersion(HttpRequest request)
    {
        foreach (string? accept in request.Headers.Accept)
        {
            if (accept is null) continue;
            foreach (string clause in accept.Split(','))
            {
                if (!clause.Contains("as=APIGroupDiscoveryList", StringComparison.Ordinal) ||
                    !clause.Contains("g=apidiscovery.k8s.io", StringComparison.Ordinal))
                {
                    continue;
                }
                if (clause.Contains("v=v2beta1", StringComparison.Ordinal)) return "v2beta1";
                if (clause.Contains("v=v2", StringComparison.Ordinal)) return "v2";
            }
        }
        return null;
    }

    private static JsonObject ApiGroup(string group)
    {
        JsonObject[] versions = ResourceType.VersionsOf(group)
            .Select(v => new JsonObject { ["groupVersion"] = $"{group}/{v}", ["version"] = v }).ToArray();
        return new JsonObject
        {
            ["name"] = group,
            ["versions"] = new JsonArray(versions),
            ["preferredVersion"] = versions[0].DeepClone(),
        };
    }

    private static JsonArray Strings(IEnumerable<string> values) =>
        new(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());

    private static JsonObject ResourceList(string group, string version)
    {
        var resources = new JsonArray();
        foreach (ResourceType type in ResourceType.In(group, version).OrderBy(t => t.Resource, StringComparer.Ordinal))
        {
            var entry = new JsonObject
            {
                ["name"] = type.Resource,
                ["singularName"] = type.SingularName,
                ["namespaced"] = type.Namespaced,
                ["kind"] = type.Kind,
                ["verbs"] = Strings(type.Verbs),
            };
            if (type.ShortNames.Length > 0) entry["shortNames"] = Strings(type.ShortNames);
            if (type.Categories.Length > 0) entry["categories"] = Strings(type.Categories);
            resources.Add(entry);
            foreach (SubresourceInfo sub in type.Subresources)
            {
                var subEntry = new JsonObject
                {
                    ["name"] = $"{type.Resource}/{sub.Name}",
                    ["singularName"] = "",
                    ["namespaced"] = type.Namespaced,
                };
                if (sub.Group.Length > 0 || sub.Version.Length > 0)
                {
                    subEntry["group"] = sub.Group;
                    subEntry["version"] = sub.Version;
                }
                subEntry["kind"] = sub.Kind;
                subEntry["verbs"] = Strings(sub.Verbs);
                resources.Add(subEntry);
            }
        }
        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = group.Length == 0 ? version : $"{group}/{version}",
            ["resources"] = resources,
        };
    }

    private static JsonObject AggregatedList(string discoveryVersion, bool core)
    {
        var items = new JsonArray();
        foreach (string group in ResourceType.Groups.Where(g => core ? g.Length == 0 : g.Length > 0))
        {
            var versions = new JsonArray();
            foreach (string version in ResourceType.VersionsOf(group))
            {
                versions.Add(new JsonObject
                {
                    ["version"] = version,
                    ["resources"] = AggregatedResources(group, version),
                    ["freshness"] = "Current",
                });
            }
            items.Add(new JsonObject
            {
                ["metadata"] = new JsonObject { ["name"] = group, ["creationTimestamp"] = null },
                ["versions"] = versions,
            });
        }
        return new JsonObject
        {
            ["kind"] = "APIGroupDiscoveryList",
            ["apiVersion"] = $"apidiscovery.k8s.io/{discoveryVersion}",
            ["metadata"] = new JsonObject(),
            ["items"] = items,
        };
    }

    private static JsonArray AggregatedResources(string group, string version)
    {
        var resources = new JsonArray();
        foreach (ResourceType type in ResourceType.In(group, version).OrderBy(t => t.Resource, StringComparer.Ordinal))
        {
            var entry = new JsonObject
            {
                ["resource"] = type.Resource,
                ["responseKind"] = new JsonObject { ["group"] = type.Group, ["version"] = type.Version, ["kind"] = type.Kind },
                ["scope"] = type.Namespaced ? "Namespaced" : "Cluster",
                ["singularResource"] = type.SingularName,
                ["verbs"] = Strings(type.Verbs),
            };
            if (type.ShortNames.Length > 0) entry["shortNames"] = Strings(type.ShortNames);
            if (type.Categories.Length > 0) entry["categories"] = Strings(type.Categories);
            if (type.Subresources.Length > 0)
            {
                var subresources = new JsonArray();
                foreach (SubresourceInfo sub in type.Subresources)
                {
                    subresources.Add(new JsonObject
                    {
                        ["subresource"] = sub.Name,
                        ["responseKind"] = new JsonObject
                        {
                            ["group"] = sub.Group.Length > 0 || sub.Version.Length > 0 ? sub.Group : type.Group,
                            ["version"] = sub.Version.Length > 0 ? sub.Version : type.Version,
                            ["kind"] = sub.Kind,
                        },
                        ["verbs"] = Strings(sub.Verbs),
                    });
                }
                entry["subresources"] = subresources;
            }
            resources.Add(entry);
        }
        return resources;
    }
}
