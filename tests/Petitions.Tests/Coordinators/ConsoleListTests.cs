using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Petitions.Tests.Support;

namespace Petitions.Tests.Coordinators;

/// <summary>
/// The console's list of a letter: 50 rows a page along a cursor, search, filters with counts and
/// two orders; and bulk decisions in the review queue.
/// </summary>
public sealed partial class ConsoleListTests
{
    private const string Letter = "/coordinators/petitions/iap-2017";

    private PetitionsApp app = null!;
    private HttpClient coordinator = null!;

    [SetUp]
    public async Task StartApp()
    {
        app = new PetitionsApp();
        coordinator = await Coordinator.ClientAsync(app);
    }

    [TearDown]
    public void StopApp()
    {
        coordinator.Dispose();
        app.Dispose();
    }

    [Test]
    public async Task FollowingNextShowsEverySignatureOnceFiftyAtATimeNewestFirst()
    {
        var newest = await Coordinator.SignatureInStateAsync(app, "pending", "Newest Organisation", "n@newest.example.org");
        var all = await RecordsAsync();

        var (pages, ids) = await WalkAsync(Letter);

        Assert.That(pages, Is.EqualTo(new[] { 50, 50, 31 }));
        Assert.That(ids, Is.EquivalentTo(all.Select(r => r.Id)), "every signature once");
        Assert.That(ids[0], Is.EqualTo(newest), "newest first");
        var expected = all.OrderByDescending(r => r.SignedAt, StringComparer.Ordinal).ThenByDescending(r => r.Id).Select(r => r.Id);
        Assert.That(ids, Is.EqualTo(expected));
    }

    [Test]
    public async Task ByNameTheOrderIgnoresCaseAndAccentsAndPagesContinueIt()
    {
        var (pages, ids) = await WalkAsync($"{Letter}?sort=name&status=listed");
        var names = (await RecordsAsync()).ToDictionary(r => r.Id, r => r.Organisation);

        Assert.That(pages, Is.EqualTo(new[] { 50, 50, 30 }));
        var keys = ids.Select(id => Fold(names[id])).ToList();
        Assert.That(keys, Is.Ordered.Using((IComparer<string>)StringComparer.Ordinal), string.Join(" | ", ids.Select(id => names[id])));
    }

    [Test]
    public async Task SearchFindsANameWhateverItsCaseAndAccents()
    {
        var html = await coordinator.GetStringAsync($"{Letter}?q=JUSTICA");

        Assert.That(Organisations(html), Does.Contain("Justiça Global"));
        Assert.That(Organisations(html).All(n => Fold(n).Contains("justica", StringComparison.Ordinal)), Is.True, string.Join(" | ", Organisations(html)));
        var nothing = await coordinator.GetStringAsync($"{Letter}?q=no+such+organisation+anywhere");
        Assert.That(Organisations(nothing), Is.Empty);
        Assert.That(nothing, Does.Contain("No signature matches."));
    }

    [Test]
    public async Task TheFiltersOfferEachChoiceWithItsCountAndNarrowTheList()
    {
        await Coordinator.SignatureInStateAsync(app, "confirmed", "Filter Organisation", "f@filter.example.org");
        var all = await RecordsAsync();
        var html = WebUtility.HtmlDecode(await coordinator.GetStringAsync(Letter));

        Assert.That(html, Does.Contain($">listed ({all.Count(r => r.Status == "listed")})</option>"));
        Assert.That(html, Does.Contain($">confirmed ({all.Count(r => r.Status == "confirmed")})</option>"));
        var brazil = all.Count(r => r.Country == "BR");
        Assert.That(brazil, Is.GreaterThan(0));
        Assert.That(html, Does.Contain($"<option value=\"BR\">Brazil ({brazil})</option>"));
        var international = all.Count(r => r.Country is null);
        Assert.That(html, Does.Contain($"<option value=\"international\">No country (international) ({international})</option>"));

        var (_, inBrazil) = await WalkAsync($"{Letter}?country=br");
        Assert.That(inBrazil, Is.EquivalentTo(all.Where(r => r.Country == "BR").Select(r => r.Id)));
        var (_, withoutCountry) = await WalkAsync($"{Letter}?country=international");
        Assert.That(withoutCountry, Is.EquivalentTo(all.Where(r => r.Country is null).Select(r => r.Id)));
        var (_, confirmed) = await WalkAsync($"{Letter}?status=confirmed");
        Assert.That(confirmed, Is.EquivalentTo(all.Where(r => r.Status == "confirmed").Select(r => r.Id)));
        var flag = all.SelectMany(r => r.Flags).GroupBy(f => f).First();
        Assert.That(html, Does.Contain($"<option value=\"{flag.Key}\">{flag.Key} ({flag.Count()})</option>"));
        var (_, flagged) = await WalkAsync($"{Letter}?flag={flag.Key}");
        Assert.That(flagged, Is.EquivalentTo(all.Where(r => r.Flags.Contains(flag.Key)).Select(r => r.Id)));
    }

    [TestCase("sort=size", "sort")]
    [TestCase("status=maybe", "status")]
    [TestCase("country=XX", "country")]
    [TestCase("flag=%3Cb%3E", "flag")]
    public async Task ABadFilterIsA400NamingItsField(string query, string field)
    {
        using var response = await coordinator.GetAsync($"{Letter}?{query}");
        var html = await response.Content.ReadAsStringAsync();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(html, Does.Contain($"<a href=\"#filter-{field}\">"));
        Assert.That(html, Does.Contain($"id=\"filter-{field}\""), "the link leads to a field of the form");
    }

    [Test]
    public async Task AMadeUpCursorIsA400ThatOffersTheFirstPage()
    {
        using var response = await coordinator.GetAsync($"{Letter}?after=not-a-cursor");
        var html = await response.Content.ReadAsStringAsync();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(html, Does.Contain("<a href=\"#all\">That page is not one this list gave: start again from the first page.</a>"));
        Assert.That(Organisations(html), Has.Count.EqualTo(50), "the first page is shown below");
    }

    [Test]
    public async Task BulkApprovalListsEveryTickedSignOnAndComesBackToTheQueue()
    {
        var first = await Coordinator.SignatureInStateAsync(app, "confirmed", "Bulk One Organisation", "a@bulk-one.example.org");
        var second = await Coordinator.SignatureInStateAsync(app, "confirmed", "Bulk Two Organisation", "b@bulk-two.example.org");
        var untouched = await Coordinator.SignatureInStateAsync(app, "confirmed", "Bulk Untouched Organisation", "c@bulk-three.example.org");
        var queue = await coordinator.GetStringAsync(Letter);
        Assert.That(queue, Does.Contain($"name=\"ids\" value=\"{first}\" form=\"bulk\""));

        using var response = await PostAsync($"{Letter}?handler=bulk", ("ids", $"{first}"), ("ids", $"{second}"), ("decision", "approve"));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.SeeOther));
        Assert.That(response.Headers.Location?.ToString(), Is.EqualTo($"{Letter}?done=approved&count=2&skipped=0#review"));
        Assert.That(await StatusAsync(first), Is.EqualTo("listed"));
        Assert.That(await StatusAsync(second), Is.EqualTo("listed"));
        Assert.That(await StatusAsync(untouched), Is.EqualTo("confirmed"));
        Assert.That(await coordinator.GetStringAsync(response.Headers.Location!.ToString()), Does.Contain("Approved 2 sign-ons: listed."));

        using var again = await PostAsync($"{Letter}?handler=bulk", ("ids", $"{first}"), ("ids", $"{untouched}"), ("decision", "approve"));
        Assert.That(again.Headers.Location?.ToString(), Is.EqualTo($"{Letter}?done=approved&count=1&skipped=1#review"), "one was decided already");
    }

    [Test]
    public async Task BulkRejectionNeedsAReasonAndAConfirmationBeforeAnythingChanges()
    {
        var first = await Coordinator.SignatureInStateAsync(app, "confirmed", "Spam One Organisation", "a@spam-one.example.org");
        var second = await Coordinator.SignatureInStateAsync(app, "confirmed", "Spam Two Organisation", "b@spam-two.example.org");

        using var reasonless = await PostAsync($"{Letter}?handler=bulk", ("ids", $"{first}"), ("ids", $"{second}"), ("decision", "reject"), ("reason", " "));
        Assert.That(reasonless.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await reasonless.Content.ReadAsStringAsync(), Does.Contain("<a href=\"#bulk-reason\">Give the reason for rejecting"));

        using var asked = await PostAsync($"{Letter}?handler=bulk", ("ids", $"{first}"), ("ids", $"{second}"), ("decision", "reject"), ("reason", "Spam"));
        var confirmation = WebUtility.HtmlDecode(await asked.Content.ReadAsStringAsync());
        Assert.That(asked.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(confirmation, Does.Contain("Reject these 2 sign-ons?"));
        Assert.That(confirmation, Does.Contain("<li>Spam One Organisation</li>").And.Contain("<li>Spam Two Organisation</li>"));
        Assert.That(await StatusAsync(first), Is.EqualTo("confirmed"), "nothing is recorded before the confirmation");

        using var done = await PostAsync(
            $"{Letter}?handler=bulk", ("ids", $"{first}"), ("ids", $"{second}"), ("decision", "reject"), ("reason", "Spam"), ("confirm", "yes"));
        Assert.That(done.Headers.Location?.ToString(), Is.EqualTo($"{Letter}?done=rejected&count=2&skipped=0#review"));
        Assert.That(await StatusAsync(first), Is.EqualTo("rejected"));
        Assert.That(await StatusAsync(second), Is.EqualTo("rejected"));
        var detail = await coordinator.GetFromJsonAsync<JsonElement>($"/api/petitions/iap-2017/signatures/{second}");
        Assert.That(detail.GetProperty("signature").GetProperty("rejectionReason").GetString(), Is.EqualTo("Spam"));
    }

    [Test]
    public async Task AnotherLettersSignatureCannotBeDecidedInBulk()
    {
        await Coordinator.AddLetterAsync(app, "other-letter");
        var mine = await Coordinator.SignatureInStateAsync(app, "confirmed", "Scoped Organisation", "s@scoped.example.org");

        using var response = await PostAsync("/coordinators/petitions/other-letter?handler=bulk", ("ids", $"{mine}"), ("decision", "approve"));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("a ticked sign-on is not on this letter"));
        Assert.That(await StatusAsync(mine), Is.EqualTo("confirmed"));
    }

    // Accents, case and punctuation ignored, as a reader skimming a list of names expects.
    private static string Fold(string name) =>
        string.Join(' ', Regex.Split(
            new string(name.Normalize(System.Text.NormalizationForm.FormKD)
                .Where(c => char.GetUnicodeCategory(c) != System.Globalization.UnicodeCategory.NonSpacingMark).ToArray()).ToLowerInvariant(),
            @"[^\p{L}\p{N}]+").Where(w => w.Length > 0));

    private static List<string> Organisations(string html) =>
        ListRow().Matches(html[html.IndexOf("<h2 id=\"all\">", StringComparison.Ordinal)..]).Select(m => WebUtility.HtmlDecode(Regex.Replace(m.Groups[1].Value, "<[^>]+>", ""))).ToList();

    private async Task<(List<int> Pages, List<long> Ids)> WalkAsync(string first)
    {
        var pages = new List<int>();
        var ids = new List<long>();
        string? next = first;
        while (next is not null)
        {
            using var response = await coordinator.GetAsync(next);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), next);
            var html = await response.Content.ReadAsStringAsync();
            var table = html[html.IndexOf("<h2 id=\"all\">", StringComparison.Ordinal)..];
            var page = ListId().Matches(table).Select(m => long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
            pages.Add(page.Count);
            ids.AddRange(page);
            var link = NextLink().Match(table);
            next = link.Success ? WebUtility.HtmlDecode(link.Groups[1].Value) : null;
            Assert.That(pages, Has.Count.LessThan(100));
        }

        return (pages, ids);
    }

    private async Task<List<Record>> RecordsAsync() =>
        (await coordinator.GetFromJsonAsync<JsonElement>("/api/petitions/iap-2017/signatures")).EnumerateArray()
            .Select(s => new Record(
                s.GetProperty("id").GetInt64(), s.GetProperty("organisation").GetString()!, s.GetProperty("country").GetString(),
                s.GetProperty("status").GetString()!, s.GetProperty("signedAt").GetString()!,
                s.GetProperty("flags").EnumerateArray().Select(f => f.GetString()!).ToList()))
            .ToList();

    private async Task<HttpResponseMessage> PostAsync(string path, params (string Name, string Value)[] fields)
    {
        var page = await coordinator.GetStringAsync(Letter + "/edit");
        var values = fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)).ToList();
        values.Add(new("__RequestVerificationToken", SignOnClient.Antiforgery(page)));
        using var form = new FormUrlEncodedContent(values);
        return await coordinator.PostAsync(path, form);
    }

    private async Task<string> StatusAsync(long id) =>
        (await coordinator.GetFromJsonAsync<JsonElement>($"/api/petitions/iap-2017/signatures/{id}")).GetProperty("signature").GetProperty("status").GetString()!;

    private sealed record Record(long Id, string Organisation, string? Country, string Status, string SignedAt, List<string> Flags);

    [GeneratedRegex("<td><a href=\"/coordinators/petitions/[^/]+/signatures/(\\d+)\">")]
    private static partial Regex ListId();

    [GeneratedRegex("<td><a href=\"/coordinators/petitions/[^/]+/signatures/\\d+\">(.*?)</a></td>")]
    private static partial Regex ListRow();

    [GeneratedRegex("<a href=\"([^\"]+)\" rel=\"next\">")]
    private static partial Regex NextLink();
}
