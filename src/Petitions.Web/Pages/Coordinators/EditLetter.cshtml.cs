using System.Globalization;
using System.Text;
using FluentValidation;
using Microsoft.AspNetCore.Mvc;
using Petitions.Coordinators;
using Petitions.Data;
using Petitions.Petitions;
using Petitions.Signatures;

namespace Petitions.Pages.Coordinators;

/// <summary>The letter as a form: demand groups and footnotes written as plain lines, so it works without script.</summary>
public sealed record LetterForm(
    string Slug, string Title, string Addressee, string Place, string Date, string Status, string Review, string ClosesAt,
    string Body, string DemandGroups, string Footnotes, string ReviewAlerts = ReviewAlertSetting.Each, string Language = LetterLanguages.Default,
    string OpensAt = "", string ListPublishedAt = "", string EmbedOrigins = "")
{
    public static LetterForm Empty { get; } = new("", "", "", "", "", PetitionStatus.Draft, ReviewSetting.Flagged, "", "", "", "");

    public static LetterForm From(Petition p) => new(
        p.Slug, p.Title, p.Addressee, p.Place, p.Date?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "", p.Status, p.Review,
        WriteTime(p.ClosesAt), p.Body, WriteDemandGroups(p.DemandGroups), WriteFootnotes(p.Footnotes), p.ReviewAlerts, p.Language,
        WriteTime(p.OpensAt), WriteTime(p.ListPublishedAt), string.Join("\n", p.Origins));

    /// <summary>A time as a datetime-local field holds it, in UTC (the form says so).</summary>
    private static string WriteTime(DateTimeOffset? time) =>
        time?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture) ?? "";

    /// <summary>Demand groups as the form writes them: a lead-in line, then "- " before each demand; a blank line between groups.</summary>
    public static string WriteDemandGroups(IEnumerable<DemandGroup> groups) =>
        string.Join("\n\n", groups.Select(g => g.Lead + "\n" + string.Join("\n", g.Demands.Select(d => "- " + d))));

    /// <summary>Footnotes as the form writes them: "1. The note." a line each.</summary>
    public static string WriteFootnotes(IEnumerable<Footnote> notes) => string.Join("\n", notes.Select(f => $"{f.Number}. {f.Text}"));

    public static List<DemandGroup> ReadDemandGroups(string text)
    {
        var groups = new List<DemandGroup>();
        foreach (var block in Normalise(text).Split("\n\n", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var lines = block.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            var demands = lines.Skip(1).Select(l => l.StartsWith("- ", StringComparison.Ordinal) ? l[2..].Trim() : l).ToList();
            groups.Add(new DemandGroup(lines[0], demands));
        }

        return groups;
    }

    /// <returns>The footnotes, or the message for the first line that is not one.</returns>
    public static (List<Footnote> Notes, string? Error) ReadFootnotes(string text)
    {
        var footnotes = new List<Footnote>();
        string? error = null;
        foreach (var line in Normalise(text).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var dot = line.IndexOf(". ", StringComparison.Ordinal);
            if (dot > 0 && int.TryParse(line[..dot], NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                footnotes.Add(new Footnote(number, line[(dot + 2)..].Trim()));
            }
            else
            {
                error = string.Format(CultureInfo.CurrentCulture, "{0} \"{1}\".", Resources.Texts.Validation("Start each footnote with its number and a full stop:"), Shorten(line));
            }
        }

        return (footnotes, error);
    }

    /// <returns>The letter, or what could not be read.</returns>
    public (LetterInput? Letter, Dictionary<string, string[]> Errors) Read()
    {
        var errors = new Dictionary<string, string[]>();
        DateOnly? date = null;
        if (Date.Length > 0)
        {
            if (DateOnly.TryParseExact(Date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d))
            {
                date = d;
            }
            else
            {
                errors["date"] = [Resources.Texts.Validation("Enter the date as YYYY-MM-DD.")];
            }
        }

        var closes = ReadTime(errors, "closesAt", ClosesAt, "Enter the closing time as a date and time.");
        var opens = ReadTime(errors, "opensAt", OpensAt, "Enter the opening time as a date and time.");
        var published = ReadTime(errors, "listPublishedAt", ListPublishedAt, "Enter the time the list is published as a date and time.");
        var origins = Normalise(EmbedOrigins).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        var groups = ReadDemandGroups(DemandGroups);
        var (footnotes, footnoteError) = ReadFootnotes(Footnotes);
        if (footnoteError is not null)
        {
            errors["footnotes"] = [footnoteError];
        }

        return errors.Count > 0
            ? (null, errors)
            : (new LetterInput(Slug.Trim(), Title.Trim(), Addressee.Trim(), Place.Trim(), date, Status, null, closes, Normalise(Body), groups, footnotes,
                Review.Length == 0 ? null : Review, ReviewAlerts.Length == 0 ? null : ReviewAlerts, Language.Length == 0 ? null : Language,
                opens, published, origins), errors);
    }

    private static DateTimeOffset? ReadTime(Dictionary<string, string[]> errors, string field, string text, string message)
    {
        if (text.Length == 0)
        {
            return null;
        }

        if (DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            return new DateTimeOffset(time, TimeSpan.Zero);
        }

        errors[field] = [Resources.Texts.Validation(message)];
        return null;
    }

    public static string Normalise(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');

    private static string Shorten(string text) => text.Length > 40 ? text[..40] + "…" : text;
}

public sealed class EditLetterModel(PetitionStore petitions, CoordinatorStore coordinators, IValidator<LetterInput> validator, Db db, ListChanges changes, TimeProvider clock)
    : CoordinatorPage(petitions, coordinators)
{
    public bool IsNew { get; private set; }

    public LetterForm Form { get; private set; } = LetterForm.Empty;

    public IReadOnlyDictionary<string, string[]> Errors { get; private set; } = new Dictionary<string, string[]>();

    /// <summary>The letter as it would read, shown above the form when Preview was pressed; nothing is saved.</summary>
    public LetterInput? Preview { get; private set; }

    public async Task<IActionResult> OnGetAsync([FromRoute] string slug, CancellationToken cancellationToken)
    {
        if (slug == "new")
        {
            IsNew = true;
            Response.Headers.CacheControl = "no-cache, no-store";
            return Page();
        }

        if (await LetterAsync(slug, cancellationToken) is { } letter)
        {
            Form = LetterForm.From(letter);
        }

        return Page();
    }

    public async Task<IActionResult> OnPostAsync([FromRoute] string slug, CancellationToken cancellationToken)
    {
        var f = Request.Form;
        IsNew = slug == "new";
        Petition? current = null;
        if (!IsNew && (current = await LetterAsync(slug, cancellationToken)) is null)
        {
            return Page();
        }

        Form = new LetterForm(IsNew ? f["slug"].ToString() : slug, f["title"].ToString(), f["addressee"].ToString(), f["place"].ToString(),
            f["date"].ToString(), f["status"].ToString(), f["review"].ToString(), f["closesAt"].ToString(), f["body"].ToString(),
            f["demandGroups"].ToString(), f["footnotes"].ToString(), f["reviewAlerts"].ToString(), f["language"].ToString(),
            f["opensAt"].ToString(), f["listPublishedAt"].ToString(), f["embedOrigins"].ToString());
        var (letter, errors) = Form.Read();
        if (letter is not null)
        {
            var validation = await validator.ValidateAsync(letter, cancellationToken);
            foreach (var (field, messages) in SignaturesApi.Errors(validation))
            {
                errors[field.Split('[')[0].Split('.')[0]] = messages;
            }
        }

        if (errors.Count > 0)
        {
            Errors = errors;
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        if (f["preview"] == "yes")
        {
            Preview = letter;
            Response.Headers.CacheControl = "no-cache, no-store";
            return Page();
        }

        await using (var connection = await db.OpenAsync(cancellationToken))
        {
            await using var transaction = Db.BeginWrite(connection);
            if (IsNew)
            {
                if (await PetitionStore.FindAsync(connection, transaction, letter!.Slug) is not null)
                {
                    Errors = new Dictionary<string, string[]> { ["slug"] = ["There is a letter of that name already."] };
                    Response.StatusCode = StatusCodes.Status409Conflict;
                    return Page();
                }

                var id = await PetitionStore.CreateAsync(connection, transaction, letter, clock.GetUtcNow(), Actor);
                await CoordinatorStore.GrantAsync(connection, transaction, User.CoordinatorId(), id);
            }
            else
            {
                if (await TranslationStore.SourceLanguageProblemAsync(connection, transaction, current!, letter!) is { } wrong)
                {
                    Errors = new Dictionary<string, string[]> { ["language"] = [wrong] };
                    Response.StatusCode = StatusCodes.Status400BadRequest;
                    return Page();
                }

                await PetitionStore.UpdateAsync(connection, transaction, current!, letter!, clock.GetUtcNow(), Actor);
            }

            // Not the request's token: a commit that happened must be announced, even if the client has gone.
            await transaction.CommitAsync(CancellationToken.None);
        }

        if (!IsNew)
        {
            changes.Changed(current!.Id);
        }

        Response.Headers.Location = $"/coordinators/petitions/{Uri.EscapeDataString(letter!.Slug)}";
        return StatusCode(StatusCodes.Status303SeeOther);
    }
}
