using System.Text.RegularExpressions;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace Petitions.Tests.Support;

/// <summary>The mail an app has delivered to its pickup folder, read back as a person's mail program would.</summary>
public static partial class Delivered
{
    /// <summary>Waits until the outbox has sent everything it holds, then reads the pickup folder in order of delivery.</summary>
    public static async Task<IReadOnlyList<MimeMessage>> MessagesAsync(PetitionsApp app, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        // Sign-in links are queued off the request: first let the queue put them in the outbox.
        using (var queued = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30)))
        {
            await app.Services.GetRequiredService<global::Petitions.Coordinators.SignInLinks>().WhenIdleAsync(queued.Token);
        }

        while (true)
        {
            await using (var connection = await app.Db.OpenAsync())
            {
                if (await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM outbox WHERE status = 'pending'") == 0)
                {
                    break;
                }
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The outbox did not drain.");
            }

            await Task.Delay(100);
        }

        if (!Directory.Exists(app.PickupDirectory))
        {
            return [];
        }

        return Directory.GetFiles(app.PickupDirectory, "*.eml")
            .Select(f => (Time: File.GetLastWriteTimeUtc(f), Message: MimeMessage.Load(f)))
            .OrderBy(m => m.Time)
            .Select(m => m.Message)
            .ToList();
    }

    /// <summary>The one-time tokens in the links of the messages.</summary>
    public static IReadOnlyList<string> Tokens(IEnumerable<MimeMessage> messages, string path = "confirm") =>
        messages.SelectMany(m => Regex.Matches(m.TextBody ?? "", $"/{path}/([A-Za-z0-9_-]{{43}})").Select(x => x.Groups[1].Value)).Distinct().ToList();

    public static async Task<IReadOnlyList<string>> TokensAsync(PetitionsApp app, string path = "confirm") =>
        Tokens(await MessagesAsync(app), path);

    /// <summary>
    /// The token in the last message to <paramref name="to"/>. Messages sent close together may be
    /// delivered in either order (the outbox sends on several lanes), so tests that sign on more than
    /// once before reading pick the message by its recipient, not its place.
    /// </summary>
    public static async Task<string> TokenForAsync(PetitionsApp app, string to, string path = "confirm") =>
        Tokens((await MessagesAsync(app)).Where(m => m.To.Mailboxes.Any(a => string.Equals(a.Address, to, StringComparison.OrdinalIgnoreCase))), path)[^1];
}
