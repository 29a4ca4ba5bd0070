using System.Data.Common;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace Petitions.Data;

/// <summary>
/// One writer that commits many units of work per transaction, so one fsync serves many requests
/// (group commit). Each unit runs in a savepoint of its own: one that fails is rolled back alone
/// and the others still commit. A caller's task completes only after the COMMIT that holds its
/// work, so an acknowledgement is never sent for something that could still be lost.
/// Each writer loop keeps one connection open, so the statements its units prepare (<see cref="Prepared"/>)
/// are compiled once; after a failed batch it opens a fresh one.
/// </summary>
/// <remarks>
/// The one write path for the writes that come in bursts (sign-ons, imports, the mail dispatcher),
/// on both databases: an fsync per sign-on would cap SQLite at a few thousand a second, and
/// PostgreSQL's commit waits for its WAL flush too. The writes a person makes one at a time
/// (confirming, reviewing, editing a letter, erasing, the purge) take their own transaction with
/// <see cref="Db.BeginWrite"/>: they are rare, and several of them must read what they change
/// under the write lock (SQLite) or a row lock (PostgreSQL), which a savepoint in a shared batch
/// would hold up for the whole batch.
/// </remarks>
public sealed class GroupCommit : IAsyncDisposable
{
    /// <summary>Enough to amortise an fsync over many sign-ons; small enough that one batch stays quick.</summary>
    public const int MaxBatch = 256;

    /// <summary>Runs of one unit that PostgreSQL picked as a deadlock's victim, before it fails.</summary>
    private const int MaxAttempts = 3;

    private readonly Db db;
    private readonly ILogger<GroupCommit> logger;
    private readonly Channel<IWork> queue;

    private readonly Task[] loops;
    private volatile bool storageFailing;

    /// <summary>
    /// Whether the last batch failed for want of storage (full, read-only, an I/O error); false again
    /// once a batch that changed something commits (one that changed nothing, such as the mail
    /// dispatcher finding no work, writes nothing and proves nothing).
    /// </summary>
    public bool StorageFailing => storageFailing;

    /// <summary>How many writer loops take batches from the queue (for tests that hold them all).</summary>
    internal int WriterLoops => loops.Length;

    /// <summary>How many units wait in the queue for a writer.</summary>
    internal int Queued => queue.Reader.Count;

    /// <summary>The database written to: for reads a caller makes before its turn.</summary>
    public Db Db => db;

    public GroupCommit(Db db, ILogger<GroupCommit> logger)
    {
        this.db = db;
        this.logger = logger;
        var writers = Writers(db);
        queue = Channel.CreateBounded<IWork>(new BoundedChannelOptions(10_000)
        {
            SingleReader = writers == 1,
            FullMode = BoundedChannelFullMode.Wait,
        });
        loops = Enumerable.Range(0, writers).Select(_ => Task.Run(RunAsync)).ToArray();
    }

    /// <summary>
    /// SQLite lets one writer in at a time, so one loop. PostgreSQL takes writers side by side, and a
    /// sign-on there is a dozen round trips to the server: several loops, each batching on its own
    /// connection, keep the server busy while one waits (units from two loops settle races as two nodes' do).
    /// </summary>
    private static int Writers(Db db) => db.IsPostgres ? 4 : 1;

    /// <returns>What <paramref name="work"/> returned, once it is committed.</returns>
    /// <remarks>
    /// When the queue has room (almost always) the task returned is the work's own, completed by the
    /// writer itself: a caller that blocks on it (the mail dispatcher's lanes) is woken by the commit,
    /// not by a continuation waiting its turn on the thread pool.
    /// </remarks>
    public Task<T> RunAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<T>(cancellationToken);
        }

        var item = new Work<T>(work);
        // Once queued, the work is done or not as a whole: the caller's cancellation no longer applies.
        return queue.Writer.TryWrite(item) ? item.Result : QueueAsync(item, cancellationToken);
    }

    /// <summary>
    /// As <see cref="RunAsync{T}(Func{DbConnection, DbTransaction, Task{T}}, CancellationToken)"/>, for a unit that
    /// <paramref name="together"/> can also write with the others of its kind in the batch. On PostgreSQL
    /// the writer first offers all of them to it; those it leaves, and all of them should it fail, run
    /// their own <paramref name="work"/> afterwards, one by one, in the same transaction.
    /// </summary>
    public Task<T> RunAsync<TItem, T>(
        Func<DbConnection, DbTransaction, Task<T>> work, ITogether<TItem, T> together, TItem item, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<T>(cancellationToken);
        }

        // SQLite's statements are calls into the process, not round trips: one by one is as cheap there.
        Work<T> unit = db.IsPostgres ? new TogetherWork<TItem, T>(work, together, item) : new Work<T>(work);
        return queue.Writer.TryWrite(unit) ? unit.Result : QueueAsync(unit, cancellationToken);
    }

    private async Task<T> QueueAsync<T>(Work<T> item, CancellationToken cancellationToken)
    {
        await queue.Writer.WriteAsync(item, cancellationToken);
        return await item.Result;
    }

    public async ValueTask DisposeAsync()
    {
        queue.Writer.TryComplete();
        await Task.WhenAll(loops);
    }

    private async Task RunAsync()
    {
        var batch = new List<IWork>(MaxBatch);
        var writer = new Writer();
        try
        {
            await RunAsync(batch, writer);
        }
        finally
        {
            if (writer.Connection is not null)
            {
                await writer.Connection.DisposeAsync();
            }
        }
    }

    /// <summary>One loop's connection, kept open between its batches.</summary>
    private sealed class Writer
    {
        public DbConnection? Connection { get; set; }
    }

    private async Task RunAsync(List<IWork> batch, Writer writer)
    {
        while (await queue.Reader.WaitToReadAsync())
        {
            while (batch.Count < MaxBatch && queue.Reader.TryRead(out var item))
            {
                batch.Add(item);
            }

            try
            {
                if (await CommitAsync(batch, writer))
                {
                    storageFailing = false;
                }
            }
            catch (Exception exception)
            {
                logger.LogError(exception, "A batch of {Count} writes could not be committed.", batch.Count);
                storageFailing = DatabaseUnavailable.IsTemporary(exception);
                foreach (var item in batch)
                {
                    item.Fail(exception);
                }

                // Whatever state the failure left the connection in, the next batch starts on a new one.
                if (writer.Connection is not null)
                {
                    await writer.Connection.DisposeAsync();
                    writer.Connection = null;
                }
            }

            batch.Clear();
        }
    }

    /// <returns>Whether the batch changed any row.</returns>
    private async Task<bool> CommitAsync(List<IWork> batch, Writer writer)
    {
        var connection = writer.Connection ??= await db.OpenWriterAsync();
        var changesBefore = ChangesSoFar(connection);
        await using var transaction = Db.BeginWrite(connection);
        var done = new List<IWork>(batch.Count);
        var alone = batch.Any(w => w.Together is not null) ? await WriteTogetherAsync(connection, transaction, batch, done) : batch;
        foreach (var work in alone)
        {
            for (var attempt = 1; ; attempt++)
            {
                // One savepoint name for every unit: each is released before the next begins, and the
                // three statements are compiled once.
                Prepared.Command(connection, transaction, "SAVEPOINT unit").ExecuteNonQuery();
                try
                {
                    await work.RunAsync(connection, transaction);
                    Prepared.Command(connection, transaction, "RELEASE unit").ExecuteNonQuery();
                    done.Add(work);
                    break;
                }
                catch (Exception exception) when (!DatabaseUnavailable.IsTemporary(exception))
                {
                    // Only this unit is undone; a database that cannot take writes (full, read-only, an I/O
                    // error: DatabaseUnavailable's list) fails the whole batch instead.
                    Prepared.Command(connection, transaction, "ROLLBACK TO unit").ExecuteNonQuery();
                    Prepared.Command(connection, transaction, "RELEASE unit").ExecuteNonQuery();
                    // A deadlock with another node's batch: the other has gone on, so this unit can too.
                    if (attempt < MaxAttempts && DatabaseUnavailable.IsWorthRetrying(exception))
                    {
                        continue;
                    }

                    work.Fail(exception);
                    break;
                }
            }
        }

        await transaction.CommitAsync();
        foreach (var item in done)
        {
            item.Complete();
        }

        return ChangesSoFar(connection) != changesBefore;
    }

    /// <summary>
    /// Offers each kind of together-work (<see cref="ITogether{TItem, T}"/>) its units, in a savepoint of
    /// its own: should it fail, it is undone and its units run alone like the rest.
    /// </summary>
    /// <returns>The units still to run, one by one.</returns>
    private async Task<List<IWork>> WriteTogetherAsync(DbConnection connection, DbTransaction transaction, List<IWork> batch, List<IWork> done)
    {
        var alone = batch.Where(w => w.Together is null).ToList();
        foreach (var kind in batch.Where(w => w.Together is not null).GroupBy(w => w.Together))
        {
            var units = kind.ToList();
            Prepared.Command(connection, transaction, "SAVEPOINT together").ExecuteNonQuery();
            bool[] written;
            try
            {
                written = await units[0].WriteTogetherAsync(connection, transaction, units);
                Prepared.Command(connection, transaction, "RELEASE together").ExecuteNonQuery();
            }
            catch (Exception exception) when (!DatabaseUnavailable.IsTemporary(exception))
            {
                // A conflict with another writer (a unique index, a deadlock) or anything unforeseen: each
                // unit's own work settles it, as it does when units race one by one.
                if (DatabaseUnavailable.IsWorthRetrying(exception) || exception is DbException { SqlState: "23505" })
                {
                    logger.LogDebug(exception, "{Count} units written together met another writer's; each runs alone.", units.Count);
                }
                else
                {
                    logger.LogWarning(exception, "{Count} units could not be written together; each runs alone.", units.Count);
                }

                Prepared.Command(connection, transaction, "ROLLBACK TO together").ExecuteNonQuery();
                Prepared.Command(connection, transaction, "RELEASE together").ExecuteNonQuery();
                written = new bool[units.Count];
            }

            for (var i = 0; i < units.Count; i++)
            {
                (written[i] ? done : alone).Add(units[i]);
            }
        }

        return alone;
    }

    /// <summary>
    /// SQLite's count of rows changed on the connection. PostgreSQL has no such count: a batch there
    /// counts as a change, and a failing server fails the next batch again anyway.
    /// </summary>
    private long ChangesSoFar(DbConnection open) => open is SqliteConnection sqlite ? SQLitePCL.raw.sqlite3_total_changes(sqlite.Handle) : Interlocked.Increment(ref postgresBatches);

    private long postgresBatches;

    private interface IWork
    {
        /// <summary>What can write this unit with others of its kind, if anything.</summary>
        object? Together { get; }

        Task RunAsync(DbConnection connection, DbTransaction transaction);

        /// <summary>Offers <paramref name="units"/> (this one's kind) to <see cref="Together"/>.</summary>
        /// <returns>Per unit, whether it was written.</returns>
        Task<bool[]> WriteTogetherAsync(DbConnection connection, DbTransaction transaction, List<IWork> units);

        void Complete();

        void Fail(Exception exception);
    }

    private class Work<T>(Func<DbConnection, DbTransaction, Task<T>> work) : IWork
    {
        private readonly TaskCompletionSource<T> completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public virtual object? Together => null;

        public Task<T> Result => completion.Task;

        protected T? Value { get; set; }

        public async Task RunAsync(DbConnection connection, DbTransaction transaction) => Value = await work(connection, transaction);

        public virtual Task<bool[]> WriteTogetherAsync(DbConnection connection, DbTransaction transaction, List<IWork> units) =>
            throw new InvalidOperationException("This unit is written alone.");

        public void Complete() => completion.TrySetResult(Value!);

        public void Fail(Exception exception) => completion.TrySetException(exception);
    }

    private sealed class TogetherWork<TItem, T>(Func<DbConnection, DbTransaction, Task<T>> work, ITogether<TItem, T> together, TItem item)
        : Work<T>(work)
    {
        public override object? Together => together;

        private TItem Item => item;

        public override async Task<bool[]> WriteTogetherAsync(DbConnection connection, DbTransaction transaction, List<IWork> units)
        {
            var mine = units.Cast<TogetherWork<TItem, T>>().ToList();
            var results = await together.WriteAsync(connection, transaction, mine.Select(u => u.Item).ToList());
            var written = new bool[mine.Count];
            for (var i = 0; i < mine.Count; i++)
            {
                if (results[i] is { Written: true } result)
                {
                    mine[i].Value = result.Value;
                    written[i] = true;
                }
            }

            return written;
        }
    }
}

/// <summary>
/// Writes many units of one kind in a few set-based statements (one per table for the whole batch),
/// where each unit alone would be a dozen round trips: on PostgreSQL each is a message, a wake-up and
/// a reply on both sides of the connection, and those, not the rows, are what a sign-on costs there.
/// </summary>
public interface ITogether<TItem, T>
{
    /// <returns>Per item, in order: its result when written; not written, the item runs its own work afterwards.</returns>
    Task<IReadOnlyList<(bool Written, T Value)>> WriteAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<TItem> items);
}
