using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace Petitions.Data;

/// <summary>
/// One writer that commits many units of work per transaction, so one fsync serves many requests
/// (group commit). Each unit runs in a savepoint of its own: one that fails is rolled back alone
/// and the others still commit. A caller's task completes only after the COMMIT that holds its
/// work, so an acknowledgement is never sent for something that could still be lost.
/// </summary>
public sealed class GroupCommit : IAsyncDisposable
{
    /// <summary>Enough to amortise an fsync over many sign-ons; small enough that one batch stays quick.</summary>
    public const int MaxBatch = 256;

    private readonly Db db;
    private readonly ILogger<GroupCommit> logger;
    private readonly Channel<IWork> queue = Channel.CreateBounded<IWork>(new BoundedChannelOptions(10_000)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    private readonly Task loop;

    public GroupCommit(Db db, ILogger<GroupCommit> logger)
    {
        this.db = db;
        this.logger = logger;
        loop = Task.Run(RunAsync);
    }

    /// <returns>What <paramref name="work"/> returned, once it is committed.</returns>
    public async Task<T> RunAsync<T>(Func<SqliteConnection, SqliteTransaction, Task<T>> work, CancellationToken cancellationToken = default)
    {
        var item = new Work<T>(work);
        await queue.Writer.WriteAsync(item, cancellationToken);
        // Once queued, the work is done or not as a whole: the caller's cancellation no longer applies.
        return await item.Result;
    }

    public async ValueTask DisposeAsync()
    {
        queue.Writer.TryComplete();
        await loop;
    }

    private async Task RunAsync()
    {
        var batch = new List<IWork>(MaxBatch);
        while (await queue.Reader.WaitToReadAsync())
        {
            while (batch.Count < MaxBatch && queue.Reader.TryRead(out var item))
            {
                batch.Add(item);
            }

            try
            {
                await CommitAsync(batch);
            }
            catch (Exception exception)
            {
                logger.LogError(exception, "A batch of {Count} writes could not be committed.", batch.Count);
                foreach (var item in batch)
                {
                    item.Fail(exception);
                }
            }

            batch.Clear();
        }
    }

    private async Task CommitAsync(List<IWork> batch)
    {
        await using var connection = await db.OpenAsync();
        await using var transaction = Db.BeginWrite(connection);
        var done = new List<IWork>(batch.Count);
        for (var i = 0; i < batch.Count; i++)
        {
            var savepoint = "w" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            transaction.Save(savepoint);
            try
            {
                await batch[i].RunAsync(connection, transaction);
                transaction.Release(savepoint);
                done.Add(batch[i]);
            }
            catch (Exception exception) when (exception is not SqliteException { SqliteErrorCode: 13 or 10 })
            {
                // Only this unit is undone; a full disk or an I/O error (13, 10) fails the whole batch instead.
                transaction.Rollback(savepoint);
                transaction.Release(savepoint);
                batch[i].Fail(exception);
            }
        }

        await transaction.CommitAsync();
        foreach (var item in done)
        {
            item.Complete();
        }
    }

    private interface IWork
    {
        Task RunAsync(SqliteConnection connection, SqliteTransaction transaction);

        void Complete();

        void Fail(Exception exception);
    }

    private sealed class Work<T>(Func<SqliteConnection, SqliteTransaction, Task<T>> work) : IWork
    {
        private readonly TaskCompletionSource<T> completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T? value;

        public Task<T> Result => completion.Task;

        public async Task RunAsync(SqliteConnection connection, SqliteTransaction transaction) => value = await work(connection, transaction);

        public void Complete() => completion.TrySetResult(value!);

        public void Fail(Exception exception) => completion.TrySetException(exception);
    }
}
