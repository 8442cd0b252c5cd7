using System.Text;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;
using static K8sServiceAccount.Client.Config.YamlValues;

namespace K8sServiceAccount.Client.Config;

/// <summary>One kubeconfig file as parsed, before merging.</summary>
internal sealed class KubeconfigDocument
{
    public static KubeconfigDocument Empty(string file) => new() { File = file };

    public required string File { get; init; }

    public string? CurrentContext { get; init; }

    public IReadOnlyList<KubeconfigContext> Contexts { get; init; } = Array.Empty<KubeconfigContext>();

    public IReadOnlyList<ClusterEntry> Clusters { get; init; } = Array.Empty<ClusterEntry>();

    public IReadOnlyList<UserEntry> Users { get; init; } = Array.Empty<UserEntry>();
}

/// <summary>
/// Reads one kubeconfig file (clientcmd v1 schema) into entries, with kubectl's typing and checks:
/// unknown fields are ignored, wrong types, duplicate names and bad base64 are errors naming the field.
/// Relative file references are resolved against the file's own directory.
/// </summary>
internal static class KubeconfigParser
{
    public const string ExecExtensionName = "client.authentication.k8s.io/exec";

    /// <param name="content">The file's bytes.</param>
    /// <param name="file">The file's absolute path (used for messages and to resolve relative references).</param>
    public static KubeconfigDocument Parse(byte[] content, string file)
    {
        var root = LoadRoot(content, file);
        if (root is null)
        {
            return KubeconfigDocument.Empty(file);
        }

        if (root is not YamlMappingNode map)
        {
            throw Invalid(
                file,
                null,
                $"couldn't get version/kind: the file holds a YAML {Describe(KindOf(root))}, not a kubeconfig mapping (apiVersion: v1, kind: Config)");
        }

        var apiVersion = ReadString(map, "apiVersion", file, string.Empty);
        var kind = ReadString(map, "kind", file, string.Empty);
        if (apiVersion is not null && apiVersion != "v1")
        {
            throw Invalid(file, "apiVersion", $"no kind \"{kind ?? "Config"}\" is registered for version \"{apiVersion}\" (a kubeconfig has apiVersion: v1)");
        }

        if (kind is not null && kind != "Config")
        {
            throw Invalid(file, "kind", $"no kind \"{kind}\" is registered for version \"v1\" (a kubeconfig has kind: Config)");
        }

        var directory = Path.GetDirectoryName(file) ?? string.Empty;
        return new KubeconfigDocument
        {
            File = file,
            CurrentContext = ReadString(map, "current-context", file, string.Empty),
            Clusters = ReadNamedList(map, "clusters", "cluster", file, (entry, name, index, prefix) => ReadCluster(entry, name, index, prefix, file, directory)),
            Users = ReadNamedList(map, "users", "user", file, (entry, name, index, prefix) => ReadUser(entry, name, index, prefix, file, directory)),
            Contexts = ReadNamedList(map, "contexts", "context", file, (entry, name, _, prefix) => new KubeconfigContext(
                name,
                entry is null ? null : ReadString(entry, "cluster", file, prefix),
                entry is null ? null : ReadString(entry, "user", file, prefix),
                entry is null ? null : ReadString(entry, "namespace", file, prefix),
                file)),
        };
    }

    /// <summary>A path as written, resolved like client-go: relative paths are joined to the file's directory and cleaned.</summary>
    public static FileReference? ResolveReference(string? written, string directory)
    {
        if (written is null)
        {
            return null;
        }

        var resolved = Path.IsPathRooted(written) ? written : Path.GetFullPath(Path.Combine(directory, written));
        return new FileReference(written, resolved);
    }

    private static YamlNode? LoadRoot(byte[] content, string file)
    {
        if (content.Length == 0)
        {
            return null;
        }

        try
        {
            using var reader = new StreamReader(new MemoryStream(content, writable: false), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
            var stream = DocumentLimits.LoadYaml(reader);
            return stream.Documents.Count == 0 ? null : stream.Documents[0].RootNode;
        }
        catch (YamlException e)
        {
            // YamlDotNet prefixes the message with the position; keep the reason and give the line as kubectl does.
            var reason = e.Message;
            var split = reason.LastIndexOf("): ", StringComparison.Ordinal);
            if (split >= 0)
            {
                reason = reason[(split + 3)..];
            }

            var line = Math.Max(e.Start.Line, e.End.Line);
            throw Invalid(file, null, line > 0 ? $"yaml: line {line}: {reason}" : $"yaml: {reason}", e);
        }
    }

    private static IReadOnlyList<T> ReadNamedList<T>(
        YamlMappingNode root,
        string listKey,
        string itemKey,
        string file,
        Func<YamlMappingNode?, string, int, string, T> read)
    {
        var sequence = ReadArray(Child(root, listKey), file, listKey);
        if (sequence is null || sequence.Children.Count == 0)
        {
            return Array.Empty<T>();
        }

        var result = new List<T>(sequence.Children.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < sequence.Children.Count; i++)
        {
            var itemField = $"{listKey}[{i}]";
            var item = ReadObject(sequence.Children[i], file, itemField);
            if (item is null)
            {
                continue;
            }

            var name = ReadString(item, "name", file, itemField + ".") ?? string.Empty;
            if (!seen.Add(name))
            {
                throw Invalid(file, itemField + ".name", $"duplicate name \"{name}\" in list {listKey}");
            }

            var prefix = $"{itemField}.{itemKey}.";
            var body = ReadObject(Child(item, itemKey), file, itemField + "." + itemKey);
            result.Add(read(body, name, i, prefix));
        }

        return result;
    }

    private static ClusterEntry ReadCluster(YamlMappingNode? cluster, string name, int index, string prefix, string file, string directory)
    {
        if (cluster is null)
        {
            return new ClusterEntry { Name = name, SourceFile = file, Index = index };
        }

        return new ClusterEntry
        {
            Name = name,
            SourceFile = file,
            Index = index,
            Server = ReadString(cluster, "server", file, prefix),
            TlsServerName = ReadString(cluster, "tls-server-name", file, prefix),
            InsecureSkipTlsVerify = ReadBool(cluster, "insecure-skip-tls-verify", file, prefix),
            CertificateAuthority = ResolveReference(ReadString(cluster, "certificate-authority", file, prefix), directory),
            CertificateAuthorityData = ReadBase64(cluster, "certificate-authority-data", file, prefix),
            ProxyUrl = ReadString(cluster, "proxy-url", file, prefix),
            DisableCompression = ReadBool(cluster, "disable-compression", file, prefix),
            ExecExtensionJson = ReadExecExtension(cluster, file, prefix),
        };
    }

    private static string? ReadExecExtension(YamlMappingNode cluster, string file, string prefix)
    {
        var extensions = ReadArray(Child(cluster, "extensions"), file, prefix + "extensions");
        if (extensions is null)
        {
            return null;
        }

        for (var i = 0; i < extensions.Children.Count; i++)
        {
            var itemField = $"{prefix}extensions[{i}]";
            var item = ReadObject(extensions.Children[i], file, itemField);
            if (item is not null && ReadString(item, "name", file, itemField + ".") == ExecExtensionName)
            {
                var extension = Child(item, "extension");
                return extension is null || KindOf(extension) == YamlValueKind.Null ? null : ToJson(extension);
            }
        }

        return null;
    }

    private static UserEntry ReadUser(YamlMappingNode? user, string name, int index, string prefix, string file, string directory)
    {
        if (user is null)
        {
            return new UserEntry { Name = name, SourceFile = file, Index = index };
        }

        string? authProvider = null;
        var authProviderNode = ReadObject(Child(user, "auth-provider"), file, prefix + "auth-provider");
        if (authProviderNode is not null)
        {
            authProvider = ReadString(authProviderNode, "name", file, prefix + "auth-provider.") ?? string.Empty;
        }

        return new UserEntry
        {
            Name = name,
            SourceFile = file,
            Index = index,
            Token = ReadString(user, "token", file, prefix),
            TokenFile = ResolveReference(ReadString(user, "tokenFile", file, prefix), directory),
            ClientCertificate = ResolveReference(ReadString(user, "client-certificate", file, prefix), directory),
            ClientCertificateData = ReadBase64(user, "client-certificate-data", file, prefix),
            ClientKey = ResolveReference(ReadString(user, "client-key", file, prefix), directory),
            ClientKeyData = ReadBase64(user, "client-key-data", file, prefix),
            Username = ReadString(user, "username", file, prefix),
            Password = ReadString(user, "password", file, prefix),
            Impersonate = ReadString(user, "as", file, prefix),
            ImpersonateUid = ReadString(user, "as-uid", file, prefix),
            ImpersonateGroups = ReadStringList(user, "as-groups", file, prefix),
            ImpersonateUserExtra = ReadUserExtra(user, file, prefix),
            AuthProviderName = authProvider,
            Exec = ReadExec(user, file, prefix, directory),
        };
    }

    private static IReadOnlyDictionary<string, IReadOnlyList<string>> ReadUserExtra(YamlMappingNode user, string file, string prefix)
    {
        var extra = ReadObject(Child(user, "as-user-extra"), file, prefix + "as-user-extra");
        var result = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        if (extra is null)
        {
            return result;
        }

        foreach (var pair in extra.Children)
        {
            var key = (pair.Key as YamlScalarNode)?.Value ?? string.Empty;
            result[key] = ReadStringList(pair.Value, file, $"{prefix}as-user-extra.{key}");
        }

        return result;
    }

    private static ExecEntry? ReadExec(YamlMappingNode user, string file, string prefix, string directory)
    {
        var execField = prefix + "exec";
        var exec = ReadObject(Child(user, "exec"), file, execField);
        if (exec is null)
        {
            return null;
        }

        var execPrefix = execField + ".";
        var command = ReadString(exec, "command", file, execPrefix);

        // client-go resolves the command only when it is a path, not a name looked up on PATH.
        var resolvedCommand = command is not null && command.Contains(Path.DirectorySeparatorChar)
            ? ResolveReference(command, directory)!.Value.Resolved
            : command;

        var env = new List<KeyValuePair<string?, string>>();
        var envList = ReadArray(Child(exec, "env"), file, execPrefix + "env");
        if (envList is not null)
        {
            for (var i = 0; i < envList.Children.Count; i++)
            {
                var itemField = $"{execPrefix}env[{i}]";
                var item = ReadObject(envList.Children[i], file, itemField);
                if (item is not null)
                {
                    env.Add(new KeyValuePair<string?, string>(
                        ReadString(item, "name", file, itemField + "."),
                        ReadString(item, "value", file, itemField + ".") ?? string.Empty));
                }
            }
        }

        return new ExecEntry
        {
            Command = resolvedCommand,
            CommandWritten = command,
            Args = ReadStringList(exec, "args", file, execPrefix),
            Env = env,
            ApiVersion = ReadString(exec, "apiVersion", file, execPrefix),
            InstallHint = ReadString(exec, "installHint", file, execPrefix),
            ProvideClusterInfo = ReadBool(exec, "provideClusterInfo", file, execPrefix),
            InteractiveMode = ReadString(exec, "interactiveMode", file, execPrefix),
        };
    }

    private static KubeconfigException Invalid(string file, string? field, string reason, Exception? inner = null) =>
        new(
            ConnectionErrorIds.KubeconfigInvalid,
            K8sErrorCategory.InvalidData,
            $"error loading config file \"{file}\": {(field is null ? string.Empty : field + ": ")}{reason}",
            file,
            field,
            inner);
}
