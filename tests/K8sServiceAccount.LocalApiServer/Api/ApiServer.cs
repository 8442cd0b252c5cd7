using System.Globalization;
using System.Text.Json.Nodes;
using K8sServiceAccount.Client.Rbac;
using K8sServiceAccount.LocalApiServer.Auth;
using K8sServiceAccount.LocalApiServer.Faults;
using K8sServiceAccount.LocalApiServer.Store;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace K8sServiceAccount.LocalApiServer.Api;

/// <summary>
/// The request pipeline, in kube-apiserver's filter order: fault injection (test-only), authentication,
/// impersonation, request attributes, authorization, then the handler. Every failure becomes a Status.
/// </summary>
public sealed class ApiServer
{
    public const string AdminFaultsPath = "/admin/faults";
    public const string AdminControllersPath = "/admin/controllers";

    private readonly ServerContext _context;
    private readonly RestHandler _rest;
    private readonly Discovery _discovery;
    private readonly Reviews _reviews;

    public ApiServer(ServerContext context)
    {
        _context = context;
        _discovery = new Discovery(context);
        _reviews = new Reviews(context);
        _rest = new RestHandler(context, _reviews);
    }

    public async Task HandleAsync(HttpContext http)
    {
        string path = http.Request.Path.Value ?? "/";
        try
        {
            if (_context.Options.CaptureDirectory is { } captureDirectory) await CaptureAsync(http, captureDirectory).ConfigureAwait(false);
            if (_context.Options.RequestLog is { } requestLog) LogRequest(requestLog, http);
            FaultOutcome fault = path.StartsWith("/admin/", StringComparison.Ordinal) ? FaultOutcome.Proceed : await ApplyFaultsAsync(http).ConfigureAwait(false);
            if (fault is not (FaultOutcome.Proceed or FaultOutcome.DropAfterApply))
            {
                return;
            }
            if (fault == FaultOutcome.DropAfterApply)
            {
                // The request is handled in full (a write is stored), but its answer goes nowhere and the connection
                // is dropped: what a client sees when a connection breaks after the server applied its write.
                http.Response.Body = Stream.Null;
                try
                {
                    await HandleCoreAsync(http, path).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    await ReportAsync(http, path, e).ConfigureAwait(false);
                }
                finally
                {
                    http.Abort();
                }
                return;
            }
            await HandleCoreAsync(http, path).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            await ReportAsync(http, path, e).ConfigureAwait(false);
        }
    }

    private async Task HandleCoreAsync(HttpContext http, string path)
    {
        UserInfo user = _context.Authenticator.Authenticate(http);
        user = Impersonate(http, user);
        RequestInfo info = RequestInfo.Parse(http.Request.Method, path, key => QueryValue(http, key));
        if (path == AdminFaultsPath)
        {
            await HandleFaultsAsync(http, user).ConfigureAwait(false);
            return;
        }
        if (path == AdminControllersPath)
        {
            await HandleControllersAsync(http, user).ConfigureAwait(false);
            return;
        }
        Authorize(info, user);
        if (info.IsResourceRequest)
        {
            await _rest.HandleAsync(http, info, user).ConfigureAwait(false);
        }
        else
        {
            await HandleNonResourceAsync(http, info).ConfigureAwait(false);
        }
    }

    // Every failure becomes a Status, unless the answer has started or the client went away.
    private async Task ReportAsync(HttpContext http, string path, Exception failure)
    {
        switch (failure)
        {
            case ApiError error:
                if (!http.Response.HasStarted) await HttpIo.WriteStatusAsync(http, error).ConfigureAwait(false);
                break;
            case BadHttpRequestException e:
                // Malformed framing (truncated or invalid chunked body): the client's fault, never a 500.
                if (!http.Response.HasStarted) await HttpIo.WriteStatusAsync(http, ApiError.BadRequest(e.Message)).ConfigureAwait(false);
                break;
            case OperationCanceledException when http.RequestAborted.IsCancellationRequested:
                // The client went away; nothing to answer.
                break;
            default:
                if (_context.Options.Verbose) Console.Error.WriteLine($"internal error on {http.Request.Method} {path}: {failure}");
                if (!http.Response.HasStarted)
                {
                    await HttpIo.WriteStatusAsync(http, ApiError.Internal(failure.GetType().Name)).ConfigureAwait(false);
                }
                break;
        }
    }

    private int _captured;
    private readonly Lock _requestLogLock = new();

    private void LogRequest(string file, HttpContext http)
    {
        lock (_requestLogLock) File.AppendAllText(file, $"{http.Request.Method} {http.Request.Path}{http.Request.QueryString}\n");
    }

    /// <summary>Debugging aid: copies the request body (left readable for the handler) and its media types to a file.</summary>
    private async Task CaptureAsync(HttpContext http, string directory)
    {
        if (http.Request.ContentLength is 0 || (http.Request.ContentLength is null && http.Request.Method is "GET" or "HEAD")) return;
        http.Request.EnableBuffering();
        byte[] body = await HttpIo.ReadBodyAsync(http.Request, http.RequestAborted).ConfigureAwait(false);
        http.Request.Body.Position = 0;
        if (body.Length == 0) return;
        Directory.CreateDirectory(directory);
        string safePath = new((http.Request.Path.Value ?? "").Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_').ToArray());
        string stem = Path.Combine(directory, $"{Interlocked.Increment(ref _captured):D4}-{http.Request.Method}{safePath}");
        await File.WriteAllBytesAsync(stem + ".bin", body, http.RequestAborted).ConfigureAwait(false);
        await File.WriteAllTextAsync(stem + ".txt",
            $"{http.Request.Method} {http.Request.Path}{http.Request.QueryString}\nContent-Type: {http.Request.ContentType}\nAccept: {http.Request.Headers.Accept}\nUser-Agent: {http.Request.Headers.UserAgent}\n",
            http.RequestAborted).ConfigureAwait(false);
    }

    internal static string? QueryValue(HttpContext http, string key) =>
        http.Request.Query.TryGetValue(key, out var values) ? values.ToString() : null;

    // Answers (or drops) a request the injector stops; returns the outcome, Proceed and DropAfterApply go on to the handler.
    private async Task<FaultOutcome> ApplyFaultsAsync(HttpContext http)
    {
        FaultOutcome outcome = await _context.Faults.ApplyAsync(http.Request.Method, http.Request.Path.Value ?? "/", http.RequestAborted).ConfigureAwait(false);
        switch (outcome)
        {
            case FaultOutcome.Drop:
                http.Abort();
                break;
            case FaultOutcome.Throttle:
                // The form API Priority and Fairness answers with.
                http.Response.Headers.RetryAfter = _context.Faults.Settings.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
                await HttpIo.WriteTextAsync(http, 429, "Too many requests, please try again later.\n").ConfigureAwait(false);
                break;
            case FaultOutcome.Error:
                await HttpIo.WriteStatusAsync(http, ApiError.Internal("injected fault")).ConfigureAwait(false);
                break;
        }
        return outcome;
    }

    /// <summary>Applies Impersonate-* headers after checking the impersonate verb for each element (§1.10).</summary>
    private UserInfo Impersonate(HttpContext http, UserInfo caller)
    {
        IHeaderDictionary headers = http.Request.Headers;
        bool requested = false;
        foreach (var (key, _) in headers)
        {
            if (key.StartsWith("Impersonate-", StringComparison.OrdinalIgnoreCase))
            {
                requested = true;
                break;
            }
        }
        if (!requested) return caller;
        string impersonatedUser = headers["Impersonate-User"].ToString();
        var groups = headers["Impersonate-Group"].Where(g => g is not null).Select(g => g!).ToList();
        string uid = headers["Impersonate-Uid"].ToString();
        var extra = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var (key, values) in headers)
        {
            if (key.StartsWith("Impersonate-Extra-", StringComparison.OrdinalIgnoreCase))
            {
                string extraKey = Uri.UnescapeDataString(key["Impersonate-Extra-".Length..]).ToLowerInvariant();
                extra[extraKey] = values.Where(v => v is not null).Select(v => v!).ToList();
            }
        }
        if (impersonatedUser.Length == 0)
        {
            if (groups.Count > 0 || extra.Count > 0 || uid.Length > 0)
            {
                var parts = groups.Select(g => $"Impersonate-Group: {g}")
                    .Concat(extra.Keys.Select(k => $"Impersonate-Extra-{k}"))
                    .Concat(uid.Length > 0 ? [$"Impersonate-Uid: {uid}"] : []);
                throw ApiError.BadRequest($"requested [{string.Join(" ", parts)}] without impersonating a user");
            }
            return caller;
        }

        bool isServiceAccount = ServiceAccountIdentity.TryParse(impersonatedUser, out string saNamespace, out string saName);
        if (isServiceAccount)
        {
            CheckImpersonation(caller, "serviceaccounts", "", saNamespace, saName, "");
        }
        else
        {
            CheckImpersonation(caller, "users", "", "", impersonatedUser, "");
        }
        foreach (string group in groups) CheckImpersonation(caller, "groups", "", "", group, "");
        if (uid.Length > 0) CheckImpersonation(caller, "uids", ResourceType.Authentication, "", uid, "");
        foreach (var (key, values) in extra)
        {
            foreach (string value in values) CheckImpersonation(caller, "userextras", ResourceType.Authentication, "", value, key);
        }

        var effectiveGroups = new List<string>(groups);
        if (isServiceAccount && groups.Count == 0)
        {
            effectiveGroups.AddRange(ServiceAccountIdentity.Groups(saNamespace));
        }
        if (impersonatedUser == Authenticator.Anonymous)
        {
            if (!effectiveGroups.Contains(Authenticator.Unauthenticated)) effectiveGroups.Add(Authenticator.Unauthenticated);
            return new UserInfo(impersonatedUser, uid.Length > 0 ? uid : null, effectiveGroups, extra);
        }
        return Authenticator.WithAuthenticatedGroup(new UserInfo(impersonatedUser, uid.Length > 0 ? uid : null, effectiveGroups, extra));
    }

    private void CheckImpersonation(UserInfo caller, string resource, string group, string ns, string name, string subresource)
    {
        var request = new AccessRequest
        {
            User = caller, Verb = "impersonate", Namespace = ns, ApiGroup = group, Resource = resource,
            Subresource = subresource, Name = name,
        };
        AuthorizationResult result = _context.Authorizer.Authorize(request);
        if (!result.Allowed) throw Forbidden(request, result.Reason);
    }

    private void Authorize(RequestInfo info, UserInfo user)
    {
        var request = new AccessRequest
        {
            User = user,
            Verb = info.Verb,
            IsResourceRequest = info.IsResourceRequest,
            Namespace = info.Namespace,
            ApiGroup = info.ApiGroup,
            Resource = info.Resource,
            Subresource = info.Subresource,
            Name = info.Name,
            Path = info.Path,
        };
        AuthorizationResult result = _context.Authorizer.Authorize(request);
        if (!result.Allowed) throw Forbidden(request, result.Reason);
    }

    /// <summary>The 403 of the authorization filter, message built as responsewriters.forbiddenMessage does.</summary>
    public static ApiError Forbidden(AccessRequest request, string reason)
    {
        string who = $"User \"{request.User.Name}\"";
        string message;
        if (!request.IsResourceRequest)
        {
            message = $"{who} cannot {request.Verb} path \"{request.Path}\"";
        }
        else
        {
            string resource = request.Subresource.Length > 0 ? $"{request.Resource}/{request.Subresource}" : request.Resource;
            string scope = request.Namespace.Length > 0 ? $"in the namespace \"{request.Namespace}\"" : "at the cluster scope";
            message = $"{who} cannot {request.Verb} resource \"{resource}\" in API group \"{request.ApiGroup}\" {scope}";
        }
        if (reason.Length > 0) message += ": " + reason;
        return request.IsResourceRequest
            ? ApiError.Forbidden(request.Resource, request.ApiGroup, request.Name, message)
            : new ApiError(403, "Forbidden", $"forbidden: {message}");
    }

    private async Task HandleNonResourceAsync(HttpContext http, RequestInfo info)
    {
        string path = info.Path.Length > 1 ? info.Path.TrimEnd('/') : info.Path;
        string method = http.Request.Method;
        if (method is not ("GET" or "HEAD")) throw ApiError.PathNotFound();
        switch (path)
        {
            case "/healthz" or "/livez" or "/readyz":
            case var p when p.StartsWith("/healthz/", StringComparison.Ordinal) || p.StartsWith("/livez/", StringComparison.Ordinal) || p.StartsWith("/readyz/", StringComparison.Ordinal):
                await HttpIo.WriteTextAsync(http, 200, "ok").ConfigureAwait(false);
                return;
            case "/version":
                await HttpIo.WriteJsonAsync(http, 200, Discovery.Version()).ConfigureAwait(false);
                return;
            case "/.well-known/openid-configuration":
                await HttpIo.WriteJsonAsync(http, 200, _discovery.OpenIdConfiguration()).ConfigureAwait(false);
                return;
            case "/openid/v1/jwks":
                await HttpIo.WriteJsonAsync(http, 200, _context.Tokens.Signer.Jwks(), "application/jwk-set+json").ConfigureAwait(false);
                return;
            case "/openapi/v2":
                await _discovery.WriteOpenApiV2Async(http).ConfigureAwait(false);
                return;
        }
        if (!await _discovery.TryWriteAsync(http, path).ConfigureAwait(false)) throw ApiError.PathNotFound();
    }

    private static void RequireMaster(HttpContext http, UserInfo user, string path, string what)
    {
        if (!ServerAuthorizer.IsMaster(user))
        {
            throw new ApiError(403, "Forbidden",
                $"forbidden: User \"{user.Name}\" cannot {http.Request.Method.ToLowerInvariant()} path \"{path}\": only members of system:masters may change {what}");
        }
    }

    /// <summary>GET/PUT /admin/controllers: {"token":bool}; absent keys keep their value.</summary>
    private async Task HandleControllersAsync(HttpContext http, UserInfo user)
    {
        RequireMaster(http, user, AdminControllersPath, "the controllers");
        switch (http.Request.Method)
        {
            case "GET":
                break;
            case "PUT":
                byte[] body = await HttpIo.ReadBodyAsync(http.Request, http.RequestAborted).ConfigureAwait(false);
                var settings = HttpIo.ParseJson(body) as JsonObject
                    ?? throw ApiError.BadRequest("the controller settings must be a JSON object");
                foreach (var (key, value) in settings)
                {
                    if (key != "token") throw ApiError.BadRequest($"invalid controller settings: unknown controller \"{key}\" (known: token)");
                    if (value?.GetValueKind() is not (System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False))
                    {
                        throw ApiError.BadRequest("invalid controller settings: \"token\" must be true or false");
                    }
                }
                if (settings["token"] is { } token) _context.Controllers.TokenController = token.GetValue<bool>();
                break;
            default:
                throw new ApiError(405, "MethodNotAllowed", $"the server does not allow this method on the requested resource");
        }
        await HttpIo.WriteJsonAsync(http, 200, new JsonObject { ["token"] = _context.Controllers.TokenController }).ConfigureAwait(false);
    }

    private async Task HandleFaultsAsync(HttpContext http, UserInfo user)
    {
        RequireMaster(http, user, AdminFaultsPath, "fault injection");
        switch (http.Request.Method)
        {
            case "GET":
                await HttpIo.WriteJsonAsync(http, 200, _context.Faults.Settings.ToJson()).ConfigureAwait(false);
                return;
            case "PUT":
                byte[] body = await HttpIo.ReadBodyAsync(http.Request, http.RequestAborted).ConfigureAwait(false);
                FaultSettings settings;
                try
                {
                    settings = FaultSettings.FromJson(HttpIo.ParseJson(body) as JsonObject
                        ?? throw ApiError.BadRequest("the fault settings must be a JSON object"), FaultSettings.None);
                }
                catch (Exception e) when (e is InvalidOperationException or FormatException)
                {
                    throw ApiError.BadRequest($"invalid fault settings: {e.Message}");
                }
                if (settings.Validate() is { } problem) throw ApiError.BadRequest($"invalid fault settings: {problem}");
                _context.Faults.Settings = settings;
                await HttpIo.WriteJsonAsync(http, 200, settings.ToJson()).ConfigureAwait(false);
                return;
            default:
                throw new ApiError(405, "MethodNotAllowed", $"the server does not allow this method on the requested resource");
        }
    }
}
