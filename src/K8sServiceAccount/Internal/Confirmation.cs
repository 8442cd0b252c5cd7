using System.Management.Automation;

namespace K8sServiceAccount.Internal;

/// <summary>
/// ShouldProcess for the commands that confirm by default (Remove-* and Revoke-K8sPermission, ConfirmImpact High), with
/// -Force as Az has it: -Force skips the confirmation prompt, while -WhatIf (or $WhatIfPreference) still only reports
/// and an explicit -Confirm still asks. A prompt the host cannot show (pwsh -NonInteractive) is a terminating error
/// naming -Force rather than a delete that silently does not happen.
/// </summary>
internal static class Confirmation
{
    internal const string ErrorId = "ConfirmationRequired";

    internal static bool ShouldProcess(PSCmdlet cmdlet, bool force, string target, string action)
    {
        var bound = cmdlet.MyInvocation.BoundParameters;
        if (force && !bound.ContainsKey("Confirm") && !WhatIf(cmdlet))
        {
            // What ShouldProcess writes when it does not ask.
            cmdlet.WriteVerboseLine($"Performing the operation \"{action}\" on target \"{target}\".");
            return true;
        }

        try
        {
            return cmdlet.ShouldProcess(target, action);
        }
        catch (PSInvalidOperationException e)
        {
            var message = $"{cmdlet.MyInvocation.MyCommand.Name} asks for confirmation before it does \"{action}\" on \"{target}\", " +
                          "and this session cannot prompt (non-interactive). Add -Force to go ahead without asking, or -WhatIf to see what would be done.";
            cmdlet.ThrowTerminatingError(new ErrorRecord(new PSInvalidOperationException(message, e), ErrorId, ErrorCategory.InvalidOperation, target));
            throw;
        }
    }

    // -WhatIf as given, else $WhatIfPreference (which reaches the command from its caller's scopes).
    private static bool WhatIf(PSCmdlet cmdlet) =>
        cmdlet.MyInvocation.BoundParameters.TryGetValue("WhatIf", out var whatIf)
            ? LanguagePrimitives.IsTrue(whatIf)
            : LanguagePrimitives.IsTrue(cmdlet.GetVariableValue("WhatIfPreference"));
}
