using System.Data.Common;
using Dapper;
using Microsoft.AspNetCore.DataProtection;
using Petitions.Data;

namespace Petitions.Webhooks;

/// <summary>A subscription as a coordinator sees it: never its secret.</summary>
public sealed record WebhookSubscription(
    long Id, string Url, IReadOnlyList<string> Events, bool IncludeContact, string State, DateTimeOffset CreatedAt,
    DateTimeOffset? LastSuccessAt, DateTimeOffset? LastFailureAt, string? LastError, DateTimeOffset? FailingSince, DateTimeOffset? DisabledAt,
    long PendingDeliveries, string? Partner = null);

/// <summary>
/// Webhook subscriptions and their deliveries: what coordinators manage, and what the dispatcher
/// (<see cref="WebhookDispatcher"/>) claims and records. The signing secret is kept as Data Protection's
/// ciphertext (the key ring the service keeps for its cookies; the database's on PostgreSQL, so every node
/// can sign), since it must be read back to sign each delivery.
/// </summary>
public sealed class WebhookStore(Db db, IDataProtectionProvider protection)
{
    public const string Active = "active";
    public const string Disabled = "disabled";

    /// <summary>Failures that last this long, with no success between, disable a subscription.</summary>
    public static readonly TimeSpan DisableAfter = TimeSpan.FromDays(1);

    private readonly IDataProtector secrets = protection.CreateProtector("Petitions.Webhooks.Secret");

    public string Unprotect(string stored) => secrets.Unprotect(stored);

    // A partner coordinator's subscriptions are its partner's; a letter coordinator (@partner null) reaches every one.
    private const string InScope = "(@partner IS NULL OR w.partner_id = (SELECT p.id FROM partners p WHERE p.petition_id = w.petition_id AND p.code = @partner))";

    /// <param name="partner">The partner code of a partner coordinator: the subscription receives only that partner's sign-ons.</param>
    /// <returns>The subscription's id; null when <paramref name="partner"/> is no longer a partner of the letter.</returns>
    public async Task<long?> CreateAsync(long petitionId, WebhookInput input, string actor, DateTimeOffset now, string? partner, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var transaction = Db.BeginWrite(connection);
        // Without its partner row the subscription's partner_id would be NULL, which is the whole letter's.
        if (partner is not null && !await Partners.PartnerStore.ExistsAsync(connection, transaction, petitionId, partner))
        {
            return null;
        }

        var id = await connection.ExecuteScalarAsync<long>("""
            INSERT INTO webhook_subscriptions (petition_id, url, events, secret, include_contact, created_at, created_by, partner_id)
            VALUES (@petitionId, @url, @events, @secret, @includeContact, @at, @actor,
                    (SELECT id FROM partners WHERE petition_id = @petitionId AND code = @partner))
            RETURNING id
            """, new
            {
                petitionId,
                url = input.Url!.Trim(),
                events = string.Join(' ', input.Events!.Distinct(StringComparer.Ordinal)),
                secret = secrets.Protect(input.Secret!),
                includeContact = input.IncludeContact == true ? 1 : 0,
                at = Time.Format(now),
                actor,
                partner,
            }, transaction);
        await CountAsync(connection, transaction, petitionId);
        await transaction.CommitAsync(cancellationToken);
        return id;
    }

    /// <returns>Whether there was such a subscription on the letter.</returns>
    public async Task<bool> DeleteAsync(long petitionId, long id, string? partner, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var transaction = Db.BeginWrite(connection);
        if (await connection.ExecuteScalarAsync<long?>($"SELECT w.id FROM webhook_subscriptions w WHERE w.id = @id AND w.petition_id = @petitionId AND {InScope}",
            new { id, petitionId, partner }, transaction) is null)
        {
            return false;
        }

        await connection.ExecuteAsync("""
            DELETE FROM webhook_deliveries WHERE subscription_id = @id;
            DELETE FROM webhook_subscriptions WHERE id = @id;
            """, new { id }, transaction);
        await CountAsync(connection, transaction, petitionId);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>Enables a disabled subscription: the deliveries it held are due at once, and its day of failures starts again.</summary>
    /// <returns>Whether there was such a subscription on the letter.</returns>
    public async Task<bool> EnableAsync(long petitionId, long id, DateTimeOffset now, string? partner, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var transaction = Db.BeginWrite(connection);
        var changed = await connection.ExecuteAsync($"""
            UPDATE webhook_subscriptions SET state = 'active', disabled_at = NULL, failing_since = NULL
            WHERE id = @id AND petition_id = @petitionId AND id IN (SELECT w.id FROM webhook_subscriptions w WHERE w.id = @id AND {InScope})
            """, new { id, petitionId, partner }, transaction);
        if (changed == 0)
        {
            return false;
        }

        await connection.ExecuteAsync(
            "UPDATE webhook_deliveries SET due_at = @now WHERE subscription_id = @id AND status = 'pending' AND due_at > @now",
            new { id, now = Time.Format(now) }, transaction);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    public async Task<IReadOnlyList<WebhookSubscription>> ListAsync(long petitionId, string? partner, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<SubscriptionRow>(new CommandDefinition($"""
            SELECT w.id, w.url, w.events, w.include_contact AS includeContact, w.state, w.created_at AS createdAt,
                   w.last_success_at AS lastSuccessAt, w.last_failure_at AS lastFailureAt, w.last_error AS lastError,
                   w.failing_since AS failingSince, w.disabled_at AS disabledAt,
                   (SELECT count(*) FROM webhook_deliveries d WHERE d.subscription_id = w.id AND d.status = 'pending') AS pending,
                   (SELECT p.code FROM partners p WHERE p.id = w.partner_id) AS partner
            FROM webhook_subscriptions w WHERE w.petition_id = @petitionId AND {InScope} ORDER BY w.id
            """, new { petitionId, partner }, cancellationToken: cancellationToken));
        return rows.Select(r => r.ToSubscription()).ToList();
    }

    public async Task<WebhookSubscription?> FindAsync(long petitionId, long id, string? partner, CancellationToken cancellationToken) =>
        (await ListAsync(petitionId, partner, cancellationToken)).FirstOrDefault(s => s.Id == id);

    // The count rides the letter's row, which the sign-on reads anyway (SignOn): a letter without subscriptions costs nothing more.
    private static Task CountAsync(DbConnection connection, DbTransaction transaction, long petitionId) =>
        connection.ExecuteAsync(
            "UPDATE petitions SET webhooks = (SELECT count(*) FROM webhook_subscriptions WHERE petition_id = @petitionId) WHERE id = @petitionId",
            new { petitionId }, transaction);

    /// <summary>
    /// Leases up to <paramref name="limit"/> due deliveries of active subscriptions to <paramref name="node"/>,
    /// oldest first; on PostgreSQL rows another node is claiming are skipped, not claimed twice.
    /// </summary>
    public async Task<IReadOnlyList<Delivery>> ClaimAsync(string node, int limit, DateTimeOffset now, DateTimeOffset leaseUntil, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        // A read first: an idle dispatcher polls without taking the write lock the sign-ons need.
        if (await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
            """
            SELECT d.id FROM webhook_deliveries d JOIN webhook_subscriptions w ON w.id = d.subscription_id
            WHERE d.status = 'pending' AND w.state = 'active' AND d.due_at <= @now AND (d.lease_until IS NULL OR d.lease_until <= @now) LIMIT 1
            """,
            new { now = Time.Format(now) }, cancellationToken: cancellationToken)) is null)
        {
            return [];
        }

        await using var transaction = Db.BeginWrite(connection);
        var ids = (await connection.QueryAsync<long>($"""
            UPDATE webhook_deliveries SET lease_until = @leaseUntil, claimed_by = @node
            WHERE id IN (
                SELECT d.id FROM webhook_deliveries d JOIN webhook_subscriptions w ON w.id = d.subscription_id
                WHERE d.status = 'pending' AND w.state = 'active' AND d.due_at <= @now AND (d.lease_until IS NULL OR d.lease_until <= @now)
                ORDER BY d.due_at, d.id LIMIT @limit{(db.IsPostgres ? " FOR UPDATE OF d SKIP LOCKED" : "")})
            RETURNING id
            """, new { now = Time.Format(now), leaseUntil = Time.Format(leaseUntil), node, limit }, transaction)).ToArray();
        await transaction.CommitAsync(cancellationToken);
        if (ids.Length == 0)
        {
            return [];
        }

        return (await connection.QueryAsync<Delivery>(new CommandDefinition($"""
            SELECT d.id, d.subscription_id AS subscriptionId, d.event, d.petition_id AS petitionId, d.signature_id AS signatureId,
                   d.occurred_at AS occurredAt, d.attempts, w.url, w.secret, w.include_contact AS includeContact,
                   p.slug, p.title, p.status AS letterStatus,
                   s.status, s.signed_at AS signedAt, s.confirmed_at AS confirmedAt, s.language, s.ref, s.website, s.comment, s.share_contact AS shareContact,
                   s.contact_name AS contactName, s.contact_role AS contactRole, s.contact_email AS contactEmail,
                   o.name AS organisation, o.city, o.country,
                   (SELECT count(*) FROM signatures l WHERE l.petition_id = d.petition_id AND l.status = 'listed') AS listedCount
            FROM webhook_deliveries d
            JOIN webhook_subscriptions w ON w.id = d.subscription_id
            JOIN petitions p ON p.id = d.petition_id
            LEFT JOIN signatures s ON s.id = d.signature_id
            LEFT JOIN organisations o ON o.id = s.organisation_id
            WHERE d.id {SqlLists.In(connection, "@ids")}
            ORDER BY d.id
            """, new { ids }, cancellationToken: cancellationToken))).ToList();
    }

    /// <summary>The endpoint answered 2xx: the delivery is done and the subscription's failures are over.</summary>
    public async Task RecordDeliveredAsync(Delivery delivery, string node, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var transaction = Db.BeginWrite(connection);
        var at = Time.Format(now);
        await connection.ExecuteAsync($"""
            UPDATE webhook_deliveries SET status = 'delivered', delivered_at = @at, attempts = attempts + 1, lease_until = NULL, last_error = NULL
            WHERE id = @id{Held}
            """, new { at, id = delivery.Id, node }, transaction);
        await connection.ExecuteAsync(
            "UPDATE webhook_subscriptions SET last_success_at = @at, failing_since = NULL WHERE id = @id",
            new { at, id = delivery.SubscriptionId }, transaction);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>
    /// The endpoint failed: the delivery is due again after <paramref name="retryIn"/>, and a subscription
    /// whose failures have lasted <see cref="DisableAfter"/> is disabled (its deliveries held until enabled).
    /// </summary>
    /// <returns>Whether this failure disabled the subscription.</returns>
    public async Task<bool> RecordFailedAsync(Delivery delivery, string node, string error, DateTimeOffset now, TimeSpan retryIn, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var transaction = Db.BeginWrite(connection);
        var at = Time.Format(now);
        await connection.ExecuteAsync($"""
            UPDATE webhook_deliveries SET attempts = attempts + 1, due_at = @due, lease_until = NULL, last_error = @error
            WHERE id = @id{Held}
            """, new { due = Time.Format(now + retryIn), error, id = delivery.Id, node }, transaction);
        await connection.ExecuteAsync("""
            UPDATE webhook_subscriptions SET last_failure_at = @at, last_error = @error, failing_since = coalesce(failing_since, @at) WHERE id = @id
            """, new { at, error, id = delivery.SubscriptionId }, transaction);
        var disabled = await connection.ExecuteAsync("""
            UPDATE webhook_subscriptions SET state = 'disabled', disabled_at = @at
            WHERE id = @id AND state = 'active' AND failing_since <= @since
            """, new { at, id = delivery.SubscriptionId, since = Time.Format(now - DisableAfter) }, transaction) == 1;
        await transaction.CommitAsync(cancellationToken);
        return disabled;
    }

    /// <summary>A delivery whose signature is gone (purged) has nothing left to say: it is dropped.</summary>
    public async Task DropAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await connection.ExecuteAsync("DELETE FROM webhook_deliveries WHERE id = @id", new { id });
    }

    /// <summary>
    /// Letters whose closesAt has passed while they were open, and whose closing no node has claimed yet:
    /// each is claimed and its <c>letter.closed</c> deliveries queued in one transaction (<see cref="WebhookEvents.QueueLetterClosed"/>).
    /// </summary>
    /// <returns>How many closings this call claimed.</returns>
    public async Task<int> SweepClosingsAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        var due = (await connection.QueryAsync<(long Id, string ClosesAt)>(new CommandDefinition("""
            SELECT p.id, p.closes_at FROM petitions p
            WHERE p.closes_at IS NOT NULL AND p.closes_at <= @now AND (
                (p.status = 'open' AND NOT EXISTS (SELECT 1 FROM letter_closings c WHERE c.petition_id = p.id AND c.closed_at = p.closes_at))
                -- Closed by something that marked its closesAt (not by hand, which records its own closing before closesAt).
                OR (p.status = 'closed' AND NOT EXISTS (SELECT 1 FROM letter_closings c WHERE c.petition_id = p.id AND c.closed_at <= p.closes_at)))
            """, new { now = Time.Format(now) }, cancellationToken: cancellationToken))).ToList();
        var claimed = 0;
        foreach (var (id, closesAt) in due)
        {
            await using var transaction = Db.BeginWrite(connection);
            if (WebhookEvents.QueueLetterClosed(connection, transaction, id, Time.Parse(closesAt), now))
            {
                claimed++;
            }

            await transaction.CommitAsync(cancellationToken);
        }

        return claimed;
    }

    /// <summary>On PostgreSQL a row is changed only while this node holds it (its lease may have passed to another).</summary>
    private string Held => db.IsPostgres ? " AND claimed_by = @node" : "";

    // Dapper rows as settable properties: SQLite's loose types then convert (integers to bool, NULLs).
    private sealed class SubscriptionRow
    {
        public long Id { get; init; }
        public string Url { get; init; } = "";
        public string Events { get; init; } = "";
        public long IncludeContact { get; init; }
        public string State { get; init; } = "";
        public string CreatedAt { get; init; } = "";
        public string? LastSuccessAt { get; init; }
        public string? LastFailureAt { get; init; }
        public string? LastError { get; init; }
        public string? FailingSince { get; init; }
        public string? DisabledAt { get; init; }
        public long Pending { get; init; }
        public string? Partner { get; init; }

        public WebhookSubscription ToSubscription() => new(
            Id, Url, Events.Split(' ', StringSplitOptions.RemoveEmptyEntries), IncludeContact == 1, State, Time.Parse(CreatedAt),
            Time.ParseOrNull(LastSuccessAt), Time.ParseOrNull(LastFailureAt), LastError, Time.ParseOrNull(FailingSince), Time.ParseOrNull(DisabledAt),
            Pending, Partner);
    }
}

/// <summary>A claimed delivery with what its payload is made of, read when it is sent.</summary>
public sealed class Delivery
{
    public long Id { get; init; }
    public long SubscriptionId { get; init; }
    public string Event { get; init; } = "";
    public long PetitionId { get; init; }
    public long? SignatureId { get; init; }
    public string OccurredAt { get; init; } = "";
    public long Attempts { get; init; }
    public string Url { get; init; } = "";
    public string Secret { get; init; } = "";
    public long IncludeContact { get; init; }
    public string Slug { get; init; } = "";
    public string Title { get; init; } = "";
    public string LetterStatus { get; init; } = "";
    public string? Status { get; init; }
    public string? SignedAt { get; init; }
    public string? ConfirmedAt { get; init; }
    public string? Language { get; init; }
    public string? Ref { get; init; }
    public string? Website { get; init; }
    public string? Comment { get; init; }
    public long? ShareContact { get; init; }
    public string? ContactName { get; init; }
    public string? ContactRole { get; init; }
    public string? ContactEmail { get; init; }
    public string? Organisation { get; init; }
    public string? City { get; init; }
    public string? Country { get; init; }
    public long ListedCount { get; init; }
}
