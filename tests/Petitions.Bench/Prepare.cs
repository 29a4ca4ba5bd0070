using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Dapper;
using Microsoft.Data.Sqlite;
using Petitions.Data;
using Petitions.Organisations;
using Petitions.Petitions;

namespace Petitions.Bench;

/// <summary>
/// Creates the benchmark database: the app's migrations (Migrator, as at start-up), then letters
/// with the seed letter's text and their signatures preloaded in one transaction by INSERT … SELECT
/// over a recursive sequence. Each signature has its organisation, a "signed" event, a confirmation
/// token, and its emails in the outbox (sent); the organisations' keys are computed by the app's own
/// Names.OrganisationKey and Names.LooseKey, registered as SQL functions.
/// </summary>
/// <remarks>
/// Letters: bench-main (--main signatures, statuses mixed as a real letter's: 85 % listed, 8 %
/// pending (signed in the last six days; the rest over a year), 4 % confirmed, 2 % withdrawn, 1 % rejected), bench-mid (--mid, the same mix), and
/// bench-page-0 … bench-page-(K-1) (--page signatures each, all listed: the public page).
/// </remarks>
public static class Prepare
{
    private static readonly string[] FirstWords =
    [
        "Alliance", "Association", "Ärzte", "Bündnis", "Campaign", "Centre", "Coalition", "Comité", "Council", "Fundación",
        "Forum", "Friends", "Fédération", "Initiative", "Institute", "Kollektiv", "L'Association", "League", "Movement", "Network",
        "Observatoire", "Öko", "Platform", "Project", "Société", "Stichting", "Union", "Verein", "Watch", "Zentrum",
    ];

    private static readonly string[] SecondWords =
    [
        "for Civic Rights", "of Lawyers", "pour la Justice", "für Menschenrechte", "Human Rights", "of Journalists", "for Fair Trials",
        "Press Freedom", "de Derechos Humanos", "for Democracy", "Legal Aid", "Prisoners' Support", "na Rzecz Praworządności",
        "Open Society", "Anti-Corruption", "for the Environment", "Women's Rights", "Children First", "per i Diritti", "Defenders",
    ];

    private static readonly (string City, string Country)[] Places =
    [
        ("Amsterdam", "NL"), ("Utrecht", "NL"), ("Berlin", "DE"), ("Köln", "DE"), ("Paris", "FR"), ("Lyon", "FR"), ("Madrid", "ES"),
        ("São Paulo", "BR"), ("Warszawa", "PL"), ("Wrocław", "PL"), ("London", "GB"), ("Manchester", "GB"), ("Roma", "IT"),
        ("Nairobi", "KE"), ("Lagos", "NG"), ("Istanbul", "TR"), ("Baku", "AZ"), ("Almaty", "KZ"), ("Kyiv", "UA"), ("Tbilisi", "GE"),
        ("Bogotá", "CO"), ("Ciudad de México", "MX"), ("New York", "US"), ("Toronto", "CA"), ("Sydney", "AU"), ("Seoul", "KR"),
        ("Manila", "PH"), ("Johannesburg", "ZA"), ("Cairo", "EG"), ("Tunis", "TN"), ("Genève", "CH"), ("Wien", "AT"),
    ];

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static async Task<int> RunAsync(Options options)
    {
        var path = Path.GetFullPath(options.Required("db"));
        var letterJson = options.Required("letter-json");
        var main = options.Count("main");
        var mid = options.Count("mid");
        var page = options.Count("page", 10_000);
        var pageLetters = options.Count("page-letters", 2);
        var clock = Stopwatch.StartNew();

        var db = new Db($"Data Source={path}");
        await Migrator.ApplyAsync(db, Migrator.Embedded());

        var seed = JsonSerializer.Deserialize<LetterInput>(await File.ReadAllTextAsync(letterJson), Json)
            ?? throw new UsageException($"{letterJson} holds no letter");

        await using var connection = (SqliteConnection)await db.OpenAsync();
        // A bulk load: no journal to speak of and no syncs; WAL (the app's mode) again afterwards.
        await connection.ExecuteAsync("PRAGMA journal_mode = DELETE; PRAGMA synchronous = OFF; PRAGMA cache_size = -1000000;");
        connection.CreateFunction("bench_org_key", (string name) => Names.OrganisationKey(name), isDeterministic: true);
        connection.CreateFunction("bench_loose_key", (string name) => Names.LooseKey(name), isDeterministic: true);

        var now = DateTimeOffset.UtcNow;
        var letters = new List<(string Slug, long Count, bool AllListed)> { ("bench-main", main, false), ("bench-mid", mid, false) };
        for (var i = 0; i < pageLetters; i++)
        {
            letters.Add(($"bench-page-{i.ToString(CultureInfo.InvariantCulture)}", page, true));
        }

        await using (var transaction = Db.BeginWrite(connection))
        {
            await CreateWordTablesAsync(connection, transaction);
            foreach (var (slug, count, allListed) in letters)
            {
                var letter = seed with { Slug = slug, Title = $"{seed.Title} ({slug})", Status = PetitionStatus.Open, RequiresReview = false, ClosesAt = null };
                var petitionId = await PetitionStore.CreateAsync(connection, transaction, letter, now.AddDays(-400), "bench");
                await PreloadAsync(connection, transaction, petitionId, count, allListed, now.AddDays(-365));
                Console.Error.WriteLine($"prepare: {slug}: {count} signatures ({clock.Elapsed.TotalSeconds:0.0} s)");
            }

            await transaction.CommitAsync();
        }

        await connection.ExecuteAsync("PRAGMA journal_mode = WAL;");

        // The keys are the app's: one sample checked against a fresh computation, to be sure.
        var sample = await connection.QueryFirstAsync<(string Name, string NameKey, string LooseKey)>(
            "SELECT name, name_key, loose_key FROM organisations WHERE name LIKE 'Ärzte%' LIMIT 1");
        if (sample.NameKey != Names.OrganisationKey(sample.Name) || sample.LooseKey != Names.LooseKey(sample.Name))
        {
            throw new InvalidOperationException($"organisation keys differ from Names for '{sample.Name}'");
        }

        var size = new FileInfo(path).Length;
        Console.WriteLine($"prepare_seconds={clock.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)}");
        Console.WriteLine($"db_bytes={size.ToString(CultureInfo.InvariantCulture)}");
        foreach (var (slug, count, _) in letters)
        {
            Console.WriteLine($"letter={slug}:{count.ToString(CultureInfo.InvariantCulture)}");
        }

        return 0;
    }

    private static async Task CreateWordTablesAsync(DbConnection connection, DbTransaction transaction)
    {
        await connection.ExecuteAsync("""
            CREATE TEMP TABLE bench_first (i INTEGER PRIMARY KEY, w TEXT NOT NULL);
            CREATE TEMP TABLE bench_second (i INTEGER PRIMARY KEY, w TEXT NOT NULL);
            CREATE TEMP TABLE bench_places (i INTEGER PRIMARY KEY, city TEXT NOT NULL, country TEXT NOT NULL);
            """, transaction: transaction);
        for (var i = 0; i < FirstWords.Length; i++)
        {
            await connection.ExecuteAsync("INSERT INTO bench_first VALUES (@i, @w)", new { i, w = FirstWords[i] }, transaction);
        }

        for (var i = 0; i < SecondWords.Length; i++)
        {
            await connection.ExecuteAsync("INSERT INTO bench_second VALUES (@i, @w)", new { i, w = SecondWords[i] }, transaction);
        }

        for (var i = 0; i < Places.Length; i++)
        {
            await connection.ExecuteAsync("INSERT INTO bench_places VALUES (@i, @city, @country)", new { i, city = Places[i].City, country = Places[i].Country }, transaction);
        }
    }

    private static async Task PreloadAsync(DbConnection connection, DbTransaction transaction, long petitionId, long count, bool allListed, DateTimeOffset start)
    {
        var organisationBase = await connection.ExecuteScalarAsync<long>("SELECT ifnull(max(id), 0) FROM organisations", transaction: transaction);
        var signatureBase = await connection.ExecuteScalarAsync<long>("SELECT ifnull(max(id), 0) FROM signatures", transaction: transaction);
        var parameters = new
        {
            petitionId,
            count,
            organisationBase,
            signatureBase,
            allListed = allListed ? 1 : 0,
            spread = Math.Max(1, 31_000_000 / count),
            start = start.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
            recent = DateTime.UtcNow.AddDays(-6).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
            firstWords = FirstWords.Length,
            secondWords = SecondWords.Length,
            places = Places.Length,
        };

        // One row per n: the organisation number o = organisationBase + n, the signature s = signatureBase + n.
        // The status comes from n: every 100 signatures hold 85 listed, 8 pending, 4 confirmed, 2 withdrawn, 1 rejected.
        // Pending sign-ons are recent (the last six days, their links expiring a day later), as on a live
        // letter where older unconfirmed ones have been purged (Privacy/Purge.cs); the others span a year.
        await connection.ExecuteAsync("""
            CREATE TEMP TABLE bench_rows AS
            SELECT n, o, s, status,
                   strftime('%Y-%m-%dT%H:%M:%S', base, '+' || offset || ' seconds') || '.0000000Z' AS signed_at,
                   strftime('%Y-%m-%dT%H:%M:%S', base, '+' || (offset + CASE WHEN status = 'pending' THEN 86400 ELSE 3600 END) || ' seconds')
                       || '.0000000Z' AS later_at
            FROM (
                WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < @count)
                SELECT n,
                       @organisationBase + n AS o,
                       @signatureBase + n AS s,
                       CASE WHEN @allListed = 1 OR n % 100 < 85 THEN 'listed' WHEN n % 100 < 93 THEN 'pending'
                            WHEN n % 100 < 97 THEN 'confirmed' WHEN n % 100 < 99 THEN 'withdrawn' ELSE 'rejected' END AS status,
                       CASE WHEN @allListed = 0 AND n % 100 BETWEEN 85 AND 92 THEN @recent ELSE @start END AS base,
                       CASE WHEN @allListed = 0 AND n % 100 BETWEEN 85 AND 92 THEN (n * 7) % 518400 ELSE n * @spread END AS offset
                FROM seq);
            """, parameters, transaction);

        await connection.ExecuteAsync("""
            INSERT INTO organisations (id, name, name_key, loose_key, city, country, website, created_at)
            SELECT o, name, bench_org_key(name), bench_loose_key(name), city, country, website, signed_at
            FROM (SELECT r.o, f.w || ' ' || w.w || ' ' || r.o AS name, p.city, p.country,
                         CASE WHEN r.n % 5 = 0 THEN NULL ELSE 'https://org' || r.o || '.example' END AS website, r.signed_at
                  FROM bench_rows r
                  JOIN bench_first f ON f.i = r.n % @firstWords
                  JOIN bench_second w ON w.i = (r.n / @firstWords) % @secondWords
                  JOIN bench_places p ON p.i = (r.n * 7) % @places);
            """, parameters, transaction);

        await connection.ExecuteAsync("""
            INSERT INTO signatures (id, petition_id, organisation_id, status, source, flags, contact_name, contact_role, contact_email,
                                    website, comment, petition_version, consent_version, consented_at, signed_at, confirmed_at,
                                    listed_at, rejected_at, rejection_reason, withdrawn_at, withdrawal_reason, sort_name)
            SELECT r.s, @petitionId, r.o, r.status,
                   CASE r.n % 3 WHEN 0 THEN 'form' WHEN 1 THEN 'api' ELSE 'import' END,
                   CASE WHEN r.n % 5 = 0 THEN 'no-website' ELSE 'domain-verified' END,
                   CASE WHEN r.n % 7 = 0 THEN 'Smith, Jane "JJ" ' || r.n ELSE 'Contact Person ' || r.n END,
                   CASE r.n % 4 WHEN 0 THEN 'Director' WHEN 1 THEN 'Coordinator, Advocacy' WHEN 2 THEN 'Chair' ELSE 'Legal officer' END,
                   'contact' || r.o || '@org' || r.o || '.example',
                   CASE WHEN r.n % 5 = 0 THEN NULL ELSE 'https://org' || r.o || '.example' END,
                   CASE WHEN r.n % 10 = 0 THEN 'We support this letter.' ELSE NULL END,
                   1, '2026-11-consent-1', r.signed_at, r.signed_at,
                   CASE WHEN r.status = 'pending' THEN NULL ELSE r.later_at END,
                   CASE WHEN r.status IN ('listed', 'withdrawn') THEN r.later_at END,
                   CASE WHEN r.status = 'rejected' THEN r.later_at END,
                   CASE WHEN r.status = 'rejected' THEN 'Not an organisation' END,
                   CASE WHEN r.status = 'withdrawn' THEN r.later_at END,
                   CASE WHEN r.status = 'withdrawn' THEN 'Withdrawn by the board, see "minutes"' END,
                   (SELECT loose_key FROM organisations WHERE id = r.o)
            FROM bench_rows r;
            """, parameters, transaction);

        await connection.ExecuteAsync("""
            INSERT INTO events (petition_id, signature_id, at, actor, kind, from_status, to_status)
            SELECT @petitionId, r.s, r.signed_at, 'signatory', 'signed', NULL, 'pending' FROM bench_rows r;
            INSERT INTO tokens (hash, purpose, signature_id, created_at, expires_at, used_at)
            SELECT randomblob(32), 'confirm', r.s, r.signed_at, r.later_at, CASE WHEN r.status = 'pending' THEN NULL ELSE r.later_at END
            FROM bench_rows r;
            INSERT INTO outbox (kind, petition_id, signature_id, to_address, subject, message_id, status, attempts, created_at, due_at, sent_at)
            SELECT 'confirm', @petitionId, r.s, 'contact' || r.o || '@org' || r.o || '.example', 'Confirm your signature',
                   'preload-confirm-' || r.s || '@localhost', 'sent', 1, r.signed_at, r.signed_at, r.signed_at
            FROM bench_rows r;
            INSERT INTO outbox (kind, petition_id, signature_id, to_address, subject, message_id, status, attempts, created_at, due_at, sent_at)
            SELECT 'listed', @petitionId, r.s, 'contact' || r.o || '@org' || r.o || '.example', 'Your organisation is listed',
                   'preload-listed-' || r.s || '@localhost', 'sent', 1, r.later_at, r.later_at, r.later_at
            FROM bench_rows r WHERE r.status IN ('listed', 'withdrawn');
            DROP TABLE bench_rows;
            """, parameters, transaction);
    }
}
