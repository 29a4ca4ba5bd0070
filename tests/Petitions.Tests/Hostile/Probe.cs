using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dapper;
using Petitions.Tests.Support;

namespace Petitions.Tests.Hostile;

/// <summary>One hostile request and what came of it: the answer, and whether the database changed.</summary>
public sealed record Answer(string Field, string Value, int Status, string? Location, string? MediaType, string Body, bool Stored)
{
    /// <summary>For an HTML answer: whether it shows a message by <see cref="Field"/>, and the raw markup of the input in it.</summary>
    public (bool FieldMessage, IReadOnlyList<string> Dangers)? Page { get; init; }

    public bool IsServerError => Status >= 500;

    public bool IsRefusal => Status is >= 400 and < 500;

    public string Describe() =>
        $"{Field} = {HostileData.Show(Value)} → {Status}{(Location is null ? "" : " " + Location)}: {HostileData.Show(Body.Length > 800 ? Body[..800] : Body)}";
}

/// <summary>
/// Sends hostile sign-ons the two ways a client can (the JSON API and the HTML form), noting for
/// each whether anything was stored or queued, and judges the answers.
/// </summary>
public static partial class Probe
{
    /// <summary>Sign-ons in flight at once in <see cref="SendManyAsync"/>: enough for group commit to share its fsyncs.</summary>
    public const int Concurrency = 8;

    /// <summary>
    /// A sign-on with every field valid and an organisation and address of its own, so each request
    /// is a new signatory. <paramref name="tag"/> is ASCII letters, digits and hyphens.
    /// </summary>
    public static Dictionary<string, object?> Valid(string tag) =>
        SignOnClient.ValidJson($"Hostile Probe {tag}", $"probe.{tag.ToLowerInvariant()}@hostile.example.org");

    /// <summary>Each naughty string in each field, the other fields valid and the sign-on's own.</summary>
    public static List<(string Field, string Value, Dictionary<string, object?> Body)> EveryNaughtyStringInEveryField(string way)
    {
        var signOns = new List<(string, string, Dictionary<string, object?>)>();
        foreach (var field in HostileData.TextFields)
        {
            for (var i = 0; i < HostileData.NaughtyStrings.Count; i++)
            {
                var body = Valid(string.Create(CultureInfo.InvariantCulture, $"{way}-{field}-{i}"));
                body[field] = HostileData.NaughtyStrings[i];
                signOns.Add((field, HostileData.NaughtyStrings[i], body));
            }
        }

        return signOns;
    }

    /// <summary>
    /// Sends many sign-ons, <see cref="Concurrency"/> at a time. Each has an organisation and an
    /// address of its own in every field but <c>Field</c>, so what a refusal stored is found by
    /// them; and all together may not have stored more signatories and emails than were accepted.
    /// </summary>
    /// <returns>The answers in the order of <paramref name="signOns"/>, and what the whole batch did wrong.</returns>
    public static async Task<(IReadOnlyList<Answer> Answers, IReadOnlyList<string> Problems)> SendManyAsync(
        PetitionsApp app, IReadOnlyList<(string Field, string Value, Dictionary<string, object?> Body)> signOns,
        Func<Dictionary<string, object?>, Task<HttpResponseMessage>> post)
    {
        var before = await CountsAsync(app);
        var answers = new Answer[signOns.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, signOns.Count), new ParallelOptions { MaxDegreeOfParallelism = Concurrency }, async (i, cancellationToken) =>
        {
            var (field, value, body) = signOns[i];
            using var response = await post(body);
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            var mediaType = response.Content.Headers.ContentType?.MediaType;
            answers[i] = new Answer(field, value, (int)response.StatusCode, response.Headers.Location?.ToString(), mediaType,
                mediaType == "text/html" ? "" : text, Stored: false)
            {
                // Judged now, on the form (where what was typed comes back): a few thousand letter pages would not fit in memory.
                Page = mediaType == "text/html" ? (text.Contains($"id=\"{field}-error\"", StringComparison.Ordinal), [.. Markup.Dangers(FormPart(text), [value]), .. Markup.RawInput(text, [value])]) : null,
            };
        });

        HashSet<string> organisations, addresses;
        await using (var connection = await app.Db.OpenAsync())
        {
            organisations = [.. await connection.QueryAsync<string>("SELECT name FROM organisations")];
            addresses = new(await connection.QueryAsync<string>("""
                SELECT contact_email FROM signatures WHERE contact_email IS NOT NULL
                UNION ALL SELECT email FROM contacts UNION ALL SELECT to_address FROM outbox
                """), StringComparer.OrdinalIgnoreCase);
        }

        for (var i = 0; i < answers.Length; i++)
        {
            if (answers[i].IsRefusal || answers[i].IsServerError)
            {
                var (field, _, body) = signOns[i];
                var stored = (field != "organisation" && organisations.Contains((string)body["organisation"]!))
                    || (field != "contactEmail" && addresses.Contains((string)body["contactEmail"]!));
                answers[i] = answers[i] with { Stored = stored };
            }
        }

        var after = await CountsAsync(app);
        var accepted = answers.Count(a => a.Status is >= 200 and < 400);
        var problems = new List<string>();
        if (after.Signatures + after.Contacts - before.Signatures - before.Contacts > accepted)
        {
            problems.Add($"{after.Signatures + after.Contacts - before.Signatures - before.Contacts} signatories and contacts stored for {accepted} sign-ons accepted");
        }

        if (after.Outbox - before.Outbox > accepted)
        {
            problems.Add($"{after.Outbox - before.Outbox} emails queued for {accepted} sign-ons accepted");
        }

        return (answers, problems);
    }

    public static async Task<Answer> SendJsonAsync(PetitionsApp app, HttpClient client, string field, string value, IDictionary<string, object?> body)
    {
        var before = await CountsAsync(app);
        using var response = await SignOnClient.PostJsonAsync(client, body);
        return await AnswerAsync(app, field, value, before, response);
    }

    public static async Task<Answer> SendRawAsync(PetitionsApp app, HttpClient client, string field, string value, HttpRequestMessage request)
    {
        var before = await CountsAsync(app);
        using var response = await client.SendAsync(request);
        return await AnswerAsync(app, field, value, before, response);
    }

    /// <summary>The form's fields from a sign-on, as strings the way a browser sends them (a ticked box is "true").</summary>
    public static List<KeyValuePair<string, string>> FormFields(IDictionary<string, object?> body) =>
        body.Where(p => p.Value is not null and not false)
            .Select(p => new KeyValuePair<string, string>(p.Key, p.Value is true ? "true" : p.Value!.ToString()!))
            .ToList();

    /// <summary>An antiforgery token for this client (its cookie is kept by the client).</summary>
    public static async Task<string> AntiforgeryTokenAsync(HttpClient client)
    {
        var page = await client.GetStringAsync($"/petitions/{SignOnClient.Slug}");
        return TokenPattern().Match(page).Groups[1].Value;
    }

    /// <summary>
    /// What is wrong with a JSON API answer to a sign-on with one field hostile: a 5xx; a refusal
    /// that is not a problem naming that field (and only it); anything stored on a refusal.
    /// </summary>
    public static string? JudgeJson(Answer answer)
    {
        if (answer.IsServerError)
        {
            return "a server error: " + answer.Describe();
        }

        if (!answer.IsRefusal)
        {
            return null;
        }

        if (answer.Stored)
        {
            return "refused, but something was stored or queued: " + answer.Describe();
        }

        if (answer.MediaType != "application/problem+json")
        {
            return "refused without a problem document: " + answer.Describe();
        }

        try
        {
            var named = JsonDocument.Parse(answer.Body).RootElement.GetProperty("errors").EnumerateObject().Select(p => p.Name).ToList();
            return named.SequenceEqual([answer.Field]) ? null : $"refused naming [{string.Join(", ", named)}] instead of {answer.Field}: " + answer.Describe();
        }
        catch (Exception exception) when (exception is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return "refused without errors per field: " + answer.Describe();
        }
    }

    /// <summary>
    /// What is wrong with a form answer: a 5xx; a refusal that is not the page again (400) with a
    /// message by that field; anything stored on a refusal; raw markup of the input in the page.
    /// </summary>
    public static string? JudgeForm(Answer answer)
    {
        if (answer.IsServerError)
        {
            return "a server error: " + answer.Describe();
        }

        if (answer.Status is (int)HttpStatusCode.SeeOther)
        {
            return answer.Location == $"/petitions/{SignOnClient.Slug}/check-email" ? null : "redirected elsewhere: " + answer.Describe();
        }

        if (!answer.IsRefusal)
        {
            return answer.Status is >= 200 and < 400 ? null : "an unexpected answer: " + answer.Describe();
        }

        if (answer.Stored)
        {
            return "refused, but something was stored or queued: " + answer.Describe();
        }

        var (fieldMessage, dangers) = answer.Page
            ?? (answer.Body.Contains($"id=\"{answer.Field}-error\"", StringComparison.Ordinal), Markup.Dangers(answer.Body, [answer.Value]));
        if (answer.Status != (int)HttpStatusCode.BadRequest || !fieldMessage)
        {
            return $"refused without a message by {answer.Field}: {answer.Describe()}";
        }

        return dangers.Count == 0 ? null : $"the page sent back shows the input raw ({string.Join("; ", dangers)}): " + HostileData.Show(answer.Value);
    }

    /// <summary>What a sign-on stores or queues, as <see cref="SignOnClient.CountsAsync"/> counts it, in one query.</summary>
    public static async Task<(long Signatures, long Outbox, long Organisations, long Contacts)> CountsAsync(PetitionsApp app)
    {
        await using var connection = await app.Db.OpenAsync();
        return await connection.QuerySingleAsync<(long, long, long, long)>("""
            SELECT (SELECT count(*) FROM signatures), (SELECT count(*) FROM outbox), (SELECT count(*) FROM organisations), (SELECT count(*) FROM contacts)
            """);
    }

    private static async Task<Answer> AnswerAsync(
        PetitionsApp app, string field, string value, (long, long, long, long) before, HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        var after = await CountsAsync(app);
        return new Answer(field, value, (int)response.StatusCode, response.Headers.Location?.ToString(),
            response.Content.Headers.ContentType?.MediaType, body, after != before);
    }

    /// <summary>The sign-on form of a letter page, where the page shows what was typed; the whole page when it has none.</summary>
    private static string FormPart(string page)
    {
        var start = page.IndexOf("<section class=\"sign\"", StringComparison.Ordinal);
        var end = start < 0 ? -1 : page.IndexOf("</section>", start, StringComparison.Ordinal);
        return end < 0 ? page : page[start..end];
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();
}
