namespace K8sServiceAccount.Integration.Tests.LocalApiServer;

/// <summary>
/// A fact that needs kubectl 1.28: skipped with one line when it is not installed, except in CI
/// (CI=true), where the test runs and fails on the missing binary.
/// </summary>
public sealed class KubectlFactAttribute : FactAttribute
{
    public KubectlFactAttribute()
    {
        if (!File.Exists(Kubectl.Path) &&
            !string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Skip = $"kubectl 1.28 is not installed at {Kubectl.Path}; the kubectl fidelity suite needs it.";
        }
    }
}

/// <summary>A theory that needs kubectl 1.28, skipped or failing as <see cref="KubectlFactAttribute"/>.</summary>
public sealed class KubectlTheoryAttribute : TheoryAttribute
{
    public KubectlTheoryAttribute()
    {
        if (!File.Exists(Kubectl.Path) &&
            !string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Skip = $"kubectl 1.28 is not installed at {Kubectl.Path}; the kubectl fidelity suite needs it.";
        }
    }
}
