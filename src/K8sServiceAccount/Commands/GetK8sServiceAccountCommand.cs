using System.Management.Automation;
using K8sServiceAccount.Client;
using K8sServiceAccount.Client.Api;
using K8sServiceAccount.Client.Models;
using K8sServiceAccount.Internal;
using K8sServiceAccount.Completion;

namespace K8sServiceAccount.Commands;

/// <summary>
/// Gets ServiceAccounts. A name without wildcards is one GET (a missing one is an ObjectNotFound error, also when
/// it is looked for across namespaces or with a selector); otherwise the ServiceAccounts are listed page by page
/// (limit/continue) and each page is written as soon as it arrives. A wildcard that matches nothing writes nothing.
/// </summary>
[Cmdlet(VerbsCommon.Get, "K8sServiceAccount")]
[OutputType(typeof(K8sServiceAccountInfo))]
public sealed class GetK8sServiceAccountCommand : NamespacedObjectCmdletBase
{
    /// <summary>
    /// Names of the ServiceAccounts to get; wildcards allowed (matched case-insensitively). All when omitted. A name without
    /// wildcards that no ServiceAccount can have (not a DNS-1123 subdomain) is an InvalidServiceAccountName error.
    /// </summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(ObjectNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>
    /// A workload from Get-K8sWorkload, piped: gets the ServiceAccount it runs as (in its namespace), not one named like
    /// the workload (its Name would otherwise bind to -Name by property name).
    /// </summary>
    [Parameter(ValueFromPipeline = true, DontShow = true)]
    public K8sWorkloadInfo? Workload { get; set; }

    /// <summary>Get ServiceAccounts in every namespace (kubectl -A); -Namespace is then ignored.</summary>
    [Parameter]
    [Alias("A")]
    public SwitchParameter AllNamespaces { get; set; }

    /// <summary>A label selector as kubectl takes it, e.g. 'app=web,tier!=db' or 'env in (prod,staging)'; evaluated by the server.</summary>
    [Parameter]
    [Alias("l", "Selector")]
    [ValidateNotNullOrEmpty]
    public string? LabelSelector { get; set; }

    /// <summary>How many objects to ask for per page (kubectl's --chunk-size, default 500).</summary>
    [Parameter]
    [ValidateRange(1, 10000)]
    public int PageSize { get; set; } = ServiceAccountOperations.DefaultPageSize;

    protected override void ProcessRecord()
    {
        if (Workload is { } workload)
        {
            Stream(workload.Namespace, NamePattern.Parse(workload.ServiceAccountName), workload.ServiceAccount);
            return;
        }

        var ns = AllNamespaces ? null : Settings.Namespace;
        if (Name is null)
        {
            Stream(ns, null, ns ?? "(all namespaces)");
            return;
        }

        foreach (var name in Name)
        {
            NamePattern pattern;
            try
            {
                pattern = NamePattern.Parse(name);
                if (!pattern.IsWildcard)
                {
                    // A name no ServiceAccount can have is a typo, not something to look for (a GET would say "not found").
                    NameValidation.ValidateServiceAccountName(pattern.Literal);
                }
            }
            catch (K8sClientException e)
            {
                WriteErrorFor(e, name);
                continue;
            }

            Stream(ns, pattern, ns is null ? name : ns + "/" + name);
        }
    }

    // Writes each object as soon as its page has arrived: the next page is requested once the pipeline has taken half of
    // the current one (ListPager), and Select-Object -First or Ctrl+C ends the listing at once.
    private void Stream(string? ns, NamePattern? pattern, string target)
    {
        IAsyncEnumerator<ServiceAccount>? items = null;
        try
        {
            items = Invoke((connection, token) => Task.FromResult(
                new ServiceAccountOperations(connection, Log).FindAsync(ns, pattern, LabelSelector, PageSize, token).GetAsyncEnumerator(token)));
            var written = 0;
            while (MoveNext(items))
            {
                WriteObject(ServiceAccountMapping.ToServiceAccountInfo(items.Current));
                written++;
            }

            if (written == 0 && pattern is { IsWildcard: false })
            {
                // A plain name was listed (across namespaces or with a selector) and is not there: as missing as a
                // 404 from a GET, so the same id; a wildcard that matches nothing is not an error.
                var where = ns is null ? "in any namespace" : $"in namespace {ns}";
                var selector = LabelSelector is null ? "" : $" matching label selector '{LabelSelector}'";
                WriteError(new ErrorRecord(
                    new ItemNotFoundException($"serviceaccounts \"{pattern.Literal}\" not found {where}{selector}"),
                    "KubernetesNotFound",
                    ErrorCategory.ObjectNotFound,
                    target));
            }
        }
        catch (K8sClientException e)
        {
            WriteErrorFor(e, target);
        }
        finally
        {
            if (items is not null)
            {
                // Ends an unfinished list (Select-Object -First, Ctrl+C) without waiting for more pages.
                _ = items.DisposeAsync().AsTask();
            }
        }
    }
}
