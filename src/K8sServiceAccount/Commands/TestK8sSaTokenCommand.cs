using System.Management.Automation;
using K8sServiceAccount.Client;
using K8sServiceAccount.Client.Api;
using K8sServiceAccount.Internal;

namespace K8sServiceAccount.Commands;

/// <summary>
/// Asks the API server whether it accepts tokens (a TokenReview) and as whom. A rejected token is a result with
/// Authenticated $false and the server's reason, not an error. The caller needs create on tokenreviews
/// (ClusterRole system:auth-delegator).
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "K8sSaToken")]
[OutputType(typeof(K8sSaTokenReview))]
public sealed class TestK8sSaTokenCommand : K8sClusterCmdlet
{
    /// <summary>The token: a string or a SecureString, such as the Token of Get-K8sSaToken's output.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNull]
    public object Token { get; set; } = string.Empty;

    /// <summary>Audiences to check the token against; the API server's own when omitted.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Audience { get; set; }

    protected override void ProcessRecord()
    {
        try
        {
            var token = ServiceAccountMapping.TokenText(PipelineValue.Unwrap(Token));
            var review = Invoke((connection, cancellation) => new AuthenticationOperations(connection).ReviewTokenAsync(token, Audience, cancellation));
            WriteObject(ServiceAccountMapping.ToReview(review));
        }
        catch (K8sClientException e)
        {
            // No target object: it would be the token.
            WriteErrorFor(e, null);
        }
    }
}
