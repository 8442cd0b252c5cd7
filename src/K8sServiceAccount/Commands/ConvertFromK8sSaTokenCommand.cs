using System.Management.Automation;
using K8sServiceAccount.Client;
using K8sServiceAccount.Client.Tokens;
using K8sServiceAccount.Internal;

namespace K8sServiceAccount.Commands;

/// <summary>
/// Decodes ServiceAccount tokens offline: who they are for, their audiences, lifetime and binding. Does NOT verify
/// the signature and contacts no cluster, so the result says what a token claims, not that it is genuine or still
/// accepted (use Test-K8sSaToken for that). The token never appears in errors.
/// </summary>
[Cmdlet(VerbsData.ConvertFrom, "K8sSaToken")]
[OutputType(typeof(K8sSaTokenClaims))]
public sealed class ConvertFromK8sSaTokenCommand : PSCmdlet
{
    /// <summary>The token: a string (a leading "Bearer " is ignored) or a SecureString, such as the Token of Get-K8sSaToken's output.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNull]
    public object Token { get; set; } = string.Empty;

    protected override void ProcessRecord()
    {
        try
        {
            var claims = ServiceAccountTokenDecoder.Decode(ServiceAccountMapping.TokenText(PipelineValue.Unwrap(Token)), DateTimeOffset.UtcNow);
            WriteObject(ServiceAccountMapping.ToClaims(claims));
        }
        catch (K8sClientException e)
        {
            // No target object: it would be the token.
            WriteError(K8sClusterCmdlet.ToErrorRecord(e, null));
        }
    }
}
