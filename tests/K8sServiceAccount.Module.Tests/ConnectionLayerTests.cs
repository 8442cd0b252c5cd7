using System.Text.Json;
using K8sServiceAccount.Client;
using K8sServiceAccount.Client.Config;
using K8sServiceAccount.Client.Http;
using K8sServiceAccount.Completion;
using K8sServiceAccount.Internal;

namespace K8sServiceAccount.Module.Tests;

/// <summary>
/// The cmdlets' connection logic (selection, session, sharing, output objects, completion) over real kubeconfig
/// files, run from the staged module with the client loaded from Dependencies/ as PowerShell would load it.
/// </summary>
public class ConnectionLayerTests
{
    [Fact]
    public void PerCallParametersChooseTheKubeconfigAndContext()
    {
        using var machine = new TestEnvironment();
        var path = machine.WriteFile("a.yaml", TestEnvironment.TwoContexts());

        var selection = ConnectionSelection.Select(new ConnectionParameters(path, "beta", false), session: null, sessionAllowed: true, machine);
        var info = OutputMapping.ToConnectionInfo(selection.Settings);

        Assert.Null(selection.Handle);
        Assert.Equal(K8sConnectionSource.Parameter, info.Source);
        Assert.Equal("beta", info.Context);
        Assert.Equal("beta-cluster", info.Cluster);
        Assert.Equal("beta-user", info.User);
        Assert.Equal(new Uri("https://beta.example:6443"), info.Server);
        Assert.Equal("default", info.Namespace);
        Assert.Equal(K8sAuthKind.Basic, info.AuthKind);
        Assert.Equal([path], info.KubeconfigFiles);
        Assert.Contains("-Kubeconfig", info.Reason);
    }

    [Fact]
    public void TheSessionWinsOverAutomaticButNotOverParameters()
    {
        using var machine = new TestEnvironment();
        var sessionFile = machine.WriteFile("session.yaml", TestEnvironment.TwoContexts());
        var automaticFile = machine.WriteFile("automatic.yaml", TestEnvironment.TwoContexts(server: "https://automatic.example:6443"));
        machine.Set("KUBECONFIG", automaticFile);

        var connected = ConnectionSelection.Select(new ConnectionParameters(sessionFile, "alpha", false), null, sessionAllowed: false, machine).Settings;
        var sessionSettings = ConnectionSelection.AsSession(connected, K8sConnectionScope.Process, new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
        using var connection = KubernetesConnection.Create(sessionSettings);
        var session = new ConnectionHandle(sessionSettings, connection);

        var fromSession = ConnectionSelection.Select(new ConnectionParameters(null, null, false), session, sessionAllowed: true, machine);
        Assert.Same(connection, fromSession.Handle?.Connection);
        var info = OutputMapping.ToConnectionInfo(fromSession.Settings);
        Assert.Equal(K8sConnectionSource.Session, info.Source);
        Assert.Equal(new Uri("https://alpha.example:6443"), info.Server);
        Assert.StartsWith("Connect-K8sCluster -Scope Process at 2026-01-02 03:04:05Z (Parameter: ", info.Reason);

        // Connect-K8sCluster itself ignores the session it replaces.
        var automatic = ConnectionSelection.Select(new ConnectionParameters(null, null, false), session, sessionAllowed: false, machine);
        Assert.Equal(ConnectionSource.Kubeconfig, automatic.Settings.Source);
        Assert.Equal(new Uri("https://automatic.example:6443"), automatic.Settings.Server);

        // -Context on the call beats the session.
        var perCall = ConnectionSelection.Select(new ConnectionParameters(null, "beta", false), session, sessionAllowed: true, machine);
        Assert.Equal(ConnectionSource.Parameter, perCall.Settings.Source);
        Assert.Equal("beta", perCall.Settings.ContextName);
        Assert.Null(perCall.Handle);
    }

    [Fact]
    public void NamespaceChangesOnlyTheNamespace()
    {
        using var machine = new TestEnvironment();
        var path = machine.WriteFile("a.yaml", TestEnvironment.TwoContexts());
        var settings = ConnectionSelection.Select(new ConnectionParameters(path, null, false), null, true, machine).Settings;
        Assert.Equal(("apps", "context"), (settings.Namespace, settings.NamespaceSource));

        var overridden = ConnectionSelection.WithNamespace(settings, "web");
        Assert.Equal(("web", "parameter"), (overridden.Namespace, overridden.NamespaceSource));
        Assert.Equal(settings.Server, overridden.Server);
        Assert.Same(settings, ConnectionSelection.WithNamespace(settings, null));
        Assert.Same(settings, ConnectionSelection.WithNamespace(settings, ""));

        // One connection serves every namespace.
        Assert.Equal(ConnectionCacheKey.For(settings, ConnectionCacheKey.StampOf), ConnectionCacheKey.For(overridden, ConnectionCacheKey.StampOf));
    }

    [Fact]
    public void NoKubeconfigAndNoPodIsOneErrorThatSaysWhereItLooked()
    {
        using var machine = new TestEnvironment();
        var error = Assert.ThrowsAny<K8sClientException>(() => ConnectionSelection.Select(new ConnectionParameters(null, null, false), null, true, machine));
        var description = ErrorMapping.Describe(error, null);
        Assert.Equal(ConnectionErrorIds.NoClusterConnection, description.ErrorId);
        Assert.Contains(Path.Combine(machine.HomeDirectory!, ".kube", "config"), error.Message);
    }

    [Fact]
    public void AnUnknownContextIsReportedWithTheClientsIdAndTheContextAsTarget()
    {
        using var machine = new TestEnvironment();
        var path = machine.WriteFile("a.yaml", TestEnvironment.TwoContexts());
        var error = Assert.ThrowsAny<K8sClientException>(() => ConnectionSelection.Select(new ConnectionParameters(path, "gamma", false), null, true, machine));
        var description = ErrorMapping.Describe(error, "gamma");
        Assert.Equal(ConnectionErrorIds.KubeconfigContextNotFound, description.ErrorId);
        Assert.Equal("ObjectNotFound", description.CategoryName);
        Assert.Contains("gamma", error.Message);
    }

    [Fact]
    public void AMissingKubeconfigFileIsKubeconfigNotFoundNamingTheFile()
    {
        // Get-K8sContext -Kubeconfig absent.yaml and every cluster cmdlet given the same parameter.
        using var machine = new TestEnvironment();
        var absent = Path.Combine(machine.Root, "absent.yaml");
        var loadError = Assert.ThrowsAny<K8sClientException>(() => KubeconfigLoader.Load(absent, machine));
        var selectError = Assert.ThrowsAny<K8sClientException>(() => ConnectionSelection.Select(new ConnectionParameters(absent, null, false), null, true, machine));
        foreach (var error in new[] { loadError, selectError })
        {
            Assert.Equal((ConnectionErrorIds.KubeconfigNotFound, "ObjectNotFound"), (ErrorMapping.Describe(error, absent).ErrorId, ErrorMapping.Describe(error, absent).CategoryName));
            Assert.Contains(absent, error.Message);
        }
    }

    [Fact]
    public void InClusterWithAKubeconfigIsRejected()
    {
        using var machine = new TestEnvironment();
        var path = machine.WriteFile("a.yaml", TestEnvironment.TwoContexts());
        var error = Assert.ThrowsAny<K8sClientException>(() => ConnectionSelection.Select(new ConnectionParameters(path, null, true), null, true, machine));
        Assert.Equal(("ConnectionRequestInvalid", "InvalidArgument"), (ErrorMapping.Describe(error, null).ErrorId, ErrorMapping.Describe(error, null).CategoryName));
    }

    [Fact]
    public void TheConnectionObjectNeverHoldsASecret()
    {
        using var machine = new TestEnvironment();
        var path = machine.WriteFile("a.yaml", TestEnvironment.TwoContexts(token: "tok-SECRET-4242"));
        foreach (var context in new[] { "alpha", "beta" })
        {
            var info = OutputMapping.ToConnectionInfo(ConnectionSelection.Select(new ConnectionParameters(path, context, false), null, true, machine).Settings);
            var printed = JsonSerializer.Serialize(info) + info;
            Assert.DoesNotContain("tok-SECRET-4242", printed);
            Assert.DoesNotContain("beta-password-value", printed);
        }
    }

    [Fact]
    public void RepeatedResolutionsShareOneConnectionUntilTheFileChanges()
    {
        using var machine = new TestEnvironment();
        var path = machine.WriteFile("shared.yaml", TestEnvironment.TwoContexts(server: "https://shared-" + Guid.NewGuid().ToString("N") + ".example"));
        ResolvedConnection Resolve() => ConnectionSelection.Select(new ConnectionParameters(path, "alpha", false), null, true, machine).Settings;

        var first = ConnectionSelection.ConnectionFor(Resolve());
        Assert.Same(first, ConnectionSelection.ConnectionFor(Resolve()));

        // A rewritten kubeconfig (new token) gets a new connection.
        File.WriteAllText(path, TestEnvironment.TwoContexts(token: "rotated-token-value-longer", server: first.Settings.Server.AbsoluteUri.TrimEnd('/')));
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(1));
        Assert.NotSame(first, ConnectionSelection.ConnectionFor(Resolve()));
    }

    [Fact]
    public void AGivenConnectionBeatsTheSessionKeepsItsClientAndConflictsWithTheOtherConnectionParameters()
    {
        using var machine = new TestEnvironment();
        var path = machine.WriteFile("a.yaml", TestEnvironment.TwoContexts());
        var settings = ConnectionSelection.Select(new ConnectionParameters(path, "beta", false), null, true, machine).Settings;
        using var client = KubernetesConnection.Create(settings);
        var given = new ConnectionHandle(settings, client);
        var session = new ConnectionHandle(ConnectionSelection.Select(new ConnectionParameters(path, "alpha", false), null, true, machine).Settings);

        var chosen = ConnectionSelection.Select(new ConnectionParameters(null, null, false, given), session, sessionAllowed: true, machine);
        Assert.Same(given, chosen.Handle);
        Assert.Same(client, chosen.Handle!.Connection);
        Assert.Equal(ConnectionSource.Parameter, chosen.Settings.Source);
        Assert.StartsWith("-Connection was given (Parameter: ", chosen.Settings.Reason);
        Assert.Equal("beta", chosen.Settings.ContextName);

        var conflict = Assert.Throws<K8sClientException>(() =>
            ConnectionSelection.Select(new ConnectionParameters(path, "alpha", false, given), session, true, machine));
        Assert.Equal("ConnectionParameterConflict", conflict.ErrorId);
        Assert.Equal(K8sErrorCategory.InvalidArgument, conflict.Category);
        Assert.StartsWith("-Connection cannot be used with -Kubeconfig or -Context:", conflict.Message);
    }

    [Fact]
    public void TheProcessSessionIsSeenByEveryRunspaceAndARunspaceSessionOnlyByItsOwn()
    {
        using var machine = new TestEnvironment();
        var path = machine.WriteFile("a.yaml", TestEnvironment.TwoContexts());
        ConnectionHandle Handle(string context) => new(ConnectionSelection.Select(new ConnectionParameters(path, context, false), null, true, machine).Settings);
        object one = new(), two = new();
        var process = Handle("alpha");
        var own = Handle("beta");
        try
        {
            ConnectionSelection.Connect(K8sConnectionScope.Process, one, process);
            Assert.Same(process, ConnectionSelection.SessionOf(one));
            Assert.Same(process, ConnectionSelection.SessionOf(two));
            Assert.Same(process, ConnectionSelection.SessionOf(null));

            ConnectionSelection.Connect(K8sConnectionScope.Runspace, one, own);
            Assert.Same(own, ConnectionSelection.SessionOf(one));
            Assert.Same(process, ConnectionSelection.SessionOf(two));

            // Disconnecting one scope leaves the other; connecting the process again makes it win in the connecting runspace.
            Assert.Equal([K8sConnectionScope.Process], ConnectionSelection.Disconnect(K8sConnectionScope.Process, one).Select(r => r.Scope));
            Assert.Same(own, ConnectionSelection.SessionOf(one));
            Assert.Null(ConnectionSelection.SessionOf(two));
            ConnectionSelection.Connect(K8sConnectionScope.Process, one, process);
            Assert.Same(process, ConnectionSelection.SessionOf(one));

            ConnectionSelection.Connect(K8sConnectionScope.Runspace, two, own);
            Assert.Equal([K8sConnectionScope.Runspace, K8sConnectionScope.Process], ConnectionSelection.Disconnect(null, two).Select(r => r.Scope));
            Assert.Null(ConnectionSelection.SessionOf(one));
            Assert.Empty(ConnectionSelection.Disconnect(null, two));
        }
        finally
        {
            ConnectionSelection.Disconnect(null, one);
            ConnectionSelection.Disconnect(null, two);
        }
    }

    [Fact]
    public void ContextCompletionListsMatchingContextsAndMarksTheCurrentOne()
    {
        using var machine = new TestEnvironment();
        var path = machine.WriteFile("a.yaml", TestEnvironment.TwoContexts());
        var kubeconfig = KubeconfigLoader.Load(path, machine);

        var all = KubeconfigCompletion.Contexts(kubeconfig, "").ToList();
        Assert.Equal(["alpha", "beta"], all.Select(c => c.ListItemText));
        Assert.Contains("(current)", all[0].ToolTip);
        Assert.DoesNotContain("(current)", all[1].ToolTip);
        Assert.Equal(["beta"], KubeconfigCompletion.Contexts(kubeconfig, "B").Select(c => c.CompletionText));
        Assert.Empty(KubeconfigCompletion.Contexts(null, ""));

        Assert.Equal(["apps", "default"], KubeconfigCompletion.Namespaces(kubeconfig));
        Assert.Equal(["default"], KubeconfigCompletion.Namespaces(null));
    }

    [Fact]
    public void ContextsBecomeModuleObjectsWithTheCurrentOneMarked()
    {
        using var machine = new TestEnvironment();
        var path = machine.WriteFile("a.yaml", TestEnvironment.TwoContexts());
        var kubeconfig = KubeconfigLoader.Load(path, machine);
        var contexts = kubeconfig.Contexts.Select(c => OutputMapping.ToContextInfo(c, kubeconfig.CurrentContext, null)).ToList();

        Assert.Equal(["alpha", "beta"], contexts.Select(c => c.Name));
        Assert.Equal([true, false], contexts.Select(c => c.IsCurrent));
        Assert.Equal(("alpha-cluster", "alpha-user", "apps", path), (contexts[0].Cluster, contexts[0].User, contexts[0].Namespace, contexts[0].SourceFile));
        Assert.Null(contexts[1].Namespace);
    }
}
