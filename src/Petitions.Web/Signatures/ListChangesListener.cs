using Npgsql;
using Petitions.Data;
using Petitions.Pages.Letters;

namespace Petitions.Signatures;

/// <summary>
/// On PostgreSQL, this node's ear for the others' list changes: one connection of its own that LISTENs on
/// <see cref="ListChanges.Channel"/> and tells this node's caches. Whenever it (re)connects it drops
/// everything kept, since what was announced while it was away is lost; on SQLite it does nothing.
/// </summary>
public sealed class ListChangesListener(Db db, ListChanges changes, LetterPageCache pages, ILogger<ListChangesListener> logger)
    : BackgroundService
{
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(1);

    private readonly TaskCompletionSource listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the first LISTEN is in place (at once on SQLite).</summary>
    public Task Listening => listening.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!db.IsPostgres)
        {
            listening.TrySetResult();
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await db.OpenDedicatedPostgresAsync(stoppingToken);
                connection.Notification += (_, notification) => Heard(notification.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {ListChanges.Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                changes.Forget(null);
                pages.Clear();
                listening.TrySetResult();
                while (!stoppingToken.IsCancellationRequested)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                logger.LogWarning(exception, "Listening for other nodes' list changes failed; reconnecting.");
                try
                {
                    await Task.Delay(RetryAfter, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private void Heard(string payload)
    {
        var colon = payload.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0 || payload.AsSpan(0, colon).SequenceEqual(changes.Node))
        {
            return;
        }

        var letter = payload.AsSpan(colon + 1);
        if (letter is "*")
        {
            changes.Forget(null);
        }
        else if (long.TryParse(letter, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id))
        {
            changes.Forget(id);
        }
    }
}
