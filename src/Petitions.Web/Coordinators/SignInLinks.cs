using System.Threading.Channels;
using Dapper;
using Petitions.Data;
using Petitions.Email;
using Petitions.Signatures;

namespace Petitions.Coordinators;

/// <summary>
/// Sends sign-in links off the request: the sign-in page only queues the address and answers at
/// once, so its answer and its time say nothing about whether the address is a coordinator's.
/// At most <see cref="MaxLinks"/> links per coordinator per <see cref="Window"/>, counted in the
/// database (so the cap holds across processes); a new link leaves earlier ones valid, so asking
/// for links cannot lock a coordinator out.
/// </summary>
public sealed partial class SignInLinks(
    Db db, CoordinatorStore coordinators, Outbox outbox, Notifications notifications, TimeProvider clock, ILogger<SignInLinks> logger)
    : BackgroundService
{
    public const int MaxLinks = 3;

    public static readonly TimeSpan Window = TimeSpan.FromMinutes(15);

    public static readonly TimeSpan LinkLifetime = TimeSpan.FromMinutes(15);

    // Bounded, so a flood costs memory no more than this; the rate limit per client comes first.
    private readonly Channel<(string Address, string? ReturnPath)> requests = Channel.CreateBounded<(string, string?)>(new BoundedChannelOptions(1024)
    {
        FullMode = BoundedChannelFullMode.Wait,
        SingleReader = true,
    });

    private int waiting;

    /// <summary>Queues a request for a link to the address (normalised); never waits.</summary>
    /// <param name="returnPath">The coordinator page the link leads to once signed in (checked by <see cref="LocalReturnPath"/>).</param>
    public void Request(string address, string? returnPath = null)
    {
        Interlocked.Increment(ref waiting);
        if (!requests.Writer.TryWrite((address, LocalReturnPath(returnPath))))
        {
            Interlocked.Decrement(ref waiting);
            LogDropped(logger);
        }
    }

    /// <summary>Completes once every request queued so far has been handled (its email, if any, is in the outbox).</summary>
    public async Task WhenIdleAsync(CancellationToken cancellationToken = default)
    {
        while (Volatile.Read(ref waiting) > 0)
        {
            await Task.Delay(10, cancellationToken);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var (address, returnPath) in requests.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await SendAsync(address, returnPath, stoppingToken);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    LogFailed(logger, exception);
                }
                finally
                {
                    Interlocked.Decrement(ref waiting);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: requests still queued are dropped; whoever asked can ask again.
        }
    }

    /// <summary>
    /// A path inside the coordinator console, or null: never another site ("//host", "/\host") nor
    /// anything outside /coordinators, so a crafted link cannot send a coordinator elsewhere.
    /// </summary>
    public static string? LocalReturnPath(string? path) =>
        path is { Length: > 1 and <= 500 }
        && path.StartsWith("/coordinators", StringComparison.Ordinal)
        && !path.StartsWith("/coordinators/sign-", StringComparison.Ordinal)
        && !path.Contains("//", StringComparison.Ordinal) && !path.Contains('\\') && !path.Any(char.IsControl)
            ? path
            : null;

    private async Task SendAsync(string address, string? returnPath, CancellationToken cancellationToken)
    {
        if (await coordinators.FindByEmailAsync(address, cancellationToken) is not { } coordinator)
        {
            return;
        }

        var now = clock.GetUtcNow();
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var transaction = Db.BeginWrite(connection);
        if (db.IsPostgres)
        {
            // Nodes asked at once for one coordinator's links count one after another (SQLite's write lock does this there).
            await connection.ExecuteAsync("SELECT id FROM coordinators WHERE id = @id FOR UPDATE", new { id = coordinator.Id }, transaction);
        }

        // Links issued "after now" (a clock stepped back) count too.
        var recent = await connection.ExecuteScalarAsync<long>("""
            SELECT count(*) FROM tokens WHERE subject_id = @id AND purpose = @purpose AND created_at > @since
            """, new { id = coordinator.Id, purpose = Tokens.SignIn, since = Time.Format(now - Window) }, transaction);
        if (recent >= MaxLinks)
        {
            LogCapped(logger, coordinator.Id);
            return;
        }

        // IssueFirst, not IssueAsync: earlier links stay valid, so a flood of requests cannot void the one the coordinator is about to use.
        var token = Tokens.IssueFirst(connection, transaction, Tokens.SignIn, null, null, coordinator.Id, now, LinkLifetime);
        outbox.Enqueue(connection, transaction, Emails.SignIn(notifications.Brand, Web.Languages.Current.Code, coordinator.Email, notifications.Link(returnPath is null
            ? $"/coordinators/sign-in/{token}"
            : $"/coordinators/sign-in/{token}?returnUrl={Uri.EscapeDataString(returnPath)}")), now);
        await transaction.CommitAsync(cancellationToken);
        outbox.Notify();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sign-in link requests are queued faster than they are handled; one was dropped.")]
    private static partial void LogDropped(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Coordinator {CoordinatorId} had 3 sign-in links in 15 minutes; no more sent for now.")]
    private static partial void LogCapped(ILogger logger, long coordinatorId);

    [LoggerMessage(Level = LogLevel.Error, Message = "A sign-in link could not be sent.")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
