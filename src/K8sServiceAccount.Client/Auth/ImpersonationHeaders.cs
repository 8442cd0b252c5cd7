using System.Text;
using K8sServiceAccount.Client.Config;

namespace K8sServiceAccount.Client.Auth;

/// <summary>
/// kubeconfig "as", "as-groups", "as-uid" and "as-user-extra" as the request headers the API server's
/// impersonation filter reads. The server needs a user whenever groups, uid or extra are set; without one it
/// answers 400, which is the error users should see, so no user is made up here.
/// <para>
/// The server reads each header line as one value and never splits a line at commas, so two groups must go as two
/// <c>Impersonate-Group</c> lines, as kubectl sends them. HttpClient writes the values of a repeated header as one
/// line joined with ", " (over HTTP/1.1 and HTTP/2 alike), which the server would read as one group named
/// "team-a, team-b". So a header with several values is added once, its values joined by <see cref="ValueSeparator"/>,
/// the request goes over HTTP/1.1, and the handler's header encoding (<see cref="EncodingFor"/>) writes each separator
/// as the end of the line and the start of the next line of the same header.
/// </para>
/// </summary>
internal static class ImpersonationHeaders
{
    public const string User = "Impersonate-User";
    public const string Group = "Impersonate-Group";
    public const string Uid = "Impersonate-Uid";
    public const string ExtraPrefix = "Impersonate-Extra-";

    /// <summary>Stands between the values of one header until it is written (a control character no value may hold).</summary>
    internal const char ValueSeparator = '\u0001';

    /// <summary>
    /// Adds the impersonation headers; true when one of them has several values, so the request must be sent over
    /// HTTP/1.1 (see the class remarks). A value no header line can carry (a control character such as a line break)
    /// is an <c>InvalidImpersonation</c> error naming the header and the kubeconfig field.
    /// </summary>
    public static bool Apply(HttpRequestMessage request, Impersonation? impersonation)
    {
        if (impersonation is null)
        {
            return false;
        }

        var headers = request.Headers;
        if (!string.IsNullOrEmpty(impersonation.UserName))
        {
            Add(headers, User, "as", [impersonation.UserName]);
        }

        if (!string.IsNullOrEmpty(impersonation.Uid))
        {
            Add(headers, Uid, "as-uid", [impersonation.Uid]);
        }

        var several = Add(headers, Group, "as-groups", impersonation.Groups);
        foreach (var (key, values) in impersonation.Extra)
        {
            several |= Add(headers, ExtraPrefix + EscapeKey(key), $"as-user-extra.{key}", values);
        }

        return several;
    }

    /// <summary>
    /// The handler's RequestHeaderEncodingSelector: for an impersonation header, UTF-8 (as kubectl sends a user or group
    /// name such as "josé"; HttpClient's default refuses any non-ASCII header value), writing
    /// <see cref="ValueSeparator"/> as a new line of the same header (only requests sent over HTTP/1.1 carry one);
    /// otherwise the default.
    /// </summary>
    internal static System.Text.Encoding? EncodingFor(string headerName, HttpRequestMessage request) =>
        headerName.StartsWith("Impersonate-", StringComparison.OrdinalIgnoreCase) ? new LineSplittingEncoding(headerName) : null;

    private static bool Add(System.Net.Http.Headers.HttpRequestHeaders headers, string name, string field, IReadOnlyList<string> values)
    {
        foreach (var value in values)
        {
            if (value.Any(char.IsControl))
            {
                throw new K8sClientException("InvalidImpersonation", K8sErrorCategory.InvalidArgument,
                    $"{name} cannot carry \"{string.Concat(value.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()))}\" " +
                    $"(the kubeconfig's {field}, or the identity a check impersonates): it holds a control character, which no request header line can.");
            }
        }

        switch (values.Count)
        {
            case 0:
                return false;
            case 1:
                headers.TryAddWithoutValidation(name, values[0]);
                return false;
            default:
                headers.TryAddWithoutValidation(name, string.Join(ValueSeparator, values));
                return true;
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

    /// <summary>
    /// UTF-8, except that <see cref="ValueSeparator"/> is written as CR LF and "NAME: ", so that the values of one header
    /// go on lines of their own. Only ever writes (HttpClient encodes request headers with it; it decodes nothing).
    /// </summary>
    private sealed class LineSplittingEncoding(string headerName) : System.Text.Encoding
    {
        private readonly byte[] lineBreak = System.Text.Encoding.ASCII.GetBytes("\r\n" + headerName + ": ");

        public override int GetByteCount(char[] chars, int index, int count)
        {
            var separators = chars.AsSpan(index, count).Count(ValueSeparator);
            return UTF8.GetByteCount(chars, index, count) + separators * (lineBreak.Length - 1);
        }

        public override int GetBytes(char[] chars, int charIndex, int charCount, byte[] bytes, int byteIndex)
        {
            var start = byteIndex;
            var rest = chars.AsSpan(charIndex, charCount);
            while (true)
            {
                var end = rest.IndexOf(ValueSeparator);
                var part = end < 0 ? rest : rest[..end];
                byteIndex += UTF8.GetBytes(part, bytes.AsSpan(byteIndex));
                if (end < 0)
                {
                    return byteIndex - start;
                }

                lineBreak.CopyTo(bytes, byteIndex);
                byteIndex += lineBreak.Length;
                rest = rest[(end + 1)..];
            }
        }

        public override int GetMaxByteCount(int charCount) => (charCount + 1) * Math.Max(lineBreak.Length, 3);

        public override int GetCharCount(byte[] bytes, int index, int count) => throw new NotSupportedException();

        public override int GetChars(byte[] bytes, int byteIndex, int byteCount, char[] chars, int charIndex) => throw new NotSupportedException();

        public override int GetMaxCharCount(int byteCount) => throw new NotSupportedException();
    }
}
