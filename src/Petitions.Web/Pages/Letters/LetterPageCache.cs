using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Petitions.Petitions;
using Petitions.Signatures;

namespace Petitions.Pages.Letters;

/// <summary>
/// Each letter's public page (GET /petitions/{slug}) as Razor rendered it, in UTF-8, kept between requests:
/// Razor runs again only when the letter's text or settings, its public list (<see cref="PublicListCache"/>
/// gives a new <see cref="PublicList"/> when it changes) or the presence of the sign-on form changed.
/// </summary>
/// <remarks>
/// <para>The only part of the page that differs between requests is the sign-on form's antiforgery token: the
/// page is kept in two pieces, before and after it, and each request's own token
/// (<see cref="IAntiforgery.GetAndStoreTokens"/>, which also sets the cookie and the no-cache headers) is written
/// between them.</para>
/// <para>Writing the kept bytes in one go is what makes a page of 10,000 organisations cheap: through Razor the
/// list's HTML is copied into the view buffers, then into the response writer's characters, then encoded to
/// UTF-8 in 16 KB pieces, each one an asynchronous flush, on every request.</para>
/// </remarks>
public sealed class LetterPageCache
{
    private readonly ConcurrentDictionary<(long, string), Entry> entries = new();

    internal bool TryGet(LetterView view, out Entry entry)
    {
        if (entries.TryGetValue(Key(view), out var found) && found.Matches(view))
        {
            entry = found;
            return true;
        }

        entry = null!;
        return false;
    }

    internal void Store(Entry entry) => entries[(entry.Letter.Id, entry.Language)] = entry;

    /// <summary>Whether the page may be served from, and kept in, the cache: only a page that anyone may be given.</summary>
    internal static bool Keeps(LetterView view) => view.IsPublic;

    // One page per letter and language: the interface around the letter is in the reader's language.
    private static (long, string) Key(LetterView view) => (view.Letter.Id, System.Globalization.CultureInfo.CurrentUICulture.Name);

    /// <summary>Forgets every kept page (the list listener reconnected: what changed meanwhile is unknown).</summary>
    public void Clear() => entries.Clear();

    private readonly ConcurrentDictionary<(long, string), Rendering> renderings = new();

    /// <summary>
    /// One rendering of a letter's page at a time: true, with a rendering to finish, for the first request that
    /// misses; false, with the one under way, for those that come while it runs (they wait for it rather than all
    /// running Razor at once when a list changes under load).
    /// </summary>
    internal bool BeginRendering(LetterView view, out Rendering rendering)
    {
        var mine = new Rendering(view);
        while (true)
        {
            if (renderings.TryAdd(Key(view), mine))
            {
                rendering = mine;
                return true;
            }

            if (renderings.TryGetValue(Key(view), out var running))
            {
                rendering = running;
                return false;
            }
        }
    }

    internal void EndRendering(Rendering rendering, Entry? entry)
    {
        renderings.TryRemove(new KeyValuePair<(long, string), Rendering>((rendering.View.Letter.Id, rendering.Language), rendering));
        rendering.Done.TrySetResult(entry);
    }

    internal sealed class Rendering(LetterView view)
    {
        public LetterView View { get; } = view;

        public string Language { get; } = System.Globalization.CultureInfo.CurrentUICulture.Name;

        public TaskCompletionSource<Entry?> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>A page as rendered: <see cref="Head"/>, then the request's antiforgery token when there is a form, then <see cref="Tail"/>.</summary>
    /// <remarks>
    /// The times of a letter (opening, list publication, closing) are in the view as what they make of the page at the
    /// request's time (the form, the names, "closed on"), so a page kept at 11:59:59 is not the one asked for at 12:00:00
    /// on any node. Preview and coordinator pages are never kept (<see cref="LetterView.IsPublic"/>).
    /// </remarks>
    internal sealed record Entry(Petition Letter, PublicList List, bool HasForm, byte[] Head, byte[] Tail, string Language, IReadOnlyList<string> Languages,
        bool ListHidden = false, DateTimeOffset? ClosedAt = null)
    {
        // The languages too: the switcher and the alternate links name them.
        public bool Matches(LetterView view) =>
            view.IsPublic && ReferenceEquals(List, view.Signatories) && Language == System.Globalization.CultureInfo.CurrentUICulture.Name && HasForm == view.Form is not null
            && ListHidden == view.ListHidden && ClosedAt == view.ClosedAt
            && SameLetter(Letter, view.Letter) && Languages.SequenceEqual(view.Languages);
    }

    /// <summary>Everything of a letter that its page shows (the version alone is not enough: a draft's text changes without one).</summary>
    internal static bool SameLetter(Petition a, Petition b) =>
        ReferenceEquals(a, b)
        || (a.Id == b.Id && a.Slug == b.Slug && a.Version == b.Version && a.Title == b.Title && a.Addressee == b.Addressee
            && a.Place == b.Place && a.Date == b.Date && a.Status == b.Status && a.RequiresReview == b.RequiresReview
            && a.ClosesAt == b.ClosesAt && a.Body == b.Body && a.Language == b.Language
            && a.OpensAt == b.OpensAt && a.ListPublishedAt == b.ListPublishedAt && a.Origins.SequenceEqual(b.Origins)
            && a.DemandGroups.Count == b.DemandGroups.Count
            && a.DemandGroups.Zip(b.DemandGroups).All(p => p.First.Lead == p.Second.Lead && p.First.Demands.SequenceEqual(p.Second.Demands))
            && a.Footnotes.SequenceEqual(b.Footnotes));
}

/// <summary>
/// The letter page, from <see cref="LetterPageCache"/> when it holds this page, else rendered by Razor (into
/// memory, then kept).
/// </summary>
internal sealed class CachedLetterPageResult(LetterPageCache cache, LetterView view) : PageResult
{
    private const string HtmlContentType = "text/html; charset=utf-8";

    public override async Task ExecuteResultAsync(ActionContext context)
    {
        var http = context.HttpContext;
        if (cache.TryGet(view, out var cached))
        {
            await WriteAsync(http, cached);
            return;
        }

        if (!cache.BeginRendering(view, out var rendering))
        {
            // Another request is rendering this letter's page: its result, when it is this page.
            if (await rendering.Done.Task.WaitAsync(http.RequestAborted) is { } rendered && rendered.Matches(view))
            {
                await WriteAsync(http, rendered);
                return;
            }

            rendering = null;
        }

        try
        {
            await RenderAsync(context, rendering);
        }
        finally
        {
            if (rendering is not null)
            {
                // Ended already when the page was kept; this is for a failed rendering.
                cache.EndRendering(rendering, null);
            }
        }
    }

    private static async Task WriteAsync(HttpContext http, LetterPageCache.Entry cached)
    {
        var response = http.Response;
        var token = cached.HasForm ? TokenBytes(http) : [];
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = HtmlContentType;
        response.ContentLength = cached.Head.Length + token.Length + cached.Tail.Length;
        var writer = response.BodyWriter;
        writer.Write(cached.Head.AsSpan());
        writer.Write(token.AsSpan());
        await writer.WriteAsync(cached.Tail, http.RequestAborted);
    }

    /// <summary>Razor's page, into memory, then to the response; kept when it is the page of a letter with its token found once.</summary>
    private async Task RenderAsync(ActionContext context, LetterPageCache.Rendering? rendering)
    {
        var http = context.HttpContext;
        var response = http.Response;
        var original = response.Body;
        using var buffer = new MemoryStream(64 * 1024 + view.Signatories.Count * 64);
        response.Body = buffer;
        try
        {
            await base.ExecuteResultAsync(context);
        }
        finally
        {
            response.Body = original;
        }

        var page = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
        var entry = response.StatusCode == StatusCodes.Status200OK && LetterPageCache.Keeps(view) ? Split(http, page.Span) : null;
        if (entry is not null)
        {
            cache.Store(entry);
        }

        if (rendering is not null)
        {
            // Those waiting need not wait for this response to be sent.
            cache.EndRendering(rendering, entry);
        }

        response.ContentLength = page.Length;
        await response.BodyWriter.WriteAsync(page, http.RequestAborted);
    }

    private LetterPageCache.Entry? Split(HttpContext http, ReadOnlySpan<byte> page)
    {
        if (view.Form is null)
        {
            return new LetterPageCache.Entry(view.Letter, view.Signatories, false, page.ToArray(), [], System.Globalization.CultureInfo.CurrentUICulture.Name, view.Languages,
                view.ListHidden, view.ClosedAt);
        }

        // The form rendered this request's token (the antiforgery feature keeps it for the request).
        var token = TokenBytes(http);
        var at = page.IndexOf(token);
        if (token.Length == 0 || at < 0 || page[(at + token.Length)..].IndexOf(token) >= 0)
        {
            return null;
        }

        return new LetterPageCache.Entry(view.Letter, view.Signatories, true, page[..at].ToArray(), page[(at + token.Length)..].ToArray(), System.Globalization.CultureInfo.CurrentUICulture.Name, view.Languages,
                view.ListHidden, view.ClosedAt);
    }

    private static byte[] TokenBytes(HttpContext http) =>
        Encoding.UTF8.GetBytes(http.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(http).RequestToken ?? "");
}
