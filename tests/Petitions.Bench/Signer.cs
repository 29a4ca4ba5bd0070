using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using MimeKit;

namespace Petitions.Bench;

/// <summary>
/// B3b's live traffic: unique sign-ons at --rate per second for --seconds, each confirmed from its
/// email (read from the SMTP server's --maildir, the link's token posted to /api/confirmations), and
/// the public page polled until each confirmed organisation appears on it. Reports the lag from the
/// confirmation's answer to the end of the first page load that shows the organisation (what a reader
/// sees). Confirmations stop --settle seconds after the last sign-on; one confirmed but not seen 10 s
/// after that counts as never seen ("inf"). For information it also reports
/// the lag to the start of that page load (a lower bound: the page's own latency left out) and the
/// lag from the sign-on's 202, which includes the email's way through the outbox.
/// </summary>
public static partial class Signer
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static async Task<int> RunAsync(Options options)
    {
        var baseUrl = new Uri(options.Required("base"));
        var slug = options.Required("slug");
        var rate = options.Number("rate", 100);
        var seconds = options.Number("seconds");
        var maildir = options.Required("maildir");
        var tag = options.Required("tag");
        var settle = TimeSpan.FromSeconds(options.Number("settle", 15));
        var pollEvery = TimeSpan.FromMilliseconds(options.Number("poll-ms", 250));

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(30) };
        var organisations = new ConcurrentDictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var acceptedAt = new ConcurrentDictionary<string, TimeSpan>(StringComparer.Ordinal);
        var confirmedAt = new ConcurrentDictionary<string, TimeSpan>(StringComparer.Ordinal);
        var visibleAt = new ConcurrentDictionary<string, TimeSpan>(StringComparer.Ordinal);
        var visibleFrom = new ConcurrentDictionary<string, TimeSpan>(StringComparer.Ordinal);
        var seenFiles = new HashSet<string>(Directory.EnumerateFiles(maildir, "*.eml"), StringComparer.Ordinal);
        long sent = 0, rejected = 0, errors = 0, emails = 0, confirmFailures = 0, notListed = 0, pagePolls = 0;
        var clock = Stopwatch.StartNew();

        var prefix = $"Bench Live {tag} N";

        async Task SignAsync(int i)
        {
            var name = $"{prefix}{i:D6} Org";
            // A domain of its own (RFC 2606's .example) per sign-on: sharing one with a listed organisation
            // flags a sign-on as a possible duplicate, and a flagged one waits for review instead of being listed.
            var domain = $"live{i}-{tag}.example";
            var email = $"contact@{domain}";
            organisations[email] = name;
            Interlocked.Increment(ref sent);
            try
            {
                using var response = await http.PostAsJsonAsync($"/api/petitions/{slug}/signatures", new
                {
                    organisation = name,
                    city = "Utrecht",
                    country = "NL",
                    contactName = "Live Bench",
                    contactRole = "Director",
                    contactEmail = email,
                    website = $"https://{domain}",
                    consent = true,
                }, Json);
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    acceptedAt[name] = clock.Elapsed;
                }
                else
                {
                    Interlocked.Increment(ref rejected);
                }
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
                Interlocked.Increment(ref errors);
            }
        }

        async Task ConfirmAsync(string token, string name)
        {
            try
            {
                using var response = await http.PostAsJsonAsync("/api/confirmations", new { token }, Json);
                var body = response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonElement>(Json) : default;
                if (response.IsSuccessStatusCode && body.TryGetProperty("status", out var status) && status.GetString() == "listed")
                {
                    confirmedAt[name] = clock.Elapsed;
                }
                else if (response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref notListed);
                }
                else
                {
                    Interlocked.Increment(ref confirmFailures);
                }
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
                Interlocked.Increment(ref confirmFailures);
            }
        }

        var signing = Task.Run(async () =>
        {
            var requests = new List<Task>();
            for (var i = 0; ; i++)
            {
                var due = TimeSpan.FromSeconds(i / rate);
                if (due.TotalSeconds >= seconds)
                {
                    break;
                }

                if (due - clock.Elapsed is { Ticks: > 0 } wait)
                {
                    await Task.Delay(wait);
                }

                requests.Add(SignAsync(i));
            }

            await Task.WhenAll(requests);
        });

        // Confirmations stop --settle seconds after the last sign-on (or once every accepted one is
        // confirmed); the page is watched until every confirmed organisation is seen, at most 10 s longer.
        var confirmUntil = TimeSpan.FromSeconds(seconds) + settle;
        bool ConfirmingDone() => signing.IsCompleted && (clock.Elapsed > confirmUntil || (!acceptedAt.IsEmpty && acceptedAt.Keys.All(confirmedAt.ContainsKey)));
        Task? confirmingTask = null;
        bool Done() => confirmingTask is { IsCompleted: true }
            && (clock.Elapsed > confirmUntil + TimeSpan.FromSeconds(10) || confirmedAt.Keys.All(visibleAt.ContainsKey));

        var confirming = confirmingTask = Task.Run(async () =>
        {
            var confirmations = new List<Task>();
            while (!ConfirmingDone())
            {
                foreach (var file in Directory.EnumerateFiles(maildir, "*.eml").Order(StringComparer.Ordinal))
                {
                    if (!seenFiles.Add(file))
                    {
                        continue;
                    }

                    using var message = await MimeMessage.LoadAsync(file);
                    var to = message.To.Mailboxes.FirstOrDefault()?.Address;
                    if (to is null || !organisations.TryGetValue(to, out var name))
                    {
                        continue;
                    }

                    Interlocked.Increment(ref emails);
                    if (ConfirmLink().Match(message.TextBody ?? "") is { Success: true } link)
                    {
                        confirmations.Add(ConfirmAsync(link.Groups[1].Value, name));
                    }
                }

                await Task.Delay(100);
            }

            await Task.WhenAll(confirmations);
        });

        var watching = Task.Run(async () =>
        {
            while (!Done())
            {
                var waiting = confirmedAt.Keys.Where(n => !visibleAt.ContainsKey(n)).ToList();
                if (waiting.Count > 0)
                {
                    try
                    {
                        var started = clock.Elapsed;
                        var page = await http.GetStringAsync($"/petitions/{slug}");
                        var at = clock.Elapsed;
                        Interlocked.Increment(ref pagePolls);
                        // One pass over the page for this run's names (they share a prefix), not one per name:
                        // a search per waiting name through half a megabyte made the signer itself a large
                        // share of the machine's CPU, taken from the app it measures.
                        var shown = NamesOnPage(page, prefix);
                        foreach (var name in waiting.Where(shown.Contains))
                        {
                            visibleAt[name] = at;
                            visibleFrom[name] = started;
                        }
                    }
                    catch (HttpRequestException)
                    {
                        Interlocked.Increment(ref errors);
                    }
                }

                await Task.Delay(pollEvery);
            }
        });

        await Task.WhenAll(signing, confirming, watching);

        var confirmToVisible = confirmedAt
            .Select(c => visibleAt.TryGetValue(c.Key, out var seen) ? (seen - c.Value).TotalMilliseconds : double.PositiveInfinity)
            .Order().ToList();
        var confirmToPageStart = confirmedAt
            .Select(c => visibleFrom.TryGetValue(c.Key, out var seen) ? Math.Max(0, (seen - c.Value).TotalMilliseconds) : double.PositiveInfinity)
            .Order().ToList();
        var signToVisible = acceptedAt
            .Select(a => visibleAt.TryGetValue(a.Key, out var seen) ? (seen - a.Value).TotalMilliseconds : double.PositiveInfinity)
            .Order().ToList();
        Write("sent", sent);
        Write("accepted", acceptedAt.Count);
        Write("rejected", rejected);
        Write("errors", errors);
        Write("confirm_emails", emails);
        Write("confirmed_listed", confirmedAt.Count);
        Write("confirmed_not_listed", notListed);
        Write("confirm_failures", confirmFailures);
        Write("visible", visibleAt.Count);
        Write("page_polls", pagePolls);
        Console.WriteLine($"confirm_to_visible_p50_ms={Stats.Format(Stats.Percentile(confirmToVisible, 50))}");
        Console.WriteLine($"confirm_to_visible_max_ms={Stats.Format(confirmToVisible.Count == 0 ? double.NaN : confirmToVisible[^1])}");
        Console.WriteLine($"confirm_to_page_start_max_ms={Stats.Format(confirmToPageStart.Count == 0 ? double.NaN : confirmToPageStart[^1])}");
        Console.WriteLine($"sign_to_visible_p50_ms={Stats.Format(Stats.Percentile(signToVisible, 50))}");
        Console.WriteLine($"sign_to_visible_max_ms={Stats.Format(signToVisible.Count == 0 ? double.NaN : signToVisible[^1])}");
        return 0;
    }

    /// <returns>The names on the page that start with <paramref name="prefix"/> and end with " Org" (the signer's names need no HTML encoding).</returns>
    internal static HashSet<string> NamesOnPage(string page, string prefix)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var at = page.IndexOf(prefix, StringComparison.Ordinal); at >= 0; at = page.IndexOf(prefix, at + prefix.Length, StringComparison.Ordinal))
        {
            var end = page.IndexOf(" Org", at + prefix.Length, StringComparison.Ordinal);
            if (end > 0 && end - at < prefix.Length + 12)
            {
                names.Add(page[at..(end + 4)]);
            }
        }

        return names;
    }

    private static void Write(string key, long value) => Console.WriteLine($"{key}={value.ToString(CultureInfo.InvariantCulture)}");

    [GeneratedRegex(@"/confirm/([A-Za-z0-9_-]{43})")]
    private static partial Regex ConfirmLink();
}
