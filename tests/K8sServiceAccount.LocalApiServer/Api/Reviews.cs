using System.Globalization;
using System.Text.Json.Nodes;
using K8sServiceAccount.Client.Rbac;
using K8sServiceAccount.LocalApiServer.Auth;
using K8sServiceAccount.LocalApiServer.Store;
using K8sServiceAccount.LocalApiServer.Tokens;

namespace K8sServiceAccount.LocalApiServer.Api;

/// <summary>
/// The create-only review APIs (SelfSubjectAccessReview, SubjectAccessReview, LocalSubjectAccessReview,
/// SelfSubjectRulesReview, TokenReview, SelfSubjectReview) and the serviceaccounts/token subresource.
/// </summary>
public sealed class Reviews
{
    private const long MinExpirationSeconds = 600;
    private const long MaxExpirationSeconds = 1L << 32;

    private readonly ServerContext _context;

    public Reviews(ServerContext context)
    {
        _context = context;
    }

    /// <summary>Answers one review; the request object comes back with its status.</summary>
    public JsonObject Review(ResourceType type, JsonObject review, string urlNamespace, UserInfo user)
    {
        // The answer echoes this metadata (with the URL's namespace for a LocalSubjectAccessReview), also when the
        // request had none.
        if (review["metadata"] is not JsonObject metadata) review["metadata"] = metadata = new JsonObject();
        string name = HttpIo.Str(metadata["name"]);
        if (type == ResourceType.LocalSubjectAccessReviews)
        {
            string bodyNamespace = HttpIo.Str(metadata["namespace"]);
            if (bodyNamespace.Length > 0 && bodyNamespace != urlNamespace)
            {
                throw ApiError.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
            }
            metadata["namespace"] = urlNamespace;
        }
        else
        {
            metadata.Remove("namespace");
        }

        if (type.Kind == "SelfSubjectReview") return SelfSubjectReview(type, user);
        if (type == ResourceType.TokenReviews) return TokenReview(review, urlNamespace);
        if (type == ResourceType.SelfSubjectRulesReviews) return RulesReview(review, user);

        JsonObject spec = review["spec"] as JsonObject ?? new JsonObject();
        var errors = new List<FieldError>();
        bool hasResource = spec["resourceAttributes"] is JsonObject;
        bool hasNonResource = spec["nonResourceAttributes"] is JsonObject;
        if (type == ResourceType.LocalSubjectAccessReviews)
        {
            if (HasContent(metadata, except: "namespace"))
            {
                errors.Add(FieldError.InvalidValue("metadata", "", "must be empty except for namespace"));
            }
            if (hasNonResource)
            {
                errors.Add(FieldError.InvalidValue("spec.nonResourceAttributes", "", "disallowed on this kind of request"));
            }
            if (!hasResource)
            {
                errors.Add(FieldError.InvalidValue("spec.resourceAttributes", "", "exactly one of nonResourceAttributes or resourceAttributes must be specified"));
            }
            else if (HttpIo.Str(spec["resourceAttributes"]!["namespace"]) is var attributeNamespace && attributeNamespace != urlNamespace)
            {
                errors.Add(FieldError.InvalidValue("spec.resourceAttributes.namespace", attributeNamespace, "must match metadata.namespace"));
            }
        }
        else
        {
            if (HasContent(metadata, except: null)) errors.Add(FieldError.InvalidValue("metadata", "", "must be empty"));
            if (!hasResource && !hasNonResource)
            {
                errors.Add(FieldError.InvalidValue("spec.resourceAttributes", "", "exactly one of nonResourceAttributes or resourceAttributes must be specified"));
            }
            if (hasResource && hasNonResource)
            {
                errors.Add(FieldError.InvalidValue("spec.nonResourceAttributes", "", "cannot be specified in combination with resourceAttributes"));
            }
        }

        UserInfo subject = user;
        if (type != ResourceType.SelfSubjectAccessReviews)
        {
            string subjectUser = HttpIo.Str(spec["user"]);
            var groups = (spec["groups"] as JsonArray)?.Select(g => HttpIo.Str(g)).ToList() ?? [];
            if (subjectUser.Length == 0 && groups.Count == 0)
            {
                errors.Add(FieldError.InvalidValue("spec.user", "", "at least one of user or group must be specified"));
            }
            var extra = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
            if (spec["extra"] is JsonObject extraObject)
            {
                foreach (var (key, values) in extraObject)
                {
                    extra[key] = (values as JsonArray)?.Select(v => HttpIo.Str(v)).ToList() ?? [];
                }
            }
            string uid = HttpIo.Str(spec["uid"]);
            subject = new UserInfo(subjectUser, uid.Length > 0 ? uid : null, groups, extra);
        }
        if (errors.Count > 0) throw ApiError.Invalid(type.Kind, type.Group, name, errors);

        AccessRequest request = hasResource
            ? new AccessRequest
            {
                User = subject,
                Verb = HttpIo.Str(spec["resourceAttributes"]!["verb"]),
                Namespace = HttpIo.Str(spec["resourceAttributes"]!["namespace"]),
                ApiGroup = HttpIo.Str(spec["resourceAttributes"]!["group"]),
                Resource = HttpIo.Str(spec["resourceAttributes"]!["resource"]),
                Subresource = HttpIo.Str(spec["resourceAttributes"]!["subresource"]),
                Name = HttpIo.Str(spec["resourceAttributes"]!["name"]),
            }
            : new AccessRequest
            {
                User = subject,
                Verb = HttpIo.Str(spec["nonResourceAttributes"]!["verb"]),
                IsResourceRequest = false,
                Path = HttpIo.Str(spec["nonResourceAttributes"]!["path"]),
            };
        AuthorizationResult result = _context.Authorizer.Authorize(request);
        var status = new JsonObject { ["allowed"] = result.Allowed };
        // kube-apiserver's RBAC authorizer reports lookup errors in the reason only and returns no error,
        // so status.evaluationError stays empty for RBAC decisions.
        if (result.Reason.Length > 0) status["reason"] = result.Reason;
        return Echo(review, type, status);
    }

    private static bool HasContent(JsonObject metadata, string? except)
    {
        foreach (var (key, value) in metadata)
        {
            if (key == except || value is null) continue;
            if (value is JsonObject { Count: 0 } || value is JsonArray { Count: 0 }) continue;
            if (value is JsonValue v && v.TryGetValue(out string? s) && s.Length == 0) continue;
            return true;
        }
        return false;
    }

    /// <summary>The answer: the submitted object (whose nodes it takes over) with its status.</summary>
    private static JsonObject Echo(JsonObject review, ResourceType type, JsonNode status)
    {
        var metadata = review["metadata"] as JsonObject ?? new JsonObject();
        JsonNode spec = review["spec"] ?? new JsonObject();
        review.Remove("metadata");
        review.Remove("spec");
        metadata["creationTimestamp"] = null;
        return new JsonObject
        {
            ["kind"] = type.Kind,
            ["apiVersion"] = type.GroupVersion,
            ["metadata"] = metadata,
            ["spec"] = spec,
            ["status"] = status,
        };
    }

    private JsonObject RulesReview(JsonObject review, UserInfo user)
    {
        string ns = HttpIo.Str(review["spec"]?["namespace"]);
        if (ns.Length == 0) throw ApiError.BadRequest("no namespace on request");
        RulesReviewResult rules = _context.Authorizer.RulesFor(user, ns);
        var status = new JsonObject
        {
            ["resourceRules"] = rules.ResourceRules,
            ["nonResourceRules"] = rules.NonResourceRules,
            ["incomplete"] = false,
        };
        if (!string.IsNullOrEmpty(rules.EvaluationError)) status["evaluationError"] = rules.EvaluationError;
        return Echo(review, ResourceType.SelfSubjectRulesReviews, status);
    }

    private JsonObject SelfSubjectReview(ResourceType type, UserInfo user)
    {
        return new JsonObject
        {
            ["kind"] = "SelfSubjectReview",
            ["apiVersion"] = type.GroupVersion,
            ["metadata"] = new JsonObject { ["creationTimestamp"] = ObjectStore.FormatTime(_context.Clock.GetUtcNow()) },
            ["status"] = new JsonObject { ["userInfo"] = UserJson(user) },
        };
    }

    private static JsonObject UserJson(UserInfo user)
    {
        var json = new JsonObject { ["username"] = user.Name };
        if (!string.IsNullOrEmpty(user.Uid)) json["uid"] = user.Uid;
        if (user.Groups.Count > 0) json["groups"] = new JsonArray(user.Groups.Select(g => (JsonNode?)JsonValue.Create(g)).ToArray());
        if (user.Extra is { Count: > 0 } extra)
        {
            var extraJson = new JsonObject();
            foreach (var (key, values) in extra)
            {
                extraJson[key] = new JsonArray(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());
            }
            json["extra"] = extraJson;
        }
        return json;
    }

    private JsonObject TokenReview(JsonObject review, string urlNamespace)
    {
        if (urlNamespace.Length > 0) throw ApiError.PathNotFound();
        JsonObject spec = review["spec"] as JsonObject ?? new JsonObject();
        string token = HttpIo.Str(spec["token"]);
        if (token.Length == 0) throw ApiError.BadRequest("token is required for TokenReview in authentication");
        var audiences = (spec["audiences"] as JsonArray)?.Select(a => HttpIo.Str(a)).Where(a => a.Length > 0).ToList() ?? [];
        TokenAuthentication result = _context.Tokens.Authenticate(token, audiences);
        var status = new JsonObject();
        if (result.User is { } user)
        {
            status["authenticated"] = true;
            status["user"] = UserJson(Authenticator.WithAuthenticatedGroup(user));
            status["audiences"] = new JsonArray(result.Audiences.Select(a => (JsonNode?)JsonValue.Create(a)).ToArray());
        }
        else
        {
            status["user"] = new JsonObject();
            // The bearer-token authenticator's "invalid bearer token" aggregated with the token authenticator's own
            // reason, as kube-apiserver writes them; a token that is not a JWT has no reason of its own.
            status["error"] = result.Error is null or "invalid bearer token"
                ? "invalid bearer token"
                : result.Error.StartsWith("invalid bearer token, ", StringComparison.Ordinal) ? $"[{result.Error}]" : $"[invalid bearer token, {result.Error}]";
        }
        return Echo(review, ResourceType.TokenReviews, status);
    }

    /// <summary>TokenRequest (§3.7): validates, resolves the bound object, and signs a bound token.</summary>
    public (JsonObject Response, string? Warning) RequestToken(string ns, string serviceAccountName, JsonObject request, bool dryRun)
    {
        string apiVersion = HttpIo.Str(request["apiVersion"]);
        string kind = HttpIo.Str(request["kind"]);
        if (apiVersion.Length > 0 && apiVersion != "authentication.k8s.io/v1")
        {
            throw ApiError.BadRequest($"the API version in the data ({apiVersion}) does not match the expected API version (authentication.k8s.io/v1)");
        }
        if (kind.Length > 0 && kind != "TokenRequest")
        {
            throw ApiError.BadRequest($"{kind} in version \"v1\" cannot be handled as a TokenRequest: the object is a {kind}, not a TokenRequest");
        }
        StoredObject serviceAccount = _context.Store.Get(ResourceType.ServiceAccounts, ns, serviceAccountName)
            ?? throw ApiError.NotFound(ResourceType.ServiceAccounts, serviceAccountName);

        JsonObject metadata = request["metadata"] as JsonObject ?? new JsonObject();
        string requestName = HttpIo.Str(metadata["name"]);
        string requestNamespace = HttpIo.Str(metadata["namespace"]);
        JsonObject spec = request["spec"] as JsonObject ?? new JsonObject();
        var errors = new List<FieldError>();
        if (requestName.Length > 0 && requestName != serviceAccountName)
        {
            errors.Add(FieldError.InvalidValue("metadata.name", requestName, "must match the service account name if specified"));
        }
        if (requestNamespace.Length > 0 && requestNamespace != ns)
        {
            errors.Add(FieldError.InvalidValue("metadata.namespace", requestNamespace, "must match the service account namespace if specified"));
        }
        long expirationSeconds = 3600;
        if (spec["expirationSeconds"] is JsonValue expirationValue)
        {
            if (!expirationValue.TryGetValue(out expirationSeconds))
            {
                throw ApiError.BadRequest("TokenRequest in version \"v1\" cannot be handled as a TokenRequest: spec.expirationSeconds must be an integer");
            }
        }
        if (expirationSeconds < MinExpirationSeconds)
        {
            errors.Add(FieldError.InvalidNumber("spec.expirationSeconds", expirationSeconds, "may not specify a duration less than 10 minutes"));
        }
        if (expirationSeconds > MaxExpirationSeconds)
        {
            errors.Add(FieldError.InvalidNumber("spec.expirationSeconds", expirationSeconds, "may not specify a duration larger than 2^32 seconds"));
        }
        if (errors.Count > 0) throw ApiError.Invalid("TokenRequest", ResourceType.Authentication, requestName, errors);

        string? warning = null;
        if (_context.Options.MaxTokenExpirationSeconds is long max && expirationSeconds > max)
        {
            warning = $"requested expiration of {expirationSeconds} seconds shortened to {max} seconds";
            expirationSeconds = max;
        }

        var audiences = (spec["audiences"] as JsonArray)?.Select(a => HttpIo.Str(a)).Where(a => a.Length > 0).ToList() ?? [];
        if (audiences.Count == 0) audiences = _context.Tokens.ApiAudiences.ToList();

        BoundObject? bound = null;
        JsonNode? boundJson = null;
        if (spec["boundObjectRef"] is JsonObject boundRef)
        {
            bound = ResolveBoundObject(ns, serviceAccountName, boundRef);
            boundJson = boundRef.DeepClone();
            boundJson["uid"] = bound.Uid;
        }

        DateTimeOffset now = _context.Clock.GetUtcNow();
        string token = _context.Tokens.IssueBoundToken(ns, serviceAccountName, serviceAccount.Uid, audiences, now, expirationSeconds, bound);
        var response = new JsonObject
        {
            ["kind"] = "TokenRequest",
            ["apiVersion"] = "authentication.k8s.io/v1",
            ["metadata"] = new JsonObject
            {
                ["name"] = serviceAccountName,
                ["namespace"] = ns,
                ["uid"] = serviceAccount.Uid,
                ["creationTimestamp"] = ObjectStore.FormatTime(now),
            },
            ["spec"] = new JsonObject
            {
                ["audiences"] = new JsonArray(audiences.Select(a => (JsonNode?)JsonValue.Create(a)).ToArray()),
                ["expirationSeconds"] = expirationSeconds,
                ["boundObjectRef"] = boundJson,
            },
            ["status"] = new JsonObject
            {
                ["token"] = dryRun ? "" : token,
                ["expirationTimestamp"] = ObjectStore.FormatTime(now.AddSeconds(expirationSeconds)),
            },
        };
        return (response, warning);
    }

    private BoundObject ResolveBoundObject(string ns, string serviceAccountName, JsonObject boundRef)
    {
        string kind = HttpIo.Str(boundRef["kind"]);
        string apiVersion = HttpIo.Str(boundRef["apiVersion"]);
        string name = HttpIo.Str(boundRef["name"]);
        string uid = HttpIo.Str(boundRef["uid"]);
        ResourceType? type = apiVersion is "v1" or "" ? kind switch
        {
            "Pod" => ResourceType.Pods,
            "Secret" => ResourceType.Secrets,
            "Node" => ResourceType.Nodes,
            _ => null,
        } : null;
        if (type is null)
        {
            (string group, string version) = apiVersion.Contains('/') ? (apiVersion[..apiVersion.IndexOf('/')], apiVersion[(apiVersion.IndexOf('/') + 1)..]) : ("", apiVersion);
            string gvk = group.Length == 0 ? $"/{version}, Kind={kind}" : $"{group}/{version}, Kind={kind}";
            throw ApiError.BadRequest($"cannot bind token to object of type {gvk}");
        }
        if (name.Length == 0)
        {
            throw ApiError.Invalid("TokenRequest", ResourceType.Authentication, "", [FieldError.RequiredValue("spec.boundObjectRef.name")]);
        }
        StoredObject target = _context.Store.Get(type, type.Namespaced ? ns : "", name) ?? throw ApiError.NotFound(type, name);
        if (uid.Length > 0 && uid != target.Uid)
        {
            throw new ApiError(409, "Conflict",
                $"Operation cannot be fulfilled on {type.Resource} \"{name}\": the UID in the bound object reference ({uid}) does not match the UID in record. The object might have been deleted and then recreated")
            {
                DetailName = name, DetailKind = type.Resource,
            };
        }
        if (type == ResourceType.Pods)
        {
            string podServiceAccount = HttpIo.Str(target.ToNode()["spec"]?["serviceAccountName"]);
            if (podServiceAccount != serviceAccountName)
            {
                throw ApiError.BadRequest($"cannot bind token for serviceaccount \"{serviceAccountName}\" to pod running with different serviceaccount name.");
            }
        }
        return new BoundObject(kind, name, target.Uid);
    }
}

/// <summary>The rules a SelfSubjectRulesReview reports.</summary>
public sealed record RulesReviewResult(JsonArray ResourceRules, JsonArray NonResourceRules, string? EvaluationError);
