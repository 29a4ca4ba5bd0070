using System.Data.Common;
using System.Text.RegularExpressions;
using Dapper;
using FluentValidation;
using Petitions.Data;
using Petitions.Resources;
using Petitions.Signatures;

namespace Petitions.Partners;

/// <summary>An organisation that shares a letter through its own link, <c>/petitions/{slug}?ref=CODE</c>.</summary>
/// <param name="SignOns">How many sign-ons came through its link (every status).</param>
/// <param name="Listed">How many of those are listed.</param>
public sealed record Partner(string Code, string Name, string? Website, DateTimeOffset CreatedAt, long SignOns, long Listed);

/// <summary>A partner as a coordinator sends it. The code names it in links already shared, so it is never changed.</summary>
public sealed record PartnerInput
{
    public string? Code { get; init; }
    public string? Name { get; init; }
    public string? Website { get; init; }

    /// <summary>Trimmed, the code in lower case, a website without a scheme given https:// (as sign-ons store it).</summary>
    public PartnerInput Cleaned() => new()
    {
        Code = Code?.Trim().ToLowerInvariant(),
        Name = Name?.Trim() is { Length: > 0 } name ? name : null,
        Website = Website?.Trim() is { Length: > 0 } site
            ? site.Contains("://", StringComparison.Ordinal) || !site.Contains('.', StringComparison.Ordinal) ? site : "https://" + site
            : null,
    };
}

public sealed partial class PartnerInputValidator : AbstractValidator<PartnerInput>
{
    public const int MaxName = 200;
    public const int MaxWebsite = 300;

    public PartnerInputValidator()
    {
        RuleFor(p => p.Code).Cascade(CascadeMode.Stop)
            .NotEmpty().WithLocalMessage("Give the partner a short code for its link, such as acme.")
            .Must(PartnerStore.IsCode).WithLocalMessage("The code is 1 to 32 lower-case letters, digits or hyphens.");
        RuleFor(p => p.Name).Cascade(CascadeMode.Stop)
            .NotEmpty().WithLocalMessage("Enter the partner's name.")
            .MaximumLength(MaxName).WithLocalMessage("The partner's name must be at most 200 characters.")
            .Must(n => !FreeText.HasControlCharacters(n) && !FreeText.HasBidiControls(n)).WithLocalMessage("The partner's name may not contain control characters.");
        RuleFor(p => p.Website).Cascade(CascadeMode.Stop)
            .MaximumLength(MaxWebsite).WithLocalMessage("The website must be at most 300 characters.")
            .Must(w => w is null || (Uri.TryCreate(w, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.Host.Contains('.', StringComparison.Ordinal)))
            .WithLocalMessage("Enter the website as an address starting with http:// or https://.");
    }
}

/// <summary>A letter's partners, and the counts of the sign-ons each brought.</summary>
public sealed partial class PartnerStore(Db db, TimeProvider clock)
{
    /// <summary>Whether the text is a partner code: 1 to 32 of a-z, 0-9 and '-'.</summary>
    public static bool IsCode(string? code) => code is not null && CodePattern().IsMatch(code);

    [GeneratedRegex("^[a-z0-9-]{1,32}$", RegexOptions.CultureInvariant)]
    private static partial Regex CodePattern();

    public async Task<IReadOnlyList<Partner>> ListAsync(long petitionId, CancellationToken cancellationToken = default)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string Code, string Name, string? Website, string CreatedAt, long SignOns, long Listed)>(new CommandDefinition("""
            SELECT p.code, p.name, p.website, p.created_at,
                   (SELECT count(*) FROM signatures s WHERE s.petition_id = p.petition_id AND s.ref = p.code),
                   (SELECT count(*) FROM signatures s WHERE s.petition_id = p.petition_id AND s.ref = p.code AND s.status = 'listed')
            FROM partners p WHERE p.petition_id = @petitionId ORDER BY p.code
            """, new { petitionId }, cancellationToken: cancellationToken));
        return rows.Select(r => new Partner(r.Code, r.Name, r.Website, Time.Parse(r.CreatedAt), r.SignOns, r.Listed)).ToList();
    }

    public async Task<Partner?> FindAsync(long petitionId, string code, CancellationToken cancellationToken = default) =>
        (await ListAsync(petitionId, cancellationToken)).FirstOrDefault(p => p.Code == code);

    /// <summary>Whether the letter has a partner of that code (the sign-on's check of a <c>ref</c>).</summary>
    public async Task<bool> ExistsAsync(long petitionId, string? code, CancellationToken cancellationToken = default)
    {
        if (!IsCode(code))
        {
            return false;
        }

        await using var connection = await db.OpenAsync(cancellationToken);
        return await ExistsAsync(connection, null, petitionId, code!);
    }

    /// <summary>The name of the letter's partner of a link's <c>ref</c> (lower-cased and trimmed here), or null when it has none of that code.</summary>
    public async Task<(string Code, string Name)?> OfLinkAsync(long petitionId, string? given, CancellationToken cancellationToken = default)
    {
        var code = given?.Trim().ToLowerInvariant();
        if (!IsCode(code))
        {
            return null;
        }

        await using var connection = await db.OpenAsync(cancellationToken);
        var name = await connection.ExecuteScalarAsync<string?>("SELECT name FROM partners WHERE petition_id = @petitionId AND code = @code",
            new { petitionId, code });
        return name is null ? null : (code!, name);
    }

    public static Task<bool> ExistsAsync(DbConnection connection, DbTransaction? transaction, long petitionId, string code) =>
        connection.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM partners WHERE petition_id = @petitionId AND code = @code)",
            new { petitionId, code }, transaction);

    /// <returns>False when the letter has a partner of that code already.</returns>
    public async Task<bool> AddAsync(long petitionId, PartnerInput partner, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(partner);
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var transaction = Db.BeginWrite(connection);
        if (await ExistsAsync(connection, transaction, petitionId, partner.Code!))
        {
            return false;
        }

        // Two coordinators adding the same code at once: the unique key refuses the second.
        try
        {
            await connection.ExecuteAsync("""
                INSERT INTO partners (petition_id, code, name, website, created_at) VALUES (@petitionId, @Code, @Name, @Website, @now)
                """, new { petitionId, partner.Code, partner.Name, partner.Website, now = Time.Format(clock.GetUtcNow()) }, transaction);
            await transaction.CommitAsync(cancellationToken);
            return true;
        }
        catch (DbException exception) when (exception.SqlState == "23505" || exception is Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 19 })
        {
            return false;
        }
    }

    /// <returns>False when the letter has no partner of that code.</returns>
    public async Task<bool> UpdateAsync(long petitionId, string code, string name, string? website, CancellationToken cancellationToken = default)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync("UPDATE partners SET name = @name, website = @website WHERE petition_id = @petitionId AND code = @code",
            new { petitionId, code, name, website }) == 1;
    }

    /// <summary>
    /// Removes a partner from the letter: its link stops being recorded (an unknown code is ignored), but
    /// the sign-ons it brought keep their <c>ref</c>, and a coordinator limited to it stays limited to them.
    /// </summary>
    /// <returns>False when the letter has no partner of that code.</returns>
    /// <summary>Removes a partner, and the webhook subscriptions its coordinators made: no partner row, no sign-ons to send them.</summary>
    public async Task<bool> RemoveAsync(long petitionId, string code, CancellationToken cancellationToken = default)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var transaction = Db.BeginWrite(connection);
        var parameters = new { petitionId, code };
        await connection.ExecuteAsync("""
            DELETE FROM webhook_deliveries WHERE subscription_id IN (SELECT w.id FROM webhook_subscriptions w JOIN partners p ON p.id = w.partner_id
                                                                     WHERE p.petition_id = @petitionId AND p.code = @code);
            DELETE FROM webhook_subscriptions WHERE partner_id IN (SELECT id FROM partners WHERE petition_id = @petitionId AND code = @code);
            UPDATE petitions SET webhooks = (SELECT count(*) FROM webhook_subscriptions WHERE petition_id = @petitionId) WHERE id = @petitionId;
            """, parameters, transaction);
        var removed = await connection.ExecuteAsync("DELETE FROM partners WHERE petition_id = @petitionId AND code = @code", parameters, transaction) == 1;
        await transaction.CommitAsync(cancellationToken);
        return removed;
    }
}
