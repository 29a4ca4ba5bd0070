using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Dapper;
using Petitions.Data;

namespace Petitions.Signatures;

/// <summary>One period of a letter's sign-ons: those made in it (every status), and how many of them are listed now.</summary>
/// <param name="Start">The period's first day (UTC), yyyy-MM-dd.</param>
public sealed record TimelinePeriod(string Start, long Made, long Listed);

/// <summary>A letter's sign-ons over time, per day, week (from Monday) or month: whichever keeps the periods few enough to read.</summary>
public sealed record SignOnTimeline(string Unit, IReadOnlyList<TimelinePeriod> Periods)
{
    public const string Day = "day";
    public const string Week = "week";
    public const string Month = "month";

    /// <summary>Days up to this span are shown day by day; weeks up to <see cref="LongestWeekly"/>; months beyond.</summary>
    public const int LongestDaily = 62;

    public const int LongestWeekly = 730;

    public long Made => Periods.Sum(p => p.Made);

    public long Listed => Periods.Sum(p => p.Listed);

    /// <summary>The periods from the first day to the last, empty ones included (a chart's time runs evenly).</summary>
    public static SignOnTimeline Of(IReadOnlyList<(string Day, long Made, long Listed)> days)
    {
        ArgumentNullException.ThrowIfNull(days);
        var parsed = days
            .Select(d => (Day: DateOnly.ParseExact(d.Day, "yyyy-MM-dd", CultureInfo.InvariantCulture), d.Made, d.Listed))
            .OrderBy(d => d.Day)
            .ToList();
        if (parsed.Count == 0)
        {
            return new SignOnTimeline(Day, []);
        }

        var first = parsed[0].Day;
        var last = parsed[^1].Day;
        var span = last.DayNumber - first.DayNumber;
        var unit = span <= LongestDaily ? Day : span <= LongestWeekly ? Week : Month;
        var sums = parsed.GroupBy(d => PeriodOf(d.Day, unit)).ToDictionary(g => g.Key, g => (Made: g.Sum(x => x.Made), Listed: g.Sum(x => x.Listed)));
        var periods = new List<TimelinePeriod>();
        for (var start = PeriodOf(first, unit); start <= last; start = Next(start, unit))
        {
            var (made, listed) = sums.GetValueOrDefault(start);
            periods.Add(new TimelinePeriod(start.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), made, listed));
        }

        return new SignOnTimeline(unit, periods);
    }

    private static DateOnly PeriodOf(DateOnly day, string unit) => unit switch
    {
        Week => day.AddDays(-(((int)day.DayOfWeek + 6) % 7)),
        Month => new DateOnly(day.Year, day.Month, 1),
        _ => day,
    };

    private static DateOnly Next(DateOnly start, string unit) => unit switch
    {
        Week => start.AddDays(7),
        Month => start.AddMonths(1),
        _ => start.AddDays(1),
    };

    /// <summary>How a period is named in the chart and its table.</summary>
    public string Label(TimelinePeriod period)
    {
        ArgumentNullException.ThrowIfNull(period);
        var start = DateOnly.ParseExact(period.Start, "yyyy-MM-dd", CultureInfo.InvariantCulture);
        // In the reader's language (British English for English: day before month).
        var language = Web.Languages.Current;
        var culture = language == Web.Languages.English ? CultureInfo.GetCultureInfo("en-GB") : language.Culture;
        return Unit switch
        {
            Week => Resources.Texts.Page("week of {0}", start.ToString("d MMM yyyy", culture)),
            Month => start.ToString("MMM yyyy", culture),
            _ => start.ToString("d MMM yyyy", culture),
        };
    }

    /// <summary>
    /// The chart as inline SVG: a bar per period for the sign-ons made, and inside it the part listed now.
    /// Its title and description say what it shows; the page gives the same numbers as a table.
    /// </summary>
    public string ToSvg()
    {
        const double Width = 720, Height = 220, Left = 44, Right = 8, Top = 12, Bottom = 28;
        var plotWidth = Width - Left - Right;
        var plotHeight = Height - Top - Bottom;
        var most = Math.Max(1, Periods.Count == 0 ? 1 : Periods.Max(p => p.Made));
        var step = Periods.Count == 0 ? plotWidth : plotWidth / Periods.Count;
        var bar = Math.Max(0.5, step * 0.8);
        var invariant = CultureInfo.InvariantCulture;
        var svg = new StringBuilder(512 + Periods.Count * 160);
        svg.Append(invariant, $"<svg class=\"chart\" viewBox=\"0 0 {Width} {Height}\" role=\"img\" aria-labelledby=\"chart-title chart-desc\">");
        // Dates and numbers only come from the data; the words are the reader's (Resources/PageTexts).
        svg.Append("<title id=\"chart-title\">").Append(Xml(Resources.Texts.Page("chart-title:" + Unit))).Append("</title>");
        svg.Append("<desc id=\"chart-desc\">").Append(Xml(Periods.Count == 0
            ? Resources.Texts.Page("No sign-on yet.")
            : Resources.Texts.Page("{0} sign-ons made from {1} to {2}, {3} of them listed now; at most {4} in one period.",
                Made, Label(Periods[0]), Label(Periods[^1]), Listed, most))).Append("</desc>");
        // Axis: a baseline and the highest count, so bars can be read against it.
        svg.Append(invariant, $"<line x1=\"{Left}\" y1=\"{Top + plotHeight}\" x2=\"{Width - Right}\" y2=\"{Top + plotHeight}\" stroke=\"#5a5a60\" stroke-width=\"1\"/>");
        svg.Append(invariant, $"<line x1=\"{Left}\" y1=\"{Top}\" x2=\"{Width - Right}\" y2=\"{Top}\" stroke=\"#d8d8dc\" stroke-width=\"1\"/>");
        svg.Append(invariant, $"<text x=\"{Left - 6}\" y=\"{Top + 4}\" text-anchor=\"end\" font-size=\"12\" fill=\"#1d1d1f\">{most}</text>");
        svg.Append(invariant, $"<text x=\"{Left - 6}\" y=\"{Top + plotHeight + 4}\" text-anchor=\"end\" font-size=\"12\" fill=\"#1d1d1f\">0</text>");
        for (var i = 0; i < Periods.Count; i++)
        {
            var period = Periods[i];
            var x = Left + i * step + (step - bar) / 2;
            var made = plotHeight * period.Made / most;
            var listed = plotHeight * period.Listed / most;
            svg.Append("<g><title>").Append(Xml(Resources.Texts.Page("{0}: {1} made, {2} listed", Label(period), period.Made, period.Listed))).Append("</title>");
            svg.Append(invariant, $"<rect x=\"{x:0.##}\" y=\"{Top + plotHeight - made:0.##}\" width=\"{bar:0.##}\" height=\"{made:0.##}\" fill=\"#9dbbe0\"/>");
            svg.Append(invariant, $"<rect x=\"{x:0.##}\" y=\"{Top + plotHeight - listed:0.##}\" width=\"{bar:0.##}\" height=\"{listed:0.##}\" fill=\"#0b5cad\"/></g>");
        }

        if (Periods.Count > 0)
        {
            svg.Append(invariant, $"<text x=\"{Left}\" y=\"{Height - 8}\" font-size=\"12\" fill=\"#1d1d1f\">{Xml(Label(Periods[0]))}</text>");
            if (Periods.Count > 1)
            {
                svg.Append(invariant, $"<text x=\"{Width - Right}\" y=\"{Height - 8}\" text-anchor=\"end\" font-size=\"12\" fill=\"#1d1d1f\">{Xml(Label(Periods[^1]))}</text>");
            }
        }

        svg.Append("</svg>");
        return svg.ToString();
    }

    private static string Xml(string text) => System.Security.SecurityElement.Escape(text);
}

/// <summary>
/// Reads a letter's sign-ons per day of signing along the (petition_id, signed_at, id) index. A long letter
/// whose count was slow has it reused for <see cref="ConsoleList.ReuseCountsFor"/>, by the console's counts' own rule.
/// </summary>
public sealed class SignOnTimelines(Db db, TimeProvider clock)
{
    private readonly ConcurrentDictionary<long, (SignOnTimeline Timeline, DateTimeOffset At)> counted = new();

    public async Task<SignOnTimeline> ReadAsync(long petitionId, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        if (counted.TryGetValue(petitionId, out var earlier) && now - earlier.At < ConsoleList.ReuseCountsFor)
        {
            return earlier.Timeline;
        }

        var timer = Stopwatch.StartNew();
        await using var connection = await db.OpenAsync(cancellationToken);
        // Stored times are ISO 8601 UTC: the day is their first ten characters.
        var days = (await connection.QueryAsync<(string Day, long Made, long Listed)>(new CommandDefinition("""
            SELECT substr(signed_at, 1, 10), count(*), sum(CASE WHEN status = 'listed' THEN 1 ELSE 0 END)
            FROM signatures
            WHERE petition_id = @petitionId
            GROUP BY substr(signed_at, 1, 10)
            """, new { petitionId }, cancellationToken: cancellationToken))).ToList();
        var timeline = SignOnTimeline.Of(days);
        if (timeline.Made >= ConsoleList.LongLetter && timer.Elapsed >= ConsoleList.SlowCount)
        {
            counted[petitionId] = (timeline, now);
        }
        else
        {
            counted.TryRemove(petitionId, out _);
        }

        return timeline;
    }
}
