namespace K8sServiceAccount.KubernetesClient.Tests;

/// <summary>KubernetesClient is a test-only judge: nothing shipped may reference it (DESIGN.md, "Target and dependencies").</summary>
public sealed class NeverShippedTests
{
    [Fact]
    public void No_project_under_src_references_KubernetesClient()
    {
        string root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "K8sServiceAccount.sln"))) root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("no K8sServiceAccount.sln above the test");
        string[] projects = Directory.GetFiles(Path.Combine(root, "src"), "*.csproj", SearchOption.AllDirectories);
        Assert.NotEmpty(projects);
        Assert.All(projects, p => Assert.DoesNotContain("KubernetesClient", File.ReadAllText(p), StringComparison.OrdinalIgnoreCase));
        string staged = Path.Combine(root, "out", "K8sServiceAccount");
        if (Directory.Exists(staged))
        {
            Assert.Empty(Directory.GetFiles(staged, "KubernetesClient*.dll", SearchOption.AllDirectories));
        }
    }
}
