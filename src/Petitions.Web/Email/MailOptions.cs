namespace Petitions.Email;

/// <summary>The "Mail" section: who sends, and where messages go when there is no SMTP host.</summary>
public sealed class MailOptions
{
    /// <summary>The sender when none is configured: fine on a developer's machine, bounced or junked anywhere else.</summary>
    public const string DefaultFrom = "Petitions <petitions@localhost>";

    public string From { get; set; } = DefaultFrom;

    /// <summary>
    /// A production service still sending as petitions@localhost has most of its mail refused or
    /// filed as junk: said once, at start-up, where the operator reads the log.
    /// </summary>
    /// <returns>Whether it warned.</returns>
    public static bool WarnIfDefaultSender(IHostEnvironment environment, MailOptions options, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        var address = MimeKit.MailboxAddress.TryParse(options.From, out var from) ? from.Address : options.From;
        if (!environment.IsProduction() || !string.Equals(address?.Trim(), "petitions@localhost", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        logger.LogWarning(
            "Mail:From is {From}, the default: mail from it will be refused or filed as junk. Set Mail:From to an address of your domain.", options.From);
        return true;
    }

    public string PickupDirectory { get; set; } = "data/mail";

    /// <summary>
    /// Days a written .eml file is kept in the pickup folder: long enough for whatever collects them,
    /// not for ever (they hold confirmation, sign-in and withdrawal links). 0 or less keeps them.
    /// </summary>
    public int PickupRetentionDays { get; set; } = 7;

    /// <summary>
    /// How many SMTP sessions send at once, each with its own claimed batch. A few are enough to keep
    /// a local relay busy; a remote server may limit connections per client (it answers 421, a
    /// transient failure).
    /// </summary>
    public int Connections { get; set; } = 4;

    /// <summary>
    /// Seconds a claimed batch is held. A node that dies mid-send leaves its claims this long before
    /// another node sends them again (with the same Message-IDs); it must outlast a slow batch.
    /// </summary>
    public int LeaseSeconds { get; set; } = 300;
}

public enum SmtpSecurity
{
    Auto,
    None,
    StartTls,
    SslOnConnect,
}

/// <summary>The "Smtp" section. With no host, mail is written to the pickup folder instead.</summary>
public sealed class SmtpOptions
{
    public string? Host { get; set; }

    public int Port { get; set; } = 25;

    public SmtpSecurity Security { get; set; } = SmtpSecurity.Auto;

    public string? Username { get; set; }

    public string? Password { get; set; }

    /// <summary>How long one SMTP operation may take before it counts as a transient failure.</summary>
    public int TimeoutSeconds { get; set; } = 30;
}
