using Dapper;
using Petitions.Data;
using Petitions.Email;
using Petitions.Organisations;
using Petitions.Petitions;

namespace Petitions.Signatures;

public enum ConfirmOutcome
{
    Confirmed,
    Unknown,
    Expired,
}

/// <summary>What a confirmation did, and the letter it belongs to.</summary>
public sealed record ConfirmResult(ConfirmOutcome Outcome, string? Status = null, string? Title = null, string? Slug = null);

/// <summary>
/// The link in a sign-on's (or a further contact's) email: looking at it, and using it to confirm,
/// which lists the organisation or puts it before the coordinators under the letter's review setting.
/// </summary>
public sealed class Confirmation(Db db, Outbox outbox, Notifications notifications, ListChanges changes, TimeProvider clock)
{
    /// <summary>Whether a confirmed sign-on waits for a coordinator, under its letter's review setting.</summary>
    public static bool NeedsReview(string review, string flags)
    {
        var set = flags.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return review switch
        {
            ReviewSetting.All => true,
            // "Review nothing" trusts names, not deceptions: a link or a name imitating another in a mix of
            // scripts, once listed, is published under the coalition's name.
            ReviewSetting.None => set.Contains(LinkLikeText.Flag) || set.Contains(SignOn.LookAlike),
            // domain-verified is the one flag that vouches rather than doubts.
            _ => set.Any(flag => flag != DomainCheck.Verified),
        };
    }

    /// <summary>Confirms a sign-on (or a further contact) from the token in its email.</summary>
    public async Task<ConfirmResult> ConfirmAsync(string? token, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var transaction = Db.BeginWrite(connection);
        var record = await Tokens.FindAsync(connection, transaction, Tokens.Confirm, token)
            ?? await Tokens.FindAsync(connection, transaction, Tokens.Contact, token);
        switch (record?.StateAt(now))
        {
            case null or TokenState.Unknown or TokenState.Used:
                return new ConfirmResult(ConfirmOutcome.Unknown);
            case TokenState.Expired:
                return new ConfirmResult(ConfirmOutcome.Expired);
        }

        if (!await Tokens.UseAsync(connection, transaction, record!.Id, now))
        {
            return new ConfirmResult(ConfirmOutcome.Unknown);
        }

        var signature = (await SignatureContext.LoadAsync(connection, transaction, record.SignatureId!.Value))!;
        var status = signature.Status;
        if (record.Purpose == Tokens.Contact)
        {
            await connection.ExecuteAsync("UPDATE contacts SET confirmed_at = @at WHERE id = @ContactId",
                new { at = Time.Format(now), record.ContactId }, transaction);
            SignatureStore.Record(connection, transaction, signature.PetitionId, signature.Id, "signatory", "contact-confirmed", null, null, null, now);
        }
        else if (signature.Status == SignatureStatus.Pending)
        {
            var needsReview = NeedsReview(signature.Review, signature.Flags);
            status = await SignatureStore.ApplyAsync(connection, transaction, changes, signature.Id,
                needsReview ? SignatureAction.ConfirmForReview : SignatureAction.Confirm, "signatory", null, now);
            await (needsReview
                ? notifications.AwaitingReviewAsync(connection, transaction, signature, now)
                : notifications.ListedAsync(connection, transaction, signature, now));
        }

        await transaction.CommitAsync(cancellationToken);
        outbox.Notify();
        return new ConfirmResult(ConfirmOutcome.Confirmed, status, signature.Title, signature.Slug);
    }

    /// <summary>The letter a confirmation link belongs to, without using the link (mail scanners open links).</summary>
    public async Task<(TokenState State, string? Title, string? Slug)> PeekAsync(string? token, CancellationToken cancellationToken = default)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        var record = await Tokens.FindAsync(connection, null, Tokens.Confirm, token)
            ?? await Tokens.FindAsync(connection, null, Tokens.Contact, token);
        if (record is null)
        {
            return (TokenState.Unknown, null, null);
        }

        var letter = await connection.QuerySingleAsync<(string Title, string Slug)>(
            "SELECT p.title, p.slug FROM signatures s JOIN petitions p ON p.id = s.petition_id WHERE s.id = @SignatureId", new { record.SignatureId });
        return (record.StateAt(clock.GetUtcNow()), letter.Title, letter.Slug);
    }
}
