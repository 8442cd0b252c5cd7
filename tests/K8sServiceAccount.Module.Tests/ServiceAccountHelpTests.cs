using System.Xml.Linq;

namespace K8sServiceAccount.Module.Tests;

/// <summary>
/// What the help of the token cmdlets must say in so many words (issue 4), checked in the staged MAML so that it
/// holds where Get-Help cannot run.
/// </summary>
public class ServiceAccountHelpTests
{
    private static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
    private static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";

    private static readonly Lazy<XDocument> Help = new(() =>
        XDocument.Load(Path.Combine(StagedModule.Directory, "en-US", "K8sServiceAccount.dll-Help.xml")));

    [Fact]
    public void GetK8sSaTokenSaysASecureStringIsNotEncryptionAndPlainTextIsReadable()
    {
        var text = HelpText("Get-K8sSaToken");
        Assert.Contains("protects the token against accidental display", text);
        Assert.Contains("it is not encrypted in memory", text);
        Assert.Contains("-AsPlainText the token is a plain string that anyone who sees the output can read", text);
        Assert.Contains("never appears in verbose, debug or error output", text);
    }

    [Fact]
    public void ConvertFromK8sSaTokenSaysItDoesNotVerifySignatures()
    {
        Assert.Contains("It does NOT verify the signature and contacts no cluster", HelpText("ConvertFrom-K8sSaToken"));
    }

    [Fact]
    public void NewK8sSaKubeconfigSaysTheTextHoldsTheTokenAndTheFileIsOwnerOnly()
    {
        var text = HelpText("New-K8sSaKubeconfig");
        Assert.Contains("readable and writable by the owner only", text);
        Assert.Contains("it contains the token, so treat it as a secret", text);
    }

    private static string HelpText(string cmdlet)
    {
        var command = Help.Value.Root!.Elements(Command + "command")
            .Single(c => c.Element(Command + "details")!.Element(Command + "name")!.Value == cmdlet);
        return string.Join(" ", command.Element(Maml + "description")!.Elements(Maml + "para").Select(p => p.Value));
    }
}
