using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Petitions.Tests.Support;

namespace Petitions.Tests.Hostile;

/// <summary>Each naughty string in each field of the JSON sign-on, the other fields valid.</summary>
public sealed class NaughtyJsonSignOnTests : NaughtyFixture
{
    private IReadOnlyList<Answer> answers = [];
    private IReadOnlyList<string> problems = [];

    public static IEnumerable<string> Fields => HostileData.TextFields;

    protected override async Task SendAsync() =>
        (answers, problems) = await Probe.SendManyAsync(App, Probe.EveryNaughtyStringInEveryField("json"), body => SignOnClient.PostJsonAsync(Visitor, body));

    [Test]
    public void TheSignOnsTogetherStoredNoMoreThanWasAccepted() => Assert.That(problems, Is.Empty);

    [TestCaseSource(nameof(Fields))]
    public void EachNaughtyStringIsAcceptedOrRefusedNamingTheFieldAndStoringNothing(string field)
    {
        var sent = answers.Where(a => a.Field == field).ToList();

        Assert.That(sent, Has.Count.EqualTo(HostileData.NaughtyStrings.Count));
        Assert.That(sent.Select(Probe.JudgeJson).OfType<string>(), Is.Empty);
    }
}

/// <summary>Each naughty string in each field of the HTML form, posted with its antiforgery token.</summary>
public sealed class NaughtyFormSignOnTests : NaughtyFixture
{
    private IReadOnlyList<Answer> answers = [];
    private IReadOnlyList<string> problems = [];

    public static IEnumerable<string> Fields => HostileData.TextFields;

    protected override async Task SendAsync()
    {
        var token = await Probe.AntiforgeryTokenAsync(Visitor);
        (answers, problems) = await Probe.SendManyAsync(App, Probe.EveryNaughtyStringInEveryField("form"), async body =>
        {
            using var content = new FormUrlEncodedContent(Probe.FormFields(body).Prepend(new("__RequestVerificationToken", token)));
            return await Visitor.PostAsync($"/petitions/{SignOnClient.Slug}/sign", content);
        });
    }

    [Test]
    public void TheSignOnsTogetherStoredNoMoreThanWasAccepted() => Assert.That(problems, Is.Empty);

    [TestCaseSource(nameof(Fields))]
    public void EachNaughtyStringIsAcceptedOrTheFormComesBackWithAMessageByTheFieldAndNothingStored(string field)
    {
        var sent = answers.Where(a => a.Field == field).ToList();

        Assert.That(sent, Has.Count.EqualTo(HostileData.NaughtyStrings.Count));
        Assert.That(sent.Select(Probe.JudgeForm).OfType<string>(), Is.Empty);
    }
}

/// <summary>The naughty strings imported by a coordinator: as pasted "Name, City" lines and as a CSV in the export's format.</summary>
public sealed class NaughtyImportTests : NaughtyFixture
{
    private readonly List<(string Import, int Status, string Body)> imports = [];

    protected override async Task SendAsync()
    {
        var strings = HostileData.NaughtyStrings;

        // One line per string: as the whole line (a name, or "name, city" where it has a comma), then as the city.
        await ImportAsync("names as text lines", "text/plain", string.Join('\n', strings));
        await ImportAsync("cities as text lines", "text/plain",
            string.Join('\n', strings.Select((s, i) => string.Create(CultureInfo.InvariantCulture, $"Hostile Import City {i}, {s}"))));

        // The CSV: each string in every column of one row, and in every column but the name of another,
        // which is withdrawn so the reason travels too.
        var csv = new StringBuilder("organisation,city,country,contact_name,contact_role,contact_email,website,status,withdrawn_at,withdrawal_reason\r\n");
        for (var i = 0; i < strings.Count; i++)
        {
            var s = strings[i];
            csv.AppendJoin(',', new[] { s, s, s, s, s, s, s, s, s, s }.Select(Quote)).Append("\r\n");
            csv.AppendJoin(',', new[] { string.Create(CultureInfo.InvariantCulture, $"Hostile Csv Row {i}"), s, s, s, s, s, s, "withdrawn", "2026-05-03T00:00:00Z", s }
                .Select(Quote)).Append("\r\n");
        }

        await ImportAsync("a CSV with every column naughty", "text/csv", csv.ToString());
    }

    [Test]
    public void EachImportAnswersWithItsResultNeverAServerError()
    {
        Assert.That(imports, Has.Count.EqualTo(3));
        Assert.That(imports.Where(i => i.Status != (int)HttpStatusCode.OK).Select(i => $"{i.Import}: {i.Status} {HostileData.Show(i.Body)}"), Is.Empty);
        foreach (var (import, _, body) in imports)
        {
            var result = JsonDocument.Parse(body).RootElement;
            var kept = result.GetProperty("imported").GetInt32() + result.GetProperty("merged").GetInt32();
            var rejected = result.GetProperty("rejected").GetArrayLength();
            // Each row meets the sign-on's rules or is rejected with its line: the CSV's rows carry
            // naughty addresses and websites, so most of them are.
            Assert.That(kept, Is.GreaterThan(import.StartsWith("a CSV", StringComparison.Ordinal) ? 0 : 100), import);
            if (import.StartsWith("a CSV", StringComparison.Ordinal))
            {
                Assert.That(kept + rejected, Is.EqualTo(2 * HostileData.NaughtyStrings.Count), import);
            }
        }
    }

    private async Task ImportAsync(string name, string mediaType, string text)
    {
        using var content = new StringContent(text, Encoding.UTF8, mediaType);
        using var response = await CoordinatorClient.PostAsync($"/api/petitions/{SignOnClient.Slug}/signatures/import", content);
        imports.Add((name, (int)response.StatusCode, await response.Content.ReadAsStringAsync()));
    }

    private static string Quote(string value) => "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
