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
    private readonly ConcurrentDictionary<long, Entry> entries = new();

    internal bool TryGet(LetterView view, out Entry entry)
    {
        if (entries.TryGetValue(view.Letter.Id, out var found) && found.Matches(view))
        {
            entry = found;
            return true;
        }

        entry = null!;
        return false;
    }

    internal void Store(Entry entry) => entries[entry.Letter.Id] = entry;

    /// <summary>A page as rendered: <see cref="Head"/>, then the request's antiforgery token when there is a form, then <see cref="Tail"/>.</summary>
    internal sealed record Entry(Petition Letter, PublicList List, bool HasForm, byte[] Head, byte[] Tail)
    {
        public bool Matches(LetterView view) =>
            ReferenceEquals(List, view.Signatories) && HasForm == view.Form is not null && SameLetter(Letter, view.Letter);
    }

    /// <summary>Everything of a letter that its page shows (the version alone is not enough: a draft's text changes without one).</summary>
    internal static bool SameLetter(Petition a, Petition b) =>
        ReferenceEquals(a, b)
        || (a.Id == b.Id && a.Slug == b.Slug && a.Version == b.Version && a.Title == b.Title && a.Addressee == b.Addressee
            && a.Place == b.Place && a.Date == b.Date && a.Status == b.Status && a.RequiresReview == b.RequiresReview
            && a.ClosesAt == b.ClosesAt && a.Body == b.Body
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
        var response = http.Response;
        if (cache.TryGet(view, out var cached))
        {
            var token = cached.HasForm ? TokenBytes(http) : [];
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = HtmlContentType;
            response.ContentLength = cached.Head.Length + token.Length + cached.Tail.Length;
            var writer = response.BodyWriter;
            writer.Write(cached.Head.AsSpan());
            writer.Write(token.AsSpan());
            await writer.WriteAsync(cached.Tail, http.RequestAborted);
            return;
        }

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
        if (response.StatusCode == StatusCodes.Status200OK && Split(http, page.Span) is { } entry)
        {
            cache.Store(entry);
        }

        response.ContentLength = page.Length;
        await response.BodyWriter.WriteAsync(page, http.RequestAborted);
    }

    private LetterPageCache.Entry? Split(HttpContext http, ReadOnlySpan<byte> page)
    {
        if (view.Form is null)
        {
            return new LetterPageCache.Entry(view.Letter, view.Signatories, false, page.ToArray(), []);
        }

        // The form rendered this request's token (the antiforgery feature keeps it for the request).
        var token = TokenBytes(http);
        var at = page.IndexOf(token);
        if (token.Length == 0 || at < 0 || page[(at + token.Length)..].IndexOf(token) >= 0)
        {
            return null;
        }

        return new LetterPageCache.Entry(view.Letter, view.Signatories, true, page[..at].ToArray(), page[(at + token.Length)..].ToArray());
    }

    private static byte[] TokenBytes(HttpContext http) =>
        Encoding.UTF8.GetBytes(http.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(http).RequestToken ?? "");
}
