using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using MimeKit;
using Petitions.Data;

namespace Petitions.Email;

/// <summary>An email to send: written to the outbox in the transaction of the change that caused it.</summary>
public sealed record OutgoingEmail(string Kind, string To, string Subject, string Text, string Html, long? PetitionId = null, long? SignatureId = null);

public sealed class Outbox(IOptions<MailOptions> options) : IDisposable
{
    private readonly SemaphoreSlim signal = new(0, 1);

    private string? domain;

    private string Domain => domain ??= MailboxAddress.TryParse(options.Value.From, out var from) && from.Domain is { Length: > 0 } d ? d : "localhost";

    /// <summary>Queues an email in the caller's transaction; call <see cref="Notify"/> after the commit.</summary>
    public void Enqueue(SqliteConnection connection, SqliteTransaction transaction, OutgoingEmail email, DateTimeOffset now)
    {
        // The Message-ID is fixed now, so a message resent after an ambiguous failure keeps it.
        // Version 7 GUIDs start with the time: new IDs go to the end of the unique index on message_id,
        // not to a random page of it (one page written per email instead of one per email and index page).
        var messageId = $"{Guid.CreateVersion7(now):N}@{Domain}";
        var at = Time.Format(now);
        Prepared.Command(connection, transaction, """
            INSERT INTO outbox (kind, petition_id, signature_id, to_address, subject, text_body, html_body, message_id, created_at, due_at)
            VALUES ($kind, $petitionId, $signatureId, $to, $subject, $text, $html, $messageId, $at, $at)
            """)
            .With("$kind", email.Kind).With("$petitionId", email.PetitionId).With("$signatureId", email.SignatureId).With("$to", email.To)
            .With("$subject", email.Subject).With("$text", email.Text).With("$html", email.Html).With("$messageId", messageId).With("$at", at)
            .ExecuteNonQuery();
    }

    /// <summary>Wakes the dispatcher: something committed is waiting.</summary>
    public void Notify()
    {
        if (signal.CurrentCount == 0)
        {
            try
            {
                signal.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already signalled: one wake-up is enough.
            }
        }
    }

    public void Dispose() => signal.Dispose();

    /// <summary>Blocks the calling thread (a dispatcher's lane) until <see cref="Notify"/> or the timeout.</summary>
    internal bool Wait(TimeSpan timeout, CancellationToken cancellationToken) => signal.Wait(timeout, cancellationToken);
}
