using System.Net;
using Microsoft.Extensions.Options;
using MimeKit;
using Petitions.Email;

namespace Petitions.Privacy;

/// <summary>
/// The .eml files the service wrote to <c>Mail:PickupDirectory</c>: pruned after
/// <c>Mail:PickupRetentionDays</c>, and those naming an erased address deleted with it.
/// </summary>
public sealed class PickupFolder(IOptions<MailOptions> mail, TimeProvider clock)
{
    public string Directory => Path.GetFullPath(mail.Value.PickupDirectory);

    /// <summary>Deletes the files written more than the retention period ago (by the service's clock).</summary>
    /// <returns>How many files were deleted.</returns>
    public int Prune()
    {
        var days = mail.Value.PickupRetentionDays;
        if (days <= 0 || !System.IO.Directory.Exists(Directory))
        {
            return 0;
        }

        var cutoff = (clock.GetUtcNow() - TimeSpan.FromDays(days)).UtcDateTime;
        var deleted = 0;
        foreach (var file in Files())
        {
            if (File.GetLastWriteTimeUtc(file) < cutoff && TryDelete(file))
            {
                deleted++;
            }
        }

        return deleted;
    }

    /// <summary>Deletes every file that names <paramref name="address"/>: as a recipient, in a header or in the text.</summary>
    /// <returns>How many files were deleted.</returns>
    public int Erase(string address)
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return 0;
        }

        var deleted = 0;
        foreach (var file in Files())
        {
            if (Names(file, address) && TryDelete(file))
            {
                deleted++;
            }
        }

        return deleted;
    }

    /// <summary>Every file, not only *.eml: a temporary file left by a crash holds a message too.</summary>
    private IEnumerable<string> Files() => System.IO.Directory.EnumerateFiles(Directory, "*", SearchOption.AllDirectories);

    /// <remarks>
    /// The raw bytes are searched, and the message decoded too: a body in quoted-printable or base64,
    /// or a header in an encoded word, would hide the address from a plain search.
    /// </remarks>
    private static bool Names(string file, string address)
    {
        string raw;
        try
        {
            raw = File.ReadAllText(file);
        }
        catch (FileNotFoundException)
        {
            return false;
        }

        if (raw.Contains(address, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        try
        {
            using var stream = File.OpenRead(file);
            var message = MimeMessage.Load(stream);
            var mailboxes = message.To.Mailboxes.Concat(message.Cc.Mailboxes).Concat(message.Bcc.Mailboxes)
                .Concat(message.From.Mailboxes).Concat(message.ReplyTo.Mailboxes);
            return mailboxes.Any(m => string.Equals(m.Address, address, StringComparison.OrdinalIgnoreCase))
                   || Mentions(message.Subject, address)
                   || Mentions(message.TextBody, address)
                   || Mentions(WebUtility.HtmlDecode(message.HtmlBody ?? ""), address);
        }
        catch (Exception exception) when (exception is FormatException or ParseException or IOException)
        {
            // Not a message (or cut short): the raw search above is what can be done.
            return false;
        }
    }

    private static bool Mentions(string? text, string address) =>
        text is not null && text.Contains(address, StringComparison.OrdinalIgnoreCase);

    private static bool TryDelete(string file)
    {
        try
        {
            File.Delete(file);
            return true;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
