using K8sServiceAccount.LocalApiServer.Api;

namespace K8sServiceAccount.LocalApiServer.Auth;

/// <summary>Parses system:serviceaccount:NS:NAME user names (§1.4: label namespace, subdomain name).</summary>
public static class ServiceAccountNames
{
    private const string Prefix = "system:serviceaccount:";

    public static bool TryParse(string user, out string ns, out string name)
    {
        ns = name = "";
        if (!user.StartsWith(Prefix, StringComparison.Ordinal)) return false;
        string[] parts = user[Prefix.Length..].Split(':');
        if (parts.Length != 2 || !NameValidation.IsLabel(parts[0]) || !NameValidation.IsSubdomain(parts[1])) return false;
        ns = parts[0];
        name = parts[1];
        return true;
    }
}
