using System.Runtime.CompilerServices;
using System.Text.Json.Serialization.Metadata;
using K8sServiceAccount.Client.Http;
using K8sServiceAccount.Client.Models;

namespace K8sServiceAccount.Client.Api;

/// <summary>
/// Lists a collection page by page (limit/continue, as kubectl does with --chunk-size) and yields each
/// item as soon as its page has arrived. The first object is out after one round trip. Once the caller has
/// taken half of a page, the next page is fetched in the background while it works through the rest, so the
/// client's decoding and the server's serving overlap (client-go's pager buffers pages the same way); at most two
/// pages are held. A caller that wants fewer items than half a page (Select-Object -First 10 of a 500-item page)
/// never makes the server serve a second page, and one that stops later cancels the page in flight.
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

        using var prefetchCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // async, so that an error surfaces where the page is awaited, even from a transport that throws at once.
        async Task<TList> FetchAsync(string? continueToken) => await transport.GetAsync(
            ApiPath.WithQuery(
                collectionPath,
                ("continue", continueToken),
                ("fieldSelector", fieldSelector),
                ("labelSelector", labelSelector),
                ("limit", pageSize.ToString(System.Globalization.CultureInfo.InvariantCulture))),
            listType,
            prefetchCancellation.Token).ConfigureAwait(false);

        string? continueToken = null;
        var yielded = 0L;
        Task<TList>? pending = FetchAsync(null);
        try
        {
            while (true)
            {
                TList page;
                try
                {
                    page = await pending!.ConfigureAwait(false);
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

                continueToken = listMeta(page)?.Continue;
                var hasNext = !string.IsNullOrEmpty(continueToken);
                pending = null;
                var pageItems = items(page);
                // Taking the item after this index shows the caller wants more than half the page: fetch the next one meanwhile.
                var prefetchAfter = Math.Max(0, pageItems.Count / 2 - 1);
                for (var index = 0; index < pageItems.Count; index++)
                {
                    yielded++;
                    yield return pageItems[index];
                    if (index == prefetchAfter && hasNext)
                    {
                        pending = FetchAsync(continueToken);
                    }
                }

                if (!hasNext)
                {
                    yield break;
                }

                // An empty page (or one whose first item was the last taken) has not started the next fetch yet.
                pending ??= FetchAsync(continueToken);
            }
        }
        finally
        {
            if (pending is not null)
            {
                // The caller stopped early with the next page requested: cancel it, and observe how it ends so a
                // failure nobody will read is not reported as unobserved.
                prefetchCancellation.Cancel();
                _ = pending.ContinueWith(
                    static t => _ = t.Exception,
                    CancellationToken.None,
                    TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
                    TaskScheduler.Default);
            }
        }
    }
}
