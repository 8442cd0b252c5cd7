using System.Text;
using K8sServiceAccount.Client.Config;

namespace K8sServiceAccount.Client.Auth;

/// <summary>
/// kubeconfig "as", "as-groups", "as-uid" and "as-user-extra" as the request headers the API server's
/// impersonation filter reads. The server needs a user whenever groups, uid or extra are set; without one it
/// answers 400, which is the error users should see, so no user is made up here.
/// </summary>
internal static class ImpersonationHeaders
{
    public const string User = "Impersonate-User";
    public const string Group = "Impersonate-Group";
    public const string Uid = "Impersonate-Uid";
    public const string ExtraPrefix = "Impersonate-Extra-";

    public static void Apply(HttpRequestMessage request, Impersonation? impersonation)
    {
        if (impersonation is null)
        {
            return;
        }

        var headers = request.Headers;
        if (!string.IsNullOrEmpty(impersonation.UserName))
        {
            headers.TryAddWithoutValidation(User, impersonation.UserName);
        }

        if (!string.IsNullOrEmpty(impersonation.Uid))
        {
            headers.TryAddWithoutValidation(Uid, impersonation.Uid);
        }

        foreach (var group in impersonation.Groups)
        {
            headers.TryAddWithoutValidation(Group, group);
        }

        foreach (var (key, values) in impersonation.Extra)
        {
            var name = ExtraPrefix + EscapeKey(key);
            foreach (var value in values)
            {
                headers.TryAddWithoutValidation(name, value);
            }
        }
    }

    /// <summary>
    /// Percent-encodes every byte of the UTF-8 key that is not an HTTP token character, and '%' itself, as
    /// client-go does ("example.com/scopes" is sent as "Impersonate-Extra-example.com%2Fscopes"); the server unescapes it.
    /// </summary>
    public static string EscapeKey(string key)
    {
        var builder = new StringBuilder(key.Length);
        foreach (var b in Encoding.UTF8.GetBytes(key))
        {
            if (IsTokenByte(b) && b != (byte)'%')
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }

    // RFC 7230 token characters.
    private static bool IsTokenByte(byte b) =>
        b is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or >= (byte)'0' and <= (byte)'9'
            || "!#$%&'*+-.^_`|~".Contains((char)b);
}
