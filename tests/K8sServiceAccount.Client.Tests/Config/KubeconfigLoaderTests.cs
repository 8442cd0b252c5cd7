using K8sServiceAccount.Client.Config;

namespace K8sServiceAccount.Client.Tests.Config;

/// <summary>Which files are read and how they merge (in-memory machine, so every path is exact).</summary>
public sealed class KubeconfigLoaderTests
{
    private const string Home = "/home/fixture";
    private const string DefaultConfig = Home + "/.kube/config";

    private static string Config(string currentContext, params (string Context, string Cluster, string Server, string? Namespace)[] entries)
    {
        var clusters = string.Join('\n', entries.Select(e => $"- name: {e.Cluster}\n  cluster:\n    server: {e.Server}\n    insecure-skip-tls-verify: true"));
        var contexts = string.Join('\n', entries.Select(e => $"- name: {e.Context}\n  context:\n    cluster: {e.Cluster}" + (e.Namespace is null ? string.Empty : $"\n    namespace: {e.Namespace}")));
        return $"apiVersion: v1\nkind: Config\ncurrent-context: \"{currentContext}\"\nclusters:\n{clusters}\ncontexts:\n{contexts}\n";
    }

    private static FakeSystemEnvironment Machine() => new() { HomeDirectory = Home, CurrentDirectory = "/work" };

    [Fact]
    public void Kubeconfig_list_skips_empty_missing_and_duplicate_entries_and_keeps_order()
    {
        var sep = Path.PathSeparator;
        var environment = Machine()
            .AddFile("/cfg/a", Config("", ("a", "a", "https://a", null)))
            .AddFile("/cfg/b", Config("b", ("b", "b", "https://b", null)))
            .Set("KUBECONFIG", $"{sep}/cfg/missing{sep}/cfg/a{sep}{sep}/cfg/a{sep}/cfg/b{sep}");

        var config = KubeconfigLoader.Load(null, environment);

        Assert.Equal(new[] { "/cfg/a", "/cfg/b" }, config.Files);
        Assert.Equal(new[] { "/cfg/a", "/cfg/b" }, environment.FilesRead);
        Assert.Equal("b", config.CurrentContext);
        Assert.Equal(new[] { "a", "b" }, config.Contexts.Select(c => c.Name));
    }

    [Fact]
    public void Relative_kubeconfig_entries_are_relative_to_the_current_directory()
    {
        var environment = Machine().AddFile("/work/conf/k", Config("x", ("x", "x", "https://x", null))).Set("KUBECONFIG", "conf/k");

        Assert.Equal(new[] { "/work/conf/k" }, KubeconfigLoader.Load(null, environment).Files);
    }

    [Fact]
    public void First_file_wins_for_each_entry_and_for_current_context()
    {
        var sep = Path.PathSeparator;
        var environment = Machine()
            .AddFile("/a", Config("from-a", ("shared", "c-a", "https://a", "ns-a")))
            .AddFile("/b", Config("from-b", ("shared", "c-b", "https://b", "ns-b"), ("from-a", "c-a", "https://shadowed", null)))
            .Set("KUBECONFIG", $"/a{sep}/b");

        var config = KubeconfigLoader.Load(null, environment);

        Assert.Equal("from-a", config.CurrentContext);
        var shared = config.FindContext("shared")!;
        Assert.Equal(("c-a", "ns-a", "/a"), (shared.Cluster, shared.Namespace, shared.SourceFile));
        Assert.Equal("https://a", config.Clusters.Single(c => c.Name == "c-a").Server);
        Assert.Equal("/b", config.FindContext("from-a")!.SourceFile);
    }

    [Fact]
    public void Every_listed_file_missing_is_one_error_naming_them()
    {
        var sep = Path.PathSeparator;
        var environment = Machine().AddFile(DefaultConfig, Config("x", ("x", "x", "https://x", null))).Set("KUBECONFIG", $"/nope/1{sep}/nope/2");

        var error = Assert.Throws<KubeconfigException>(() => KubeconfigLoader.Load(null, environment));

        Assert.Equal(ConnectionErrorIds.KubeconfigNotFound, error.ErrorId);
        Assert.Equal(K8sErrorCategory.ObjectNotFound, error.Category);
        Assert.Contains("/nope/1, /nope/2", error.Message);
    }

    [Fact]
    public void Without_kubeconfig_variable_the_home_config_is_read()
    {
        var environment = Machine().AddFile(DefaultConfig, Config("home", ("home", "home", "https://home", null)));

        var config = KubeconfigLoader.Load(null, environment);

        Assert.Equal(new[] { DefaultConfig }, config.Files);
    }

    [Fact]
    public void An_empty_kubeconfig_variable_means_the_home_config()
    {
        var environment = Machine().AddFile(DefaultConfig, Config("home", ("home", "home", "https://home", null))).Set("KUBECONFIG", "");

        Assert.Equal(new[] { DefaultConfig }, KubeconfigLoader.Load(null, environment).Files);
    }

    [Fact]
    public void No_home_config_is_an_error_that_says_where_it_looked()
    {
        var error = Assert.Throws<KubeconfigException>(() => KubeconfigLoader.Load(null, Machine()));

        Assert.Equal(ConnectionErrorIds.KubeconfigNotFound, error.ErrorId);
        Assert.Contains(DefaultConfig, error.Message);
        Assert.Equal(DefaultConfig, error.File);
    }

    [Fact]
    public void Unknown_home_is_reported_as_such()
    {
        var environment = Machine();
        environment.HomeDirectory = null;

        var error = Assert.Throws<KubeconfigException>(() => KubeconfigLoader.Load(null, environment));

        Assert.Contains("HOME is not set", error.Message);
    }

    [Fact]
    public void Explicit_path_is_read_alone_and_not_merged()
    {
        var environment = Machine()
            .AddFile("/explicit", Config("e", ("e", "e", "https://e", null)))
            .AddFile("/listed", Config("l", ("l", "l", "https://l", null)))
            .Set("KUBECONFIG", "/listed");

        var config = KubeconfigLoader.Load("/explicit", environment);

        Assert.Equal(new[] { "/explicit" }, config.Files);
        Assert.Null(config.FindContext("l"));
    }

    [Fact]
    public void Explicit_path_must_exist()
    {
        var environment = Machine().AddFile(DefaultConfig, Config("x", ("x", "x", "https://x", null)));

        var error = Assert.Throws<KubeconfigException>(() => KubeconfigLoader.Load("missing.yaml", environment));

        Assert.Equal(ConnectionErrorIds.KubeconfigNotFound, error.ErrorId);
        Assert.Equal("/work/missing.yaml", error.File);
    }

    [Fact]
    public void Unreadable_file_is_a_read_error_naming_the_file()
    {
        var environment = Machine().AddUnreadableFile("/locked").Set("KUBECONFIG", "/locked");

        var error = Assert.Throws<KubeconfigException>(() => KubeconfigLoader.Load(null, environment));

        Assert.Equal(ConnectionErrorIds.KubeconfigUnreadable, error.ErrorId);
        Assert.Equal(K8sErrorCategory.ReadError, error.Category);
        Assert.Equal("/locked", error.File);
        Assert.IsType<UnauthorizedAccessException>(error.InnerException);
    }

    [Fact]
    public void Names_are_case_sensitive()
    {
        var environment = Machine().AddFile("/k", Config("Prod", ("Prod", "Prod", "https://upper", null), ("prod", "prod", "https://lower", null))).Set("KUBECONFIG", "/k");

        var config = KubeconfigLoader.Load(null, environment);

        Assert.Equal("Prod", config.FindContext("Prod")!.Cluster);
        Assert.Equal("prod", config.FindContext("prod")!.Cluster);
        Assert.Null(config.FindContext("PROD"));
    }

    [Fact]
    public void Users_are_listed_without_credentials()
    {
        var environment = Machine().AddFile("/k", "users:\n- name: admin\n  user:\n    token: SECRET-in-list\n").Set("KUBECONFIG", "/k");

        var config = KubeconfigLoader.Load(null, environment);

        var user = Assert.Single(config.Users);
        Assert.Equal(new KubeconfigUser("admin", "/k"), user);
        Assert.DoesNotContain("SECRET", user.ToString());
    }

    [Fact]
    public void An_edited_file_is_seen_on_the_next_load()
    {
        var path = $"/edited-{Guid.NewGuid():N}";
        var environment = Machine().AddFile(path, Config("x", ("x", "x", "https://before", null))).Set("KUBECONFIG", path);
        Assert.Equal("https://before", KubeconfigLoader.Load(null, environment).Clusters[0].Server);

        environment.AddFile(path, Config("x", ("x", "x", "https://after", null)));
        Assert.Equal("https://after", KubeconfigLoader.Load(null, environment).Clusters[0].Server);

        environment.AddFile(path, "clusters: {{{");
        Assert.Throws<KubeconfigException>(() => KubeconfigLoader.Load(null, environment));
        Assert.Throws<KubeconfigException>(() => KubeconfigLoader.Load(null, environment));
    }
}
