using K8sServiceAccount.Client.Config;
using System.Text;
using System.Text.Json;

namespace K8sServiceAccount.Client.Tokens;

/// <summary>
/// Decodes ServiceAccount tokens (JWTs) into their claims. The signature is NOT verified and the token is not checked against
/// the cluster: the result describes what the token says, not whether it is accepted. Errors never contain the token or any
/// part of it.
/// </summary>
public static class ServiceAccountTokenDecoder
{
    public const string LegacyIssuer = "kubernetes/serviceaccount";
    private const string LegacyPrefix = "kubernetes.io/serviceaccount/";

    /// <summary>Decodes <paramref name="jwt"/> (a leading <c>Bearer </c> and surrounding white space are ignored).</summary>
    /// <param name="jwt">The token; it is never copied into exceptions.</param>
    /// <param name="now">The time against which <see cref="DecodedServiceAccountToken.IsExpired"/> is computed.</param>
    /// <exception cref="K8sClientException">
    /// <c>TokenNotJwt</c>: not a three-part JWS with base64url JSON header and payload;
    /// <c>TokenClaimInvalid</c>: a claim has the wrong type;
    /// <c>TokenNotServiceAccount</c>: a JWT without ServiceAccount claims.
    /// </exception>
    public static DecodedServiceAccountToken Decode(string jwt, DateTimeOffset now)
    {
        try
        {
            return DecodeCore(jwt, now);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or ArgumentException or OverflowException)
        {
            // Whatever a hostile token makes the JSON reader throw is still a typed error about the token, never its text.
            throw NotJwt("its header or claims cannot be read.");
        }
    }

    private static DecodedServiceAccountToken DecodeCore(string jwt, DateTimeOffset now)
    {
        var token = (jwt ?? "").Trim();
        if (token.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            token = token[7..].Trim();
        }
        if (token.Length == 0)
        {
            throw NotJwt("the value is empty.");
        }
        var parts = token.Split('.');
        if (parts.Length != 3)
        {
            throw NotJwt(parts.Length == 5
                ? "it has five dot-separated parts, which is an encrypted JWE, not a signed token."
                : $"a JWT has three dot-separated parts (header.payload.signature), this value has {parts.Length}.");
        }
        using var header = ParseJsonPart(parts[0], "header");
        using var payload = ParseJsonPart(parts[1], "payload");
        if (parts[2].Length == 0)
        {
            throw NotJwt("the signature part is empty (an unsigned JWT is never a ServiceAccount token).");
        }
        if (!IsBase64Url(parts[2]))
        {
            throw NotJwt("the signature part is not base64url.");
        }

        var claims = payload.RootElement;
        var kubernetes = claims.TryGetProperty("kubernetes.io", out var k8s) ? k8s : (JsonElement?)null;
        var issuer = GetString(claims, "iss");
        ServiceAccountTokenFormat format;
        if (kubernetes is not null)
        {
            if (kubernetes.Value.ValueKind != JsonValueKind.Object)
            {
                throw ClaimInvalid("kubernetes.io", "an object");
            }
            format = ServiceAccountTokenFormat.Bound;
        }
        else if (issuer == LegacyIssuer || claims.TryGetProperty(LegacyPrefix + "namespace", out _))
        {
            format = ServiceAccountTokenFormat.Legacy;
        }
        else
        {
            throw new K8sClientException("TokenNotServiceAccount", K8sErrorCategory.InvalidData,
                $"The token is a JWT but not a Kubernetes ServiceAccount token: it has neither a \"kubernetes.io\" claim nor the legacy \"{LegacyPrefix}*\" claims (issuer: {(issuer is null ? "none" : "\"" + MessageText.Untrusted(issuer) + "\"")}).");
        }

        var expiresAt = GetTime(claims, "exp");
        var notBefore = GetTime(claims, "nbf");
        if (format == ServiceAccountTokenFormat.Legacy)
        {
            return new DecodedServiceAccountToken
            {
                Format = format,
                Algorithm = GetString(header.RootElement, "alg"),
                KeyId = GetString(header.RootElement, "kid"),
                Issuer = issuer,
                Subject = GetString(claims, "sub"),
                Audiences = GetAudiences(claims),
                IssuedAt = GetTime(claims, "iat"),
                NotBefore = notBefore,
                ExpiresAt = expiresAt,
                JwtId = GetString(claims, "jti"),
                Namespace = GetString(claims, LegacyPrefix + "namespace"),
                ServiceAccount = GetString(claims, LegacyPrefix + "service-account.name"),
                ServiceAccountUid = GetString(claims, LegacyPrefix + "service-account.uid"),
                SecretName = GetString(claims, LegacyPrefix + "secret.name"),
                IsExpired = expiresAt <= now,
                IsNotYetValid = notBefore > now,
                RemainingLifetime = expiresAt - now,
            };
        }

        var k = kubernetes!.Value;
        var serviceAccount = GetReference(k, "serviceaccount", "ServiceAccount");
        var pod = GetReference(k, "pod", "Pod");
        var secret = GetReference(k, "secret", "Secret");
        var node = GetReference(k, "node", "Node");
        return new DecodedServiceAccountToken
        {
            Format = format,
            Algorithm = GetString(header.RootElement, "alg"),
            KeyId = GetString(header.RootElement, "kid"),
            Issuer = issuer,
            Subject = GetString(claims, "sub"),
            Audiences = GetAudiences(claims),
            IssuedAt = GetTime(claims, "iat"),
            NotBefore = notBefore,
            ExpiresAt = expiresAt,
            WarnAfter = GetTime(k, "warnafter", "kubernetes.io.warnafter"),
            JwtId = GetString(claims, "jti"),
            Namespace = GetString(k, "namespace", "kubernetes.io.namespace"),
            ServiceAccount = serviceAccount?.Name,
            ServiceAccountUid = serviceAccount?.Uid,
            // One binding at most; a pod-bound token also names the pod's node.
            BoundObject = pod ?? secret ?? node,
            Node = pod is not null ? node : null,
            IsExpired = expiresAt <= now,
            IsNotYetValid = notBefore > now,
            RemainingLifetime = expiresAt - now,
        };
    }

    private static JsonDocument ParseJsonPart(string part, string what)
    {
        byte[] bytes;
        try
        {
            bytes = Base64UrlDecode(part);
        }
        catch (FormatException)
        {
            throw NotJwt($"the {what} is not base64url.");
        }
        try
        {
            var document = JsonDocument.Parse(bytes, DocumentLimits.StrictJsonOptions);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                document.Dispose();
                throw NotJwt($"the {what} is not a JSON object.");
            }
            if (DocumentLimits.FindJsonProblem(document.RootElement) is { } problem)
            {
                // Checked here so no claim read later fails with an untyped exception.
                document.Dispose();
                throw NotJwt($"the {what} is not valid JSON: {problem}.");
            }
            return document;
        }
        catch (JsonException e)
        {
            throw NotJwt(e.Message.Contains("depth", StringComparison.Ordinal)
                ? $"the {what} is nested more than {DocumentLimits.MaxDepth} levels deep."
                : $"the {what} is not JSON.");
        }
    }

    private static bool IsBase64Url(string value)
    {
        foreach (var c in value.TrimEnd('='))
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>base64url without padding (padding tolerated).</summary>
    internal static byte[] Base64UrlDecode(string value)
    {
        var trimmed = value.TrimEnd('=');
        if (!IsBase64Url(trimmed) || trimmed.Length % 4 == 1)
        {
            throw new FormatException("Not base64url.");
        }
        var builder = new StringBuilder(trimmed.Length + 3);
        foreach (var c in trimmed)
        {
            builder.Append(c switch { '-' => '+', '_' => '/', _ => c });
        }
        builder.Append('=', (4 - trimmed.Length % 4) % 4);
        return Convert.FromBase64String(builder.ToString());
    }

    private static string? GetString(JsonElement obj, string name, string? claimPath = null)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw ClaimInvalid(claimPath ?? name, "a string");
    }

    private static DateTimeOffset? GetTime(JsonElement obj, string name, string? claimPath = null)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var seconds) || !double.IsFinite(seconds)
            || seconds < -62135596800d || seconds > 253402300799d)
        {
            throw ClaimInvalid(claimPath ?? name, "a number of seconds since 1970");
        }
        return DateTimeOffset.UnixEpoch.AddTicks((long)(seconds * TimeSpan.TicksPerSecond));
    }

    private static IReadOnlyList<string> GetAudiences(JsonElement claims)
    {
        if (!claims.TryGetProperty("aud", out var aud) || aud.ValueKind == JsonValueKind.Null)
        {
            return [];
        }
        if (aud.ValueKind == JsonValueKind.String)
        {
            return [aud.GetString()!];
        }
        if (aud.ValueKind != JsonValueKind.Array)
        {
            throw ClaimInvalid("aud", "a string or a list of strings");
        }
        var result = new List<string>();
        foreach (var item in aud.EnumerateArray())
        {
            result.Add(item.ValueKind == JsonValueKind.String ? item.GetString()! : throw ClaimInvalid("aud", "a string or a list of strings"));
        }
        return result;
    }

    private static BoundObjectReference? GetReference(JsonElement kubernetes, string claim, string kind)
    {
        if (!kubernetes.TryGetProperty(claim, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw ClaimInvalid("kubernetes.io." + claim, "an object with name and uid");
        }
        return new BoundObjectReference(kind, GetString(value, "name", $"kubernetes.io.{claim}.name") ?? "", GetString(value, "uid", $"kubernetes.io.{claim}.uid"));
    }

    private static K8sClientException NotJwt(string why)
        => new("TokenNotJwt", K8sErrorCategory.InvalidArgument, "The token is not a JWT: " + why);

    private static K8sClientException ClaimInvalid(string claim, string expected)
        => new("TokenClaimInvalid", K8sErrorCategory.InvalidData, $"The token's \"{claim}\" claim is not {expected}.");
}
