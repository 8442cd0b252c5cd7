using System.Management.Automation;
using K8sServiceAccount.Client;
using K8sServiceAccount.Client.Api;
using K8sServiceAccount.Internal;
using K8sServiceAccount.Completion;

namespace K8sServiceAccount.Commands;

/// <summary>
/// Lists the long-lived token Secrets (type kubernetes.io/service-account-token) with their ServiceAccount, whether it
/// still exists, their age and the API server's usage labels (kubernetes.io/legacy-token-last-used and
/// kubernetes.io/legacy-token-invalid-since), to find and remove tokens nobody uses. Never outputs a token: it is an
/// inventory, where Get-K8sSaToken -Legacy reads a token out (and creates a Secret when there is none); a separate noun
/// so that a listing never creates anything and pairs with Remove-K8sLegacySaToken.
/// </summary>
[Cmdlet(VerbsCommon.Get, "K8sLegacySaToken")]
[OutputType(typeof(K8sLegacySaTokenInfo))]
public sealed class GetK8sLegacySaTokenCommand : NamespacedObjectCmdletBase
{
    /// <summary>
    /// Only the tokens of these ServiceAccounts: NAME in -Namespace, or NAMESPACE/NAME. Bound from the Name (and Namespace)
    /// of piped ServiceAccounts. All ServiceAccounts' tokens when omitted.
    /// </summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Name")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ServiceAccountCompleter))]
    public string[]? ServiceAccount { get; set; }

    /// <summary>List in every namespace (kubectl -A); -Namespace is then ignored.</summary>
    [Parameter]
    [Alias("A")]
    public SwitchParameter AllNamespaces { get; set; }

    protected override void ProcessRecord()
    {
        if (ServiceAccount is null)
        {
            Stream(AllNamespaces ? null : Settings.Namespace, null);
            return;
        }

        foreach (var text in ServiceAccount)
        {
            try
            {
                if (AllNamespaces && !text.Contains('/', StringComparison.Ordinal))
                {
                    NameValidation.ValidateServiceAccountName(text);
                    Stream(null, text);
                    continue;
                }
                var (ns, name) = ServiceAccountMapping.NamespaceAndName(text, Settings.Namespace);
                Stream(ns, name);
            }
            catch (K8sClientException e)
            {
                WriteErrorFor(e, text);
            }
        }
    }

    private void Stream(string? ns, string? serviceAccount)
    {
        IAsyncEnumerator<LegacyTokenSecret>? items = null;
        try
        {
            items = Invoke((connection, token) => Task.FromResult(
                new TokenOperations(connection, Log).ListLegacyTokensAsync(ns, serviceAccount, token).GetAsyncEnumerator(token)));
            while (MoveNext(items))
            {
                WriteObject(ServiceAccountMapping.ToLegacyTokenInfo(items.Current));
            }
        }
        catch (K8sClientException e)
        {
            WriteErrorFor(e, serviceAccount is null ? ns ?? "(all namespaces)" : $"{ns}/{serviceAccount}");
        }
        finally
        {
            if (items is not null)
            {
                _ = items.DisposeAsync().AsTask();
            }
        }
    }
}
