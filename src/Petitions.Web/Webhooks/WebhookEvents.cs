using System.Data.Common;
using Petitions.Data;
using Petitions.Signatures;

namespace Petitions.Webhooks;

/// <summary>
/// The events a subscription may ask for, and the one place that queues their deliveries: in the
/// caller's transaction, so a change and its deliveries commit together or not at all.
/// </summary>
public static class WebhookEvents
{
    public const string SignaturePending = "signature.pending";
    public const string SignatureListed = "signature.listed";
    public const string SignatureWithdrawn = "signature.withdrawn";
    public const string SignatureRejected = "signature.rejected";
    public const string LetterClosed = "letter.closed";

    public static readonly IReadOnlyList<string> All = [SignaturePending, SignatureListed, SignatureWithdrawn, SignatureRejected, LetterClosed];

    /// <summary>The event of a signature arriving in a status, if that arrival is one.</summary>
    public static string? OfStatus(string status) => status switch
    {
        SignatureStatus.Pending => SignaturePending,
        SignatureStatus.Listed => SignatureListed,
        SignatureStatus.Withdrawn => SignatureWithdrawn,
        SignatureStatus.Rejected => SignatureRejected,
        _ => null,
    };

    /// <summary>
    /// Queues a delivery of the event to each subscription of the letter that asked for it (disabled
    /// ones too: they are held until a coordinator enables the subscription again). One statement;
    /// the sign-on calls it only for a letter that has subscriptions (<c>petitions.webhooks</c>).
    /// </summary>
    /// <returns>How many deliveries were queued.</returns>
    /// <remarks>A partner's subscription (<c>partner_id</c>) receives only the sign-ons its partner's link brought.</remarks>
    public static int Queue(DbConnection connection, DbTransaction transaction, long petitionId, long? signatureId, string @event, DateTimeOffset at)
    {
        var time = Time.Format(at);
        return Prepared.Command(connection, transaction, """
            INSERT INTO webhook_deliveries (subscription_id, event, petition_id, signature_id, occurred_at, due_at)
            SELECT id, @event, petition_id, CAST(@signatureId AS bigint), @at, @at FROM webhook_subscriptions
            WHERE petition_id = @petitionId AND (' ' || events || ' ') LIKE '% ' || @event || ' %'
              AND (partner_id IS NULL OR partner_id IN (
                  SELECT p.id FROM partners p JOIN signatures s ON s.petition_id = p.petition_id AND s.ref = p.code WHERE s.id = @signatureId))
            """).With("@event", @event).With("@signatureId", signatureId).With("@at", time).With("@petitionId", petitionId)
            .ExecuteNonQuery();
    }

    /// <summary>
    /// The letter stopped taking sign-ons at <paramref name="closedAt"/> (closed by a coordinator, or its
    /// closesAt passed): claims that closing with a row of its own and, when this transaction is the one
    /// that claimed it, queues <see cref="LetterClosed"/> for the subscriptions that existed by then.
    /// </summary>
    /// <returns>Whether this call claimed the closing (false: another node or an earlier run did).</returns>
    public static bool QueueLetterClosed(DbConnection connection, DbTransaction transaction, long petitionId, DateTimeOffset closedAt, DateTimeOffset now)
    {
        var at = Time.Format(closedAt);
        // On PostgreSQL a second node's insert waits on the first's uncommitted key, then does nothing.
        var claimed = Prepared.Command(connection, transaction, """
            INSERT INTO letter_closings (petition_id, closed_at, recorded_at) VALUES (@petitionId, @at, @now)
            ON CONFLICT (petition_id, closed_at) DO NOTHING
            """).With("@petitionId", petitionId).With("@at", at).With("@now", Time.Format(now)).ExecuteNonQuery() == 1;
        if (claimed)
        {
            Prepared.Command(connection, transaction, """
                INSERT INTO webhook_deliveries (subscription_id, event, petition_id, signature_id, occurred_at, due_at)
                SELECT id, @event, petition_id, NULL, @at, @now FROM webhook_subscriptions
                WHERE petition_id = @petitionId AND created_at <= @at AND (' ' || events || ' ') LIKE '% ' || @event || ' %'
                """).With("@event", LetterClosed).With("@at", at).With("@now", Time.Format(now)).With("@petitionId", petitionId)
                .ExecuteNonQuery();
        }

        return claimed;
    }
}
