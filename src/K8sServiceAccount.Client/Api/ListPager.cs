using System.Runtime.CompilerServices;
using System.Text.Json.Serialization.Metadata;
using K8sServiceAccount.Client.Http;
using K8sServiceAccount.Client.Models;

namespace K8sServiceAccount.Client.Api;

/// <summary>
/// Lists a collection page by page (limit/continue, as kubectl does with --chunk-size) and yields each
/// item as soon as its page has arrived: the next page is requested only when the caller asks for the
/// item after the last one of the current page, so memory stays at one page and the first object is out
/// after one round trip.
/// </summary>
internal static class ListPager
{
    public static async IAsyncEnumerable<TItem> ListAsync<TList, TItem>(
        IKubernetesTransport transport,
        string collectionPath,
        string? labelSelector,
        string? fieldSelector,
        int pageSize,
        JsonTypeInfo<TList> listType,
        Func<TList, IReadOnlyList<TItem>> items,
        Func<TList, ListMeta?> listMeta,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (pageSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(pageSize), pageSize, "The page size must be at least 1.");
        }

        string? continueToken = null;
        var yielded = 0L;
        do
        {
            var path = ApiPath.WithQuery(
                collectionPath,
                ("continue", continueToken),
                ("fieldSelector", fieldSelector),
                ("labelSelector", labelSelector),
                ("limit", pageSize.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            TList page;
            try
            {
                page = await transport.GetAsync(path, listType, cancellationToken).ConfigureAwait(false);
            }
            catch (KubernetesApiException e) when (e.StatusCode == 410 && continueToken is not null)
            {
                // The snapshot behind the continue token was compacted away. Starting over would repeat the
                // items already written to the pipeline, so say what happened instead.
                throw new K8sClientException(
                    "ListContinueExpired",
                    K8sErrorCategory.ResourceUnavailable,
                    $"Listing {collectionPath} stopped after {yielded} items: the server no longer holds the list it was paging through ({e.Message}). " +
                    "Run the command again, or use a larger page size so the list is read in fewer requests.",
                    e)
                {
                    Target = collectionPath,
                };
            }

            foreach (var item in items(page))
            {
                yielded++;
                yield return item;
            }

            continueToken = listMeta(page)?.Continue;
        }
        while (!string.IsNullOrEmpty(continueToken));
    }
}
