using System.Data.Common;
using Petitions.Data;
using Petitions.Email;

namespace Petitions.Signatures;

/// <summary>
/// New sign-ons written together on PostgreSQL: the group commit hands the writer a batch of them,
/// and the common case (an open letter, a new organisation, an address not seen in the batch) is
/// written in one statement per step for the whole batch: the letters, the organisations, their
/// near names, the addresses' locks and counts, the signatures and their events, the tokens, the
/// emails. Whatever is not the common case runs its own unit afterwards, in the same transaction
/// and by the same rules (<see cref="SignAsync(DbConnection, DbTransaction, PreparedSignOn)"/>).
/// </summary>
public sealed partial class SignOn
{
    private sealed class Together(SignOn signOn) : ITogether<PreparedSignOn, SignOnOutcome>
    {
        public Task<IReadOnlyList<(bool Written, SignOnOutcome Value)>> WriteAsync(
            DbConnection connection, DbTransaction transaction, IReadOnlyList<PreparedSignOn> items) =>
            Task.FromResult(signOn.WriteTogether(connection, transaction, items));
    }

    private IReadOnlyList<(bool Written, SignOnOutcome Value)> WriteTogether(
        DbConnection connection, DbTransaction transaction, IReadOnlyList<PreparedSignOn> items)
    {
        var results = new (bool Written, SignOnOutcome Value)[items.Count];
        var letters = ReadLetters(connection, transaction, items.Select(i => i.Petition.Id).Distinct().ToArray());

        // The common case only, and no two in it that a unit written before the other would see: the
        // same name (a repeat), the same loose name (a near duplicate) or the same address (its cap).
        // The units left out run after the set, so they see it as if they had come after it.
        var names = new HashSet<string>(StringComparer.Ordinal);
        var looseNames = new HashSet<string>(StringComparer.Ordinal);
        var addresses = new HashSet<string>(SameRecipient);
        var chosen = new List<(int Index, PreparedSignOn Sign)>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            var sign = items[i];
            if (!letters.TryGetValue(sign.Petition.Id, out var state) || state.Of(sign.Petition) is not { } letter
                || !letter.HasOpenedAt(sign.Now) || Admits(letter, sign.Now) != SignOnOutcome.Accepted || sign.Request.Country is null)
            {
                continue;
            }

            if (names.Add(sign.NameKey) & looseNames.Add(sign.LooseKey) & addresses.Add(sign.Email))
            {
                chosen.Add((i, sign with { Petition = letter, Webhooks = state.Webhooks }));
            }
        }

        if (chosen.Count == 0)
        {
            return results;
        }

        // New organisations only: one that exists already (or that another writer is adding) is the unit's to settle.
        var created = CreateOrganisations(connection, transaction, chosen.Select(c => c.Sign).ToList());
        chosen = chosen.Where(c => created.ContainsKey(c.Sign.NameKey)).ToList();
        if (chosen.Count == 0)
        {
            return results;
        }

        var signs = chosen.Select(c => c.Sign).ToList();
        var near = NearCounts(connection, transaction, signs);
        var capped = RecipientsCapped(connection, transaction, signs);
        var drafts = signs.Select((s, i) => Draft(s, created[s.NameKey], near[i] > 0, capped[i])).ToList();
        var signatureIds = SignatureStore.CreateSigned(connection, transaction, drafts);
        for (var i = 0; i < signs.Count; i++)
        {
            if (signs[i].Webhooks > 0)
            {
                Webhooks.WebhookEvents.Queue(connection, transaction, signs[i].Petition.Id, signatureIds[i], Webhooks.WebhookEvents.SignaturePending, signs[i].Now);
            }
        }

        var withheld = Enumerable.Range(0, signs.Count).Where(i => capped[i]).ToList();
        SignatureStore.RecordAll(connection, transaction, withheld.Select(i => Withheld(signs[i].Petition.Id, signatureIds[i], Emails.ConfirmSignOn, signs[i].Now)).ToList());
        var mailed = Enumerable.Range(0, signs.Count).Where(i => !capped[i]).ToList();
        if (mailed.Count > 0)
        {
            var tokens = Tokens.IssueFirstAll(connection, transaction, Tokens.Confirm, mailed.Select(i => (signatureIds[i], signs[i].Now)).ToList(), Tokens.ConfirmLifetime);
            outbox.EnqueueAll(connection, transaction, mailed.Select((i, t) => (ConfirmEmail(signs[i], signatureIds[i], tokens[t]), signs[i].Now)).ToList());
        }

        foreach (var (index, _) in chosen)
        {
            results[index] = (true, SignOnOutcome.Accepted);
        }

        return results;
    }

    /// <summary>The letters' state as it is now, in this transaction.</summary>
    private static Dictionary<long, LetterNow> ReadLetters(DbConnection connection, DbTransaction transaction, long[] ids)
    {
        var letters = new Dictionary<long, LetterNow>(ids.Length);
        using var reader = Prepared.Command(connection, transaction, $"SELECT id, {LetterNow.Columns} FROM petitions WHERE id = ANY(@ids)")
            .With("@ids", ids).ExecuteReader();
        while (reader.Read())
        {
            letters[reader.GetInt64(0)] = LetterNow.Read(reader, 1);
        }

        return letters;
    }

    /// <returns>The organisations inserted, by name key; a name already there (with the same country) is not.</returns>
    /// <remarks>
    /// Inserted in the order of their keys: a name another writer is inserting too is waited for, and
    /// two batches that wait for each other's names in opposite orders would deadlock.
    /// </remarks>
    private static Dictionary<string, long> CreateOrganisations(DbConnection connection, DbTransaction transaction, List<PreparedSignOn> unordered)
    {
        var signs = unordered.OrderBy(s => s.NameKey, StringComparer.Ordinal).ToList();
        var created = new Dictionary<string, long>(signs.Count, StringComparer.Ordinal);
        using var reader = Prepared.Command(connection, transaction, """
            INSERT INTO organisations (name, name_key, loose_key, city, country, website, created_at)
            SELECT name, name_key, loose_key, city, country, website, created_at
            FROM unnest(@names::text[], @nameKeys::text[], @looseKeys::text[], @cities::text[], @countries::text[], @websites::text[], @ats::text[])
                 WITH ORDINALITY AS u(name, name_key, loose_key, city, country, website, created_at, n)
            ORDER BY n
            ON CONFLICT DO NOTHING
            RETURNING id, name_key
            """)
            .With("@names", signs.Select(s => s.Request.Organisation).ToArray()).With("@nameKeys", signs.Select(s => s.NameKey).ToArray())
            .With("@looseKeys", signs.Select(s => s.LooseKey).ToArray()).With("@cities", signs.Select(s => s.Request.City).ToArray())
            .With("@countries", signs.Select(s => s.Request.Country).ToArray()).With("@websites", signs.Select(s => s.Request.Website).ToArray())
            .With("@ats", signs.Select(s => Time.Format(s.Now)).ToArray())
            .ExecuteReader();
        while (reader.Read())
        {
            created[reader.GetString(1)] = reader.GetInt64(0);
        }

        return created;
    }

    /// <summary>For each sign-on, <see cref="SignNew"/>'s count of living signatures of the same name spelt otherwise, in one statement.</summary>
    private static long[] NearCounts(DbConnection connection, DbTransaction transaction, List<PreparedSignOn> signs)
    {
        var counts = new long[signs.Count];
        using var reader = Prepared.Command(connection, transaction, """
            SELECT u.n, (SELECT count(*)
                         FROM (SELECT id FROM organisations WHERE loose_key = u.loose_key UNION SELECT id FROM organisations WHERE name_key = u.name_key) o
                         WHERE (SELECT s.id FROM signatures s
                                WHERE s.petition_id = u.petition_id AND s.organisation_id = o.id AND s.status NOT IN ('withdrawn', 'rejected')
                                LIMIT 1) IS NOT NULL)
            FROM unnest(@petitionIds::bigint[], @looseKeys::text[], @nameKeys::text[]) WITH ORDINALITY AS u(petition_id, loose_key, name_key, n)
            """)
            .With("@petitionIds", signs.Select(s => s.Petition.Id).ToArray()).With("@looseKeys", signs.Select(s => s.LooseKey).ToArray())
            .With("@nameKeys", signs.Select(s => s.NameKey).ToArray())
            .ExecuteReader();
        while (reader.Read())
        {
            counts[reader.GetInt64(0) - 1] = reader.GetInt64(1);
        }

        return counts;
    }

    /// <summary>
    /// <see cref="RecipientCapped"/> for each sign-on's address (all different): the addresses' locks
    /// taken in one order (so two writers' batches cannot hold them crosswise), then their counts.
    /// </summary>
    private static bool[] RecipientsCapped(DbConnection connection, DbTransaction transaction, List<PreparedSignOn> signs)
    {
        Prepared.Command(connection, transaction, $"""
            SELECT pg_advisory_xact_lock(l.k) FROM (SELECT DISTINCT {RecipientLockKey("a")} AS k FROM unnest(@tos::text[]) AS a ORDER BY 1) l
            """).With("@tos", signs.Select(s => s.Email).ToArray()).ExecuteNonQuery();
        var capped = new bool[signs.Count];
        using var reader = Prepared.Command(connection, transaction, $"""
            SELECT u.n, (SELECT count(*) FROM outbox
                         WHERE to_address = u.address COLLATE NOCASE AND created_at > u.since
                           AND kind IN ({SignOnEmailKinds}))
            FROM unnest(@tos::text[], @sinces::text[]) WITH ORDINALITY AS u(address, since, n)
            """)
            .With("@tos", signs.Select(s => s.Email).ToArray()).With("@sinces", signs.Select(s => Time.Format(s.Now - TimeSpan.FromDays(1))).ToArray())
            .ExecuteReader();
        while (reader.Read())
        {
            capped[reader.GetInt64(0) - 1] = reader.GetInt64(1) >= MaxSignOnEmailsPerRecipientPerDay;
        }

        return capped;
    }
}
