using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Petitions.Tests.Support;

namespace Petitions.Tests.Coordinators;

/// <summary>
/// 401 without credentials and 403 on another's letter, on every coordinator route, pages and CSV
/// included. The routes are the app's own (its EndpointDataSource), not a list kept by hand: a
/// route added later is tested too, and a write route without a request body here fails the test.
/// </summary>
public class AccessTests
{
    private const string Letter = "iap-2017";
    private const string OtherLetter = "another-letter";

    // What each write route is sent: enough that it would change something if it were let through.
    private static readonly Dictionary<string, (string Body, string ContentType)> Bodies = new()
    {
        ["POST /api/petitions"] = ("{\"slug\":\"x-letter\",\"title\":\"X\"}", "application/json"),
        ["PUT /api/petitions/{slug}"] = ("{\"slug\":\"x\",\"title\":\"Taken Over\"}", "application/json"),
        ["POST /api/petitions/{slug}/signatures/{id:long}/approve"] = ("{}", "application/json"),
        ["POST /api/petitions/{slug}/signatures/{id:long}/reject"] = ("{\"reason\":\"x\"}", "application/json"),
        ["POST /api/petitions/{slug}/signatures/{id:long}/withdraw"] = ("{\"reason\":\"x\"}", "application/json"),
        ["POST /api/petitions/{slug}/signatures/import"] = ("Access Imported Organisation, London", "text/plain"),
        ["POST /api/petitions/{slug}/emails/{id:long}/resend"] = ("{\"address\":\"a@b.example.org\"}", "application/json"),
        ["POST /coordinators/petitions/{slug}?handler=resend"] = ("outboxId={outbox}&address=a%40b.example.org", "application/x-www-form-urlencoded"),
        ["POST /coordinators/petitions/{slug}?handler=bulk"] = ("ids={signature}&decision=approve", "application/x-www-form-urlencoded"),
        ["POST /coordinators/petitions/{slug}/signatures/{id:long}?handler=approve"] = ("", "application/x-www-form-urlencoded"),
        ["POST /coordinators/petitions/{slug}/signatures/{id:long}?handler=reject"] = ("reason=x", "application/x-www-form-urlencoded"),
        ["POST /coordinators/petitions/{slug}/signatures/{id:long}?handler=withdraw"] = ("reason=x&date=2026-05-03", "application/x-www-form-urlencoded"),
        ["POST /coordinators/petitions/{slug}/signatures/{id:long}?handler=beside"] = ("reason=x", "application/x-www-form-urlencoded"),
        ["POST /coordinators/petitions/{slug}/signatures/{id:long}?handler=merge"] = ("reason=x", "application/x-www-form-urlencoded"),
        ["POST /coordinators/petitions/{slug}/edit"] = ("title=Taken+Over", "application/x-www-form-urlencoded"),
        ["PUT /api/petitions/{slug}/translations/{language}"] = ("{\"title\":\"Repris\",\"status\":\"published\"}", "application/json"),
        ["DELETE /api/petitions/{slug}/translations/{language}"] = ("", "application/json"),
        ["POST /coordinators/petitions/{slug}/translations/{language}"] = ("title=Repris&status=published", "application/x-www-form-urlencoded"),
        ["POST /coordinators/petitions/{slug}/translations/{language}?handler=remove"] = ("", "application/x-www-form-urlencoded"),
        ["POST /api/petitions/{slug}/webhooks"] = ("{\"url\":\"https://93.184.215.14/hook\",\"events\":[\"signature.listed\"],\"secret\":\"a-shared-secret-of-some-length\"}", "application/json"),
        ["DELETE /api/petitions/{slug}/webhooks/{id:long}"] = ("", "application/json"),
        ["POST /api/petitions/{slug}/webhooks/{id:long}/enable"] = ("", "application/json"),
        ["POST /api/petitions/{slug}/updates"] = ("{\"subject\":\"Taken over\",\"body\":\"x\"}", "application/json"),
        ["POST /coordinators/petitions/{slug}/updates"] = ("subject=Taken+over&body=x", "application/x-www-form-urlencoded"),
        ["POST /coordinators/petitions/{slug}/updates?handler=preview"] = ("subject=Taken+over&body=x", "application/x-www-form-urlencoded"),
        ["POST /api/petitions/{slug}/partners"] = ("{\"code\":\"taken\",\"name\":\"Taken Over\"}", "application/json"),
        ["PUT /api/petitions/{slug}/partners/{code}"] = ("{\"name\":\"Taken Over\"}", "application/json"),
        ["DELETE /api/petitions/{slug}/partners/{code}"] = ("", "application/json"),
        ["POST /coordinators/petitions/{slug}/partners"] = ("code=taken&name=Taken+Over", "application/x-www-form-urlencoded"),

        // Preview links (timing): the id is a signature's, so on this letter it names no link, and on another's none of this one's.
        ["POST /api/petitions/{slug}/previews"] = ("{\"label\":\"Taken Over\"}", "application/json"),
        ["DELETE /api/petitions/{slug}/previews/{id:long}"] = ("", "application/json"),
        ["POST /coordinators/petitions/{slug}/previews"] = ("label=Taken+Over", "application/x-www-form-urlencoded"),
        ["POST /coordinators/petitions/{slug}/previews?handler=revoke"] = ("id={signature}", "application/x-www-form-urlencoded"),
    };

    // Each letter's webhook subscription by the letter's signature in ids, for the routes that name one ({id} after /webhooks/).
    private static readonly Dictionary<long, long> WebhookOf = [];

    // The routes a coordinator limited to one partner may use; each shows or changes only that partner's sign-ons.
    private static readonly string[] OpenToPartnerCoordinators =
    [
        "GET /api/petitions/{slug}/signatures", "GET /api/petitions/{slug}/signatures/{id:long}",
        "POST /api/petitions/{slug}/signatures/{id:long}/approve", "POST /api/petitions/{slug}/signatures/{id:long}/reject",
        "POST /api/petitions/{slug}/signatures/{id:long}/withdraw", "GET /api/petitions/{slug}/signatures.csv",
        "GET /api/petitions/{slug}/signatures.xlsx",
        "GET /coordinators/petitions/{slug}/signatures.csv", "GET /coordinators/petitions/{slug}/signatures.xlsx",
        "GET /coordinators/petitions/{slug}",
        "POST /coordinators/petitions/{slug}?handler=bulk", "POST /coordinators/petitions/{slug}?handler=resend",
        "GET /coordinators/petitions/{slug}/signatures/{id:long}",
        "POST /coordinators/petitions/{slug}/signatures/{id:long}?handler=approve", "POST /coordinators/petitions/{slug}/signatures/{id:long}?handler=reject",
        "POST /coordinators/petitions/{slug}/signatures/{id:long}?handler=withdraw",
        // Merging and listing beside are refused to partner coordinators on their own rows too (PartnerTests); on another's row, 404.
        "POST /coordinators/petitions/{slug}/signatures/{id:long}?handler=beside", "POST /coordinators/petitions/{slug}/signatures/{id:long}?handler=merge",
        "GET /api/petitions/{slug}/webhooks", "POST /api/petitions/{slug}/webhooks", "DELETE /api/petitions/{slug}/webhooks/{id:long}",
        "POST /api/petitions/{slug}/webhooks/{id:long}/enable",
    ];

    // Routes open to a partner coordinator that make a row of its own (a subscription for its partner's sign-ons).
    private const string PartnersOwnSubscription = "POST /api/petitions/{slug}/webhooks";

    private PetitionsApp app = null!;
    private IReadOnlyList<AppEndpoint> endpoints = null!;
    private (long Signature, long Outbox) mine;
    private (long Signature, long Outbox) others;

    [OneTimeSetUp]
    public async Task StartApp()
    {
        app = new PetitionsApp();
        app.CreateClient().Dispose();
        await Coordinator.AddLetterAsync(app, OtherLetter);
        mine = await ConfirmedSignatureWithAFailedEmailAsync(Letter, "Access Organisation Mine");
        others = await ConfirmedSignatureWithAFailedEmailAsync(OtherLetter, "Access Organisation Other");
        WebhookOf[mine.Signature] = await DisabledWebhookAsync(Letter);
        WebhookOf[others.Signature] = await DisabledWebhookAsync(OtherLetter);
        endpoints = await AppEndpoints.AllAsync(app.Services);
    }

    [OneTimeTearDown]
    public void StopApp() => app.Dispose();

    private IEnumerable<AppEndpoint> CoordinatorRoutes => endpoints.Where(e => e.Coordinator);

    [Test]
    public void TheDerivedListHoldsEveryKnownCoordinatorRouteAndABodyForEveryWrite()
    {
        var keys = CoordinatorRoutes.Select(e => e.Key).ToList();
        TestContext.Out.WriteLine($"FIGURE coordinator-routes: {keys.Count} derived from the app's endpoints:\n  {string.Join("\n  ", keys)}");

        Assert.That(keys, Is.SupersetOf(Bodies.Keys));
        Assert.That(keys, Is.SupersetOf(new[]
        {
            "GET /api/petitions/{slug}/signatures", "GET /api/petitions/{slug}/signatures.csv", "GET /api/petitions/{slug}/signatures.xlsx",
            "GET /coordinators/petitions/{slug}/signatures.xlsx", "GET /api/petitions/{slug}/publication.txt",
            "GET /coordinators/petitions/{slug}/publication.txt", "GET /coordinators", "GET /coordinators/petitions/{slug}",
            "GET /coordinators/petitions/{slug}/signatures/{id:long}", "GET /coordinators/petitions/{slug}/edit",
            "GET /api/petitions/{slug}/updates", "GET /coordinators/petitions/{slug}/updates",
            "GET /api/petitions/{slug}/partners", "GET /coordinators/petitions/{slug}/partners",
        }));
        Assert.That(CoordinatorRoutes.Where(e => e.Writes).Select(e => e.Key), Is.SubsetOf(Bodies.Keys), "a write route this test does not know how to call");
        Assert.That(endpoints.Where(e => !e.Coordinator).Select(e => e.Template), Has.None.StartsWith("/coordinators/petitions"), "every letter page is a coordinator's");
    }

    [Test]
    public async Task WithoutCredentialsEveryCoordinatorRouteIs401NotARedirect()
    {
        using var client = app.CreateClient(new() { AllowAutoRedirect = false });
        foreach (var route in CoordinatorRoutes)
        {
            foreach (var accept in new[] { "application/json", "text/html", "text/csv" })
            {
                using var response = await client.SendAsync(Request(route, Letter, mine, accept));

                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), $"{route.Key} {accept}: {await response.Content.ReadAsStringAsync()}");
                Assert.That(response.Headers.Location, Is.Null, route.Key);
            }
        }
    }

    [Test]
    public async Task AnUnknownTokenIs401OnEveryCoordinatorRoute()
    {
        using var client = app.CreateClient(new() { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
        foreach (var route in CoordinatorRoutes)
        {
            using var response = await client.SendAsync(Request(route, Letter, mine, "application/json"));

            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), route.Key);
        }
    }

    // Routes that name no letter (the coordinator's home, creating a letter) are the scope tests' (slug `new`, all-letters coordinators).
    [Test]
    public async Task ACoordinatorOfAnotherLetterIs403OnEveryRouteOfThisLetterAndChangesNothing()
    {
        using var client = await Coordinator.ClientAsync(app, "other@coalition.example.org", OtherLetter);
        var routes = CoordinatorRoutes.Where(e => e.NamesALetter).ToList();
        Assert.That(routes.Where(r => r.Writes).ToList(), Has.Count.GreaterThanOrEqualTo(10));
        foreach (var route in routes)
        {
            var before = await DatabaseDump.TakeAsync(app);

            using var response = await client.SendAsync(Request(route, Letter, mine, "application/json"));

            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), $"{route.Key}: {await response.Content.ReadAsStringAsync()}");
            Assert.That(await DatabaseDump.TakeAsync(app), Is.EqualTo(before), $"{route.Key} was refused, and changed nothing");
        }
    }

    // A coordinator of this letter, who may act on it, names a signature or an email of another letter in its address.
    [Test]
    public async Task AnIdOfAnotherLetterInThisLettersAddressIsNotFoundAndChangesNothing()
    {
        using var api = await Coordinator.ClientAsync(app, "cross-api@coalition.example.org", Letter);
        using var browser = await CookieSession.SignInAsync(app, "cross-page@coalition.example.org", Letter);
        var antiforgery = SignOnClient.Antiforgery(await browser.GetStringAsync($"/coordinators/petitions/{Letter}"));
        var routes = CoordinatorRoutes.Where(e => e.NamesALetter && (e.Template.Contains("{id", StringComparison.Ordinal) || Bodies.GetValueOrDefault(e.Key).Body?.Contains("{outbox}", StringComparison.Ordinal) == true
            || Bodies.GetValueOrDefault(e.Key).Body?.Contains("{signature}", StringComparison.Ordinal) == true)).ToList();
        Assert.That(routes, Has.Count.GreaterThanOrEqualTo(8));
        foreach (var route in routes)
        {
            var before = await DatabaseDump.TakeAsync(app);
            using var request = Request(route, Letter, others, "application/json", route.IsPage ? antiforgery : null);

            using var response = await (route.IsPage ? browser : api).SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();

            Assert.That(response.StatusCode, Is.AnyOf(HttpStatusCode.NotFound, HttpStatusCode.Forbidden), $"{route.Key}: {body}");
            Assert.That(body, Does.Not.Contain("Access Organisation Other"), route.Key);
            Assert.That(await DatabaseDump.TakeAsync(app), Is.EqualTo(before), $"{route.Key} with another letter's id changed something");
        }

        // The same requests with this letter's own ids do get through (so the refusals above were about the ids).
        using var own = await api.GetAsync($"/api/petitions/{Letter}/signatures/{mine.Signature}");
        Assert.That(own.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    // The API's routes that name a letter find it in one place (LetterFromRoute): each answers the same 404 for one that is not there.
    [Test]
    public async Task EveryApiRouteOfALetterThatIsNotThereIsTheSame404AndChangesNothing()
    {
        using var client = await Coordinator.ClientAsync(app, "every-letter@coalition.example.org");
        var routes = CoordinatorRoutes.Where(e => e.NamesALetter && !e.IsPage).ToList();
        Assert.That(routes, Has.Count.GreaterThanOrEqualTo(13));
        foreach (var route in routes)
        {
            var before = await DatabaseDump.TakeAsync(app);

            using var response = await client.SendAsync(Request(route, "no-such-letter", mine, "application/json"));
            var body = await response.Content.ReadAsStringAsync();

            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), $"{route.Key}: {body}");
            Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"), route.Key);
            using var problem = System.Text.Json.JsonDocument.Parse(body);
            Assert.That(problem.RootElement.GetProperty("title").GetString(), Is.EqualTo("No such letter"), route.Key);
            Assert.That(problem.RootElement.GetProperty("detail").GetString(), Is.EqualTo("There is no letter 'no-such-letter'."), route.Key);
            Assert.That(await DatabaseDump.TakeAsync(app), Is.EqualTo(before), $"{route.Key} for a letter that is not there changed something");
        }
    }

    [Test]
    public async Task EveryPagePostWithoutTheAntiforgeryTokenIs400AndChangesNothing()
    {
        using var browser = await CookieSession.SignInAsync(app, "forgery@coalition.example.org", Letter);
        // The one exception: RFC 8058's one-click unsubscribe comes from mail programs, without cookies or token (UpdatesTests).
        var posts = endpoints.Where(e => e.IsPage && e.Method == "POST" && e.Template != "/unsubscribe/{token}").ToList();
        Assert.That(endpoints.Where(e => e.IsPage && e.Method == "POST").Count() - posts.Count, Is.EqualTo(1));
        Assert.That(posts.Where(p => p.Coordinator).ToList(), Has.Count.GreaterThanOrEqualTo(5));
        foreach (var route in posts)
        {
            var before = await DatabaseDump.TakeAsync(app);
            using var request = Request(route, Letter, mine, "text/html");

            using var response = await browser.SendAsync(request);

            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), route.Key);
            Assert.That(await DatabaseDump.TakeAsync(app), Is.EqualTo(before), $"{route.Key} without its token changed something");
        }

        using var stillSignedIn = await browser.GetAsync("/coordinators");
        Assert.That(stillSignedIn.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the sign-out without a token did not sign out");
    }

    [Test]
    public async Task TheCoordinatorOfTheLetterGetsIntoEveryReadingRoute()
    {
        using var client = await Coordinator.ClientAsync(app, "mine@coalition.example.org", Letter);
        foreach (var route in CoordinatorRoutes.Where(e => !e.Writes))
        {
            using var response = await client.SendAsync(Request(route, Letter, mine, "application/json"));

            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), route.Key);
        }
    }

    // "mine" came by no partner's link: to a coordinator limited to a partner it is another's row, on every route.
    [Test]
    public async Task APartnerCoordinatorIs403OnTheLettersOwnRoutesAndNeverReachesAnotherPartnersRow()
    {
        await using (var connection = await app.Db.OpenAsync())
        {
            await connection.ExecuteAsync("""
                INSERT INTO partners (petition_id, code, name, created_at) SELECT id, 'acme', 'Acme', '2026-12-01T00:00:00.0000000Z' FROM petitions WHERE slug = @Letter
                ON CONFLICT DO NOTHING
                """, new { Letter });
        }

        const string Email = "partner-access@coalition.example.org";
        using var browser = await CookieSession.SignInAsync(app, Email, Letter);
        var letterId = (await app.Services.GetRequiredService<global::Petitions.Petitions.PetitionStore>().FindAsync(Letter, CancellationToken.None))!.Id;
        var (_, token) = await app.Services.GetRequiredService<global::Petitions.Coordinators.CoordinatorStore>().AddAsync(Email, null, [letterId], "acme");
        using var api = app.CreateClient(new() { AllowAutoRedirect = false });
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var antiforgery = SignOnClient.Antiforgery(await browser.GetStringAsync($"/coordinators/petitions/{Letter}"));
        var routes = CoordinatorRoutes.Where(e => e.NamesALetter).ToList();
        Assert.That(routes.Select(r => r.Key), Is.SupersetOf(OpenToPartnerCoordinators));
        foreach (var route in routes)
        {
            var before = await DatabaseDump.TakeAsync(app);
            using var request = Request(route, Letter, mine, "application/json", route.IsPage ? antiforgery : null);

            using var response = await (route.IsPage ? browser : api).SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();

            if (route.Key == PartnersOwnSubscription)
            {
                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), body);
                var created = JsonDocument.Parse(body).RootElement;
                Assert.That(created.GetProperty("partner").GetString(), Is.EqualTo("acme"), "the subscription is the partner's");
                using var removed = await api.DeleteAsync($"/api/petitions/{Letter}/webhooks/{created.GetProperty("id").GetInt64()}");
                Assert.That(removed.StatusCode, Is.EqualTo(HttpStatusCode.NoContent), "and the partner may remove it");
            }
            else if (OpenToPartnerCoordinators.Contains(route.Key))
            {
                Assert.That(body, Does.Not.Contain("Access Organisation Mine").And.Not.Contain("kari@access.example.org"), route.Key);
            }
            else
            {
                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), $"{route.Key}: {body}");
            }

            var after = await DatabaseDump.TakeAsync(app);
            var at = Enumerable.Range(0, Math.Min(after.Length, before.Length)).FirstOrDefault(i => after[i] != before[i]);
            Assert.That(after, Is.EqualTo(before), $"{route.Key} changed another partner's row or the letter: {after[Math.Max(0, at - 300)..Math.Min(after.Length, at + 100)]}");
        }
    }

    private static HttpRequestMessage Request(AppEndpoint route, string slug, (long Signature, long Outbox) ids, string accept, string? antiforgery = null)
    {
        var path = route.Path((name, segment) => (name, segment) switch
        {
            ("slug", _) => slug,
            ("id", "signatures") => ids.Signature.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ("id", "emails") => ids.Outbox.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ("id", "webhooks") => WebhookOf[ids.Signature].ToString(System.Globalization.CultureInfo.InvariantCulture),
            ("token", _) => "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            ("language", _) => "fr",
            ("code", _) => "acme",
            ("id", "previews") => ids.Signature.ToString(System.Globalization.CultureInfo.InvariantCulture),
            _ => throw new InvalidOperationException($"{route.Key}: no value for the route parameter {{{name}}} after /{segment}/"),
        });
        var request = new HttpRequestMessage(new HttpMethod(route.Method), path);
        request.Headers.Accept.ParseAdd(accept);
        if (route.Writes)
        {
            var (body, contentType) = Bodies.GetValueOrDefault(route.Key, ("", route.IsPage ? "application/x-www-form-urlencoded" : "application/json"));
            body = body.Replace("{outbox}", ids.Outbox.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
                .Replace("{signature}", ids.Signature.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
            if (antiforgery is not null)
            {
                body = (body.Length > 0 ? body + "&" : "") + "__RequestVerificationToken=" + Uri.EscapeDataString(antiforgery);
            }

            request.Content = new StringContent(body, Encoding.UTF8, contentType);
        }

        return request;
    }

    // Disabled, so no dispatcher calls it while the tests compare the database before and after a refusal.
    private async Task<long> DisabledWebhookAsync(string slug)
    {
        await using var connection = await app.Db.OpenAsync();
        var id = await connection.ExecuteScalarAsync<long>("""
            INSERT INTO webhook_subscriptions (petition_id, url, events, secret, state, created_at, created_by, disabled_at)
            VALUES ((SELECT id FROM petitions WHERE slug = @slug), 'https://crm.example.org/hook', 'signature.listed', 'not-a-secret', 'disabled', @at, 'test', @at)
            RETURNING id
            """, new { slug, at = global::Petitions.Data.Time.Format(DateTimeOffset.UtcNow) });
        // The count the store keeps beside the letter (WebhookStore), as a subscription made through the API leaves it.
        await connection.ExecuteAsync("UPDATE petitions SET webhooks = webhooks + 1 WHERE slug = @slug", new { slug });
        return id;
    }

    private async Task<(long Signature, long Outbox)> ConfirmedSignatureWithAFailedEmailAsync(string slug, string organisation)
    {
        await using var connection = await app.Db.OpenAsync();
        var at = global::Petitions.Data.Time.Format(DateTimeOffset.UtcNow);
        var petitionId = await connection.ExecuteScalarAsync<long>("SELECT id FROM petitions WHERE slug = @slug", new { slug });
        var organisationId = await connection.ExecuteScalarAsync<long>("""
            INSERT INTO organisations (name, name_key, loose_key, city, country, created_at) VALUES (@organisation, lower(@organisation), lower(@organisation), 'Oslo', 'NO', @at) RETURNING id
            """, new { organisation, at });
        var signature = await connection.ExecuteScalarAsync<long>("""
            INSERT INTO signatures (petition_id, organisation_id, status, source, contact_name, contact_role, contact_email, signed_at, confirmed_at)
            VALUES (@petitionId, @organisationId, 'confirmed', 'api', 'Kari Nordmann', 'Director', 'kari@access.example.org', @at, @at) RETURNING id
            """, new { petitionId, organisationId, at });
        var outbox = await connection.ExecuteScalarAsync<long>("""
            INSERT INTO outbox (kind, petition_id, signature_id, to_address, subject, text_body, message_id, status, created_at, due_at, failed_at, last_error)
            VALUES ('confirm-sign-on', @petitionId, @signature, 'kari@access.example.org', 'Confirm', 'Body', @messageId, 'failed', @at, @at, @at, '550 no such user')
            RETURNING id
            """, new { petitionId, signature, messageId = $"{Guid.NewGuid():N}@access.example.org", at });
        return (signature, outbox);
    }
}
