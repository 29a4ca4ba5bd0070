using System.Net;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Dapper;
using Petitions.Signatures;
using Petitions.Tests.Support;

namespace Petitions.Tests.Coordinators;

/// <summary>The chart of sign-ons over time on the coordinator's letter page, and its numbers, against a direct count.</summary>
public sealed partial class SignOnChartTests
{
    private PetitionsApp app = null!;
    private HttpClient coordinator = null!;

    [SetUp]
    public async Task StartApp()
    {
        app = new PetitionsApp();
        await Coordinator.AddLetterAsync(app, "one-day");
        await Coordinator.AddLetterAsync(app, "years-long");
        await Coordinator.AddLetterAsync(app, "quiet");
        coordinator = await Coordinator.ClientAsync(app, "chart@coalition.example.org", "iap-2017", "one-day", "years-long", "quiet");
    }

    [TearDown]
    public void StopApp()
    {
        coordinator.Dispose();
        app.Dispose();
    }

    [Test]
    public async Task TheSeedLettersNumbersPerDayAreADirectCount()
    {
        await Coordinator.SignatureInStateAsync(app, "pending", "Chart Pending", "p@chart.example.org", signedAt: new DateTimeOffset(2017, 9, 6, 10, 0, 0, TimeSpan.Zero));
        await Coordinator.SignatureInStateAsync(app, "withdrawn", "Chart Withdrawn", "w@chart.example.org", signedAt: new DateTimeOffset(2017, 9, 5, 23, 59, 0, TimeSpan.Zero));

        var (unit, rows, chart) = await ChartAsync("iap-2017");

        await using var connection = await app.Db.OpenAsync();
        var counted = (await connection.QueryAsync<(string Day, long Made, long Listed)>("""
            SELECT substr(s.signed_at, 1, 10), count(*), sum(CASE WHEN s.status = 'listed' THEN 1 ELSE 0 END)
            FROM signatures s JOIN petitions p ON p.id = s.petition_id WHERE p.slug = 'iap-2017'
            GROUP BY substr(s.signed_at, 1, 10) ORDER BY 1
            """)).ToList();
        Assert.That(unit, Is.EqualTo("day"));
        Assert.That(rows.Where(r => r.Made > 0).Select(r => (r.Label, r.Made, r.Listed)),
            Is.EqualTo(counted.Select(c => (DayLabel(c.Day), c.Made, c.Listed))));
        Assert.That(rows.Single(r => r.Label == "5 Sept 2017" || r.Label == "5 Sep 2017").Made, Is.EqualTo(131), "130 seed organisations and the withdrawn one");
        Assert.That(chart.Descendants().Count(e => e.Name.LocalName == "g"), Is.EqualTo(rows.Count), "a bar per row of the table");
    }

    [Test]
    public async Task OneDayIsOneBar()
    {
        var day = new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);
        await Coordinator.SignatureInStateAsync(app, "listed", "One Day A", "a@oneday.example.org", slug: "one-day", signedAt: day);
        await Coordinator.SignatureInStateAsync(app, "pending", "One Day B", "b@oneday.example.org", slug: "one-day", signedAt: day.AddHours(3));

        var (unit, rows, chart) = await ChartAsync("one-day");

        Assert.That(unit, Is.EqualTo("day"));
        Assert.That(rows, Is.EqualTo(new[] { ("2 Mar 2026", 2L, 1L) }));
        Assert.That(chart.Elements().Single(e => e.Name.LocalName == "title").Value, Is.EqualTo("Sign-ons per day"));
        Assert.That(chart.Elements().Single(e => e.Name.LocalName == "desc").Value, Does.StartWith("2 sign-ons made"));
    }

    [Test]
    public async Task YearsOfSignOnsAreCountedPerMonthWithEmptyMonthsShown()
    {
        var start = new DateTimeOffset(2021, 1, 15, 12, 0, 0, TimeSpan.Zero);
        var signed = new[] { start, start.AddDays(3), start.AddMonths(2), start.AddYears(3) };
        for (var i = 0; i < signed.Length; i++)
        {
            await Coordinator.SignatureInStateAsync(app, i % 2 == 0 ? "listed" : "confirmed", $"Years Org {i}", $"y{i}@years.example.org", slug: "years-long", signedAt: signed[i]);
        }

        var (unit, rows, _) = await ChartAsync("years-long");

        Assert.That(unit, Is.EqualTo("month"));
        Assert.That(rows, Has.Count.EqualTo(37), "January 2021 to January 2024");
        Assert.That(rows[0], Is.EqualTo(("Jan 2021", 2L, 1L)));
        Assert.That(rows[2], Is.EqualTo(("Mar 2021", 1L, 1L)));
        Assert.That(rows[^1], Is.EqualTo(("Jan 2024", 1L, 0L)));
        Assert.That(rows.Sum(r => r.Made), Is.EqualTo(4));
    }

    [Test]
    public void AFewMonthsAreCountedPerWeekFromMonday()
    {
        var timeline = SignOnTimeline.Of([("2026-01-01", 3, 1), ("2026-01-04", 1, 1), ("2026-01-05", 2, 0), ("2026-04-30", 5, 5)]);

        Assert.That(timeline.Unit, Is.EqualTo(SignOnTimeline.Week));
        Assert.That(timeline.Periods[0], Is.EqualTo(new TimelinePeriod("2025-12-29", 4, 2)), "Thursday 1 and Sunday 4 January are in the week from Monday 29 December");
        Assert.That(timeline.Periods[1], Is.EqualTo(new TimelinePeriod("2026-01-05", 2, 0)));
        Assert.That(timeline.Periods[^1], Is.EqualTo(new TimelinePeriod("2026-04-27", 5, 5)));
        Assert.That(timeline.Periods.Sum(p => p.Made), Is.EqualTo(11));
    }

    [Test]
    public async Task ALetterWithoutSignOnsSaysSo()
    {
        var page = await coordinator.GetStringAsync("/coordinators/petitions/quiet");

        Assert.That(page, Does.Contain("<h2 id=\"over-time\">Sign-ons over time</h2>"));
        Assert.That(page, Does.Contain("No sign-on yet."));
    }

    private static string DayLabel(string day) =>
        DateOnly.ParseExact(day, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture).ToString("d MMM yyyy", System.Globalization.CultureInfo.GetCultureInfo("en-GB"));

    /// <summary>The chart's unit, the rows of its table of numbers, and the chart itself, from the coordinator's letter page.</summary>
    private async Task<(string Unit, List<(string Label, long Made, long Listed)> Rows, XElement Chart)> ChartAsync(string slug)
    {
        using var response = await coordinator.GetAsync($"/coordinators/petitions/{slug}");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var page = await response.Content.ReadAsStringAsync();
        var figure = page[page.IndexOf("<figure class=\"sign-on-chart\">", StringComparison.Ordinal)..];
        var chart = XElement.Parse(figure[figure.IndexOf("<svg", StringComparison.Ordinal)..(figure.IndexOf("</svg>", StringComparison.Ordinal) + 6)]);
        var numbers = page[page.IndexOf("<details class=\"sign-on-numbers\">", StringComparison.Ordinal)..];
        numbers = numbers[..numbers.IndexOf("</details>", StringComparison.Ordinal)];
        var unit = Regex.Match(numbers, "<summary>The numbers per (\\w+)</summary>").Groups[1].Value;
        var rows = Row().Matches(WebUtility.HtmlDecode(numbers))
            .Select(m => (m.Groups[1].Value, long.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture), long.Parse(m.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture)))
            .ToList();
        return (unit, rows, chart);
    }

    [GeneratedRegex("<tr><td>([^<]+)</td><td class=\"number\">(\\d+)</td><td class=\"number\">(\\d+)</td></tr>")]
    private static partial Regex Row();
}
