using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

using K8sServiceAccount.LocalApiServer.Api;

namespace K8sServiceAccount.LocalApiServer.Tokens;

/// <summary>
/// Signs and verifies ServiceAccount JWTs with the server's RSA key (RS256), as kube-apiserver's
/// --service-account-signing-key-file does. The key id is base64url(SHA-256(DER SubjectPublicKeyInfo)).
/// </summary>
public sealed class ServiceAccountTokenSigner : IDisposable
{
    private const string KeyFile = "sa.key";
    private readonly RSA _key;
    // RSA instances are not documented as thread-safe; signing and verifying are serialized.
    private readonly object _keyGate = new();
    private readonly byte[] _headerSegment;

    private ServiceAccountTokenSigner(RSA key)
    {
        _key = key;
        KeyId = Base64Url.EncodeToString(SHA256.HashData(key.ExportSubjectPublicKeyInfo()));
        // Header keys as go-jose writes them: alg then kid, no typ.
        _headerSegment = Encoding.ASCII.GetBytes(Base64Url.EncodeToString(
            Encoding.UTF8.GetBytes($"{{\"alg\":\"RS256\",\"kid\":\"{KeyId}\"}}")));
    }

    public string KeyId { get; }

    /// <summary>A fresh 2048-bit key, or the one kept in <paramref name="stateDirectory"/>.</summary>
    public static ServiceAccountTokenSigner LoadOrCreate(string? stateDirectory)
    {
        var key = RSA.Create(2048);
        if (stateDirectory is not null)
        {
            string path = Path.Combine(stateDirectory, KeyFile);
            if (File.Exists(path))
            {
                key.ImportFromPem(File.ReadAllText(path));
            }
            else
            {
                Directory.CreateDirectory(stateDirectory);
                Pki.CertificateAuthority.WritePrivateFile(path, key.ExportPkcs8PrivateKeyPem());
            }
        }
        return new ServiceAccountTokenSigner(key);
    }

    /// <summary>Signs <paramref name="claims"/> (written with sorted keys, like the API server).</summary>
    public string Sign(JsonObject claims)
    {
        byte[] payload = Json.ToUtf8(SortKeys(claims)!);
        string signingInput = Encoding.ASCII.GetString(_headerSegment) + "." + Base64Url.EncodeToString(payload);
        byte[] signature;
        lock (_keyGate) signature = _key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return signingInput + "." + Base64Url.EncodeToString(signature);
    }

    /// <summary>The claims of <paramref name="token"/> when it is a well-formed JWT signed by this key; otherwise null.</summary>
    public JsonObject? Verify(string token)
    {
        int firstDot = token.IndexOf('.');
        int secondDot = firstDot < 0 ? -1 : token.IndexOf('.', firstDot + 1);
        if (firstDot <= 0 || secondDot < 0 || token.IndexOf('.', secondDot + 1) >= 0) return null;
        try
        {
            JsonNode? header = JsonNode.Parse(Base64Url.DecodeFromChars(token.AsSpan(0, firstDot)));
            if (header?["alg"]?.GetValue<string>() != "RS256") return null;
            string? kid = header["kid"]?.GetValue<string>();
            if (kid is not null && kid != KeyId) return null;
            byte[] signature = Base64Url.DecodeFromChars(token.AsSpan(secondDot + 1));
            bool valid;
            lock (_keyGate) valid = _key.VerifyData(Encoding.ASCII.GetBytes(token, 0, secondDot), signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            if (!valid) return null;
            return JsonNode.Parse(Base64Url.DecodeFromChars(token.AsSpan(firstDot + 1, secondDot - firstDot - 1))) as JsonObject;
        }
        catch (Exception e) when (e is FormatException or JsonException or InvalidOperationException or CryptographicException)
        {
            return null;
        }
    }

    /// <summary>The JSON Web Key Set that /openid/v1/jwks serves.</summary>
    public JsonObject Jwks()
    {
        RSAParameters parameters = _key.ExportParameters(false);
        return new JsonObject
        {
            ["keys"] = new JsonArray(new JsonObject
            {
                ["use"] = "sig",
                ["kty"] = "RSA",
                ["kid"] = KeyId,
                ["alg"] = "RS256",
                ["n"] = Base64Url.EncodeToString(parameters.Modulus),
                ["e"] = Base64Url.EncodeToString(parameters.Exponent),
            }),
        };
    }

    private static JsonNode? SortKeys(JsonNode? node) => node switch
    {
        JsonObject obj => new JsonObject(obj.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => KeyValuePair.Create(p.Key, SortKeys(p.Value?.DeepClone())))),
        _ => node?.DeepClone(),
    };

    public void Dispose() => _key.Dispose();
}
