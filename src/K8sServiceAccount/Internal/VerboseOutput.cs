using System.Management.Automation;

namespace K8sServiceAccount.Internal;

/// <summary>
/// Where a cmdlet's verbose line goes. PowerShell runs a compiled cmdlet given -Debug (and not -Verbose) with a
/// VerbosePreference of Inquire: each WriteVerbose then asks "Continue?", and a host without a user (pwsh
/// -NonInteractive, CI, Azure Automation) fails the command instead of asking. Under -Debug the line goes to the debug
/// stream, which -Debug shows without a question; otherwise it is an ordinary verbose line.
/// </summary>
internal static class VerboseOutput
{
    internal static void WriteVerboseLine(this PSCmdlet cmdlet, string text)
    {
        if (DebugWithoutVerbose(cmdlet.MyInvocation.BoundParameters))
        {
            cmdlet.WriteDebug(text);
        }
        else
        {
            cmdlet.WriteVerbose(text);
        }
    }

    /// <summary>-Debug given (and not -Debug:$false) while -Verbose is not: the case where PowerShell would ask.</summary>
    internal static bool DebugWithoutVerbose(IDictionary<string, object> bound) =>
        bound.TryGetValue("Debug", out var debug) && debug is SwitchParameter { IsPresent: true } && !bound.ContainsKey("Verbose");
}
