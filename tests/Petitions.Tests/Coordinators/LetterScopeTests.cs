using System.Net;
using System.Net.Http.Json;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Petitions.Coordinators;
using Petitions.Tests.Support;
using Coordinator = Petitions.Tests.Support.Coordinator;

namespace Petitions.Tests.Coordinators;

/// <summary>Where no letter is named, only a coordinator of every letter passes; a one-letter coordinator sees only theirs.</summary>
public class LetterScopeTests
{
    private const string OneLetter = "one@coalition.example.org";
    private const string EveryLetter = "every@coalition.example.org";

    private PetitionsApp app = null!;

    [SetUp]
    public async Task StartApp()
    {
        app = new PetitionsApp();
        app.CreateClient().Dispose();
        await Coordinator.AddLetterAsync(app, "another-letter");
        var iap = await LetterIdAsync("iap-2017");
        await app.Services.GetRequiredService<CoordinatorStore>().AddAsync(OneLetter, "One", [iap]);
        await app.Services.GetRequiredService<CoordinatorStore>().AddAsync(EveryLetter, "Every", []);
    }

    [TearDown]
    public void StopApp() => app.Dispose();

    private async Task<long> LetterIdAsync(string slug)
    {
        await using var connection = await app.Db.OpenAsync();
        return await connection.ExecuteScalarAsync<long>("SELECT id FROM petitions WHERE slug = @slug", new { slug });
    }

    private async Task<long> LettersAsync()
    {
        await using var connection = await app.Db.OpenAsync();
        return await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM petitions");
    }

    private static object OpenLetter(string slug) => new
    {
        slug,
        title = "A letter published at once",
        addressee = "The Council of Europe",
        place = "Strasbourg",
        status = "open",
        requiresReview = false,
        body = "We, the undersigned, write to you.",
        demandGroups = Array.Empty<object>(),
        footnotes = Array.Empty<object>(),
    };

    private static (string, string)[] LetterForm(string slug) =>
    [
        ("slug", slug), ("title", "A letter published at once"), ("addressee", "The Council of Europe"), ("place", "Strasbourg"),
        ("status", "open"), ("body", "We, the undersigned, write to you."), ("demandGroups", ""), ("footnotes", ""),
    ];

    [Test]
    public async Task AOneLetterCoordinatorCannotCreateAndPublishALetterThroughTheApi()
    {
        using var client = await Coordinator.ClientAsync(app, OneLetter, "iap-2017");
        var before = await LettersAsync();

        using var response = await client.PostAsJsonAsync("/api/petitions", OpenLetter("my-own-letter"));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), await response.Content.ReadAsStringAsync());
        Assert.That(await LettersAsync(), Is.EqualTo(before), "nothing stored");
    }

    [Test]
    public async Task AOneLetterCoordinatorCannotReachOrPostTheNewLetterPage()
    {
        using var browser = await CoordinatorBrowser.SignInAsync(app, OneLetter);
        using var bearer = await Coordinator.ClientAsync(app, OneLetter, "iap-2017");
        var before = await LettersAsync();

        Assert.That(await browser.StatusOfAsync("/coordinators/petitions/new/edit"), Is.EqualTo(HttpStatusCode.Forbidden), "cookie");
        using (var page = await bearer.GetAsync("/coordinators/petitions/new/edit"))
        {
            Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), "bearer");
        }

        // The form's page is refused, so the antiforgery token comes from another page of the same session.
        using var posted = await browser.PostFormAsync("/coordinators/petitions/new/edit", "/coordinators/sign-out", LetterForm("my-own-letter"));

        Assert.That(posted.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(await LettersAsync(), Is.EqualTo(before), "nothing stored");
    }

    [Test]
    public async Task AOneLetterCoordinatorSeesOnlyTheirLetterAndNoWayToWriteOne()
    {
        using var browser = await CoordinatorBrowser.SignInAsync(app, OneLetter);

        var home = await browser.Client.GetStringAsync("/coordinators");

        Assert.That(home, Does.Contain("/coordinators/petitions/iap-2017\""));
        Assert.That(home, Does.Not.Contain("/coordinators/petitions/another-letter\""));
        Assert.That(home, Does.Not.Contain("/coordinators/petitions/new/edit"));
    }

    [Test]
    public async Task AOneLetterCoordinatorIsRefusedALetterThatDoesNotExist()
    {
        using var client = await Coordinator.ClientAsync(app, OneLetter, "iap-2017");

        using var response = await client.GetAsync("/api/petitions/no-such-letter/signatures");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
    }

    [Test]
    public async Task ACoordinatorOfEveryLetterWritesOneByPageAndByApi()
    {
        using var browser = await CoordinatorBrowser.SignInAsync(app, EveryLetter);
        using var bearer = await Coordinator.ClientAsync(app, EveryLetter);

        var home = await browser.Client.GetStringAsync("/coordinators");
        Assert.That(home, Does.Contain("/coordinators/petitions/another-letter\"").And.Contain("/coordinators/petitions/new/edit"));
        using var posted = await browser.PostFormAsync("/coordinators/petitions/new/edit", LetterForm("by-the-page"));
        using var created = await bearer.PostAsJsonAsync("/api/petitions", OpenLetter("by-the-api"));

        Assert.That(posted.StatusCode, Is.EqualTo(HttpStatusCode.SeeOther), await posted.Content.ReadAsStringAsync());
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created), await created.Content.ReadAsStringAsync());
        Assert.That(await LetterIdAsync("by-the-page"), Is.Not.Zero);
        Assert.That(await LetterIdAsync("by-the-api"), Is.Not.Zero);
    }

    [Test]
    public async Task AFormFieldCannotNameAnotherLetterThanTheRoute()
    {
        using var browser = await CoordinatorBrowser.SignInAsync(app, OneLetter);
        var another = await LetterIdAsync("another-letter");
        long foreign;
        await using (var connection = await app.Db.OpenAsync())
        {
            var organisation = await connection.ExecuteScalarAsync<long>("""
                INSERT INTO organisations (name, name_key, loose_key, city, country, created_at)
                VALUES ('Foreign Organisation', 'foreign organisation', 'foreign organisation', 'Oslo', 'NO', '2026-11-28T09:00:00.0000000Z') RETURNING id
                """);
            foreign = await connection.ExecuteScalarAsync<long>("""
                INSERT INTO signatures (petition_id, organisation_id, status, source, contact_name, contact_email, signed_at, confirmed_at)
                VALUES (@another, @organisation, 'confirmed', 'api', 'Kari', 'kari@foreign.example.org', '2026-11-28T09:00:00.0000000Z', '2026-11-28T09:00:00.0000000Z')
                RETURNING id
                """, new { another, organisation });
        }

        var mine = await Coordinator.SignatureInStateAsync(app, "confirmed");
        using var edited = await browser.PostFormAsync("/coordinators/petitions/iap-2017/edit",
            [.. LetterForm("another-letter").Where(f => f.Item1 != "title"), ("title", "Hijacked")]);
        using var approved = await browser.PostFormAsync($"/coordinators/petitions/iap-2017/signatures/{mine}?handler=approve",
            $"/coordinators/petitions/iap-2017/signatures/{mine}", ("slug", "another-letter"), ("id", foreign.ToString(System.Globalization.CultureInfo.InvariantCulture)));

        await using var check = await app.Db.OpenAsync();
        Assert.That(await check.ExecuteScalarAsync<string>("SELECT title FROM petitions WHERE id = @another", new { another }), Is.EqualTo("The letter another-letter"));
        Assert.That(await check.ExecuteScalarAsync<string>("SELECT status FROM signatures WHERE id = @foreign", new { foreign }), Is.EqualTo("confirmed"));
    }
}
