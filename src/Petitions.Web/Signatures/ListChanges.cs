using System.Data.Common;
using System.Globalization;
using Dapper;
using Petitions.Data;

namespace Petitions.Signatures;

/// <summary>
/// Announces that a letter's public list shows something else now, so that the list caches read it
/// again. Writers call it inside their transaction's scope (in it, or just after its commit): the
/// cache's commit window covers a read that began before the commit.
/// </summary>
/// <remarks>
/// <para>With one SQLite file the caches to tell are this process's caches of this database; a process
/// writing the same file (the command line) cannot reach them, and the caches' freshness bound
/// (<see cref="PublicListCache.FreshFor"/>) covers it.</para>
/// <para>On PostgreSQL this node's cache is told at once and every node's through <c>NOTIFY</c> on
/// <see cref="Channel"/>, which <see cref="ListChangesListener"/> hears. Given the writer's transaction
/// (<see cref="ChangedAsync"/>) the notification goes in it, so it is delivered at the commit and never for
/// a change rolled back; without one it is sent on a connection of its own, after the caller's commit.</para>
/// <para>A letter's own edits (text, settings, translations) are announced here too, after their commit
/// (<see cref="Changed"/>): on PostgreSQL the letters kept for sign-ons
/// (<see cref="Petitions.PetitionStore.ReadToSignAsync"/>) are forgotten with the lists.</para>
/// </remarks>
public sealed class ListChanges(Db db, PublicListCache cache, Petitions.PetitionStore letters, ILogger<ListChanges> logger)
{
    /// <summary>The channel of list changes; a payload is <c>node:letter id</c>, or <c>node:*</c> for every letter.</summary>
    public const string Channel = "petitions_lists";

    /// <summary>This node, so that its listener skips what it announced itself (its cache was told already).</summary>
    public string Node { get; } = Guid.NewGuid().ToString("N");

    public void Changed(long petitionId)
    {
        if (!db.IsPostgres)
        {
            PublicListCache.Invalidate(db.ConnectionString, petitionId);
            return;
        }

        Forget(petitionId);
        _ = NotifyAloneAsync(petitionId.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Every letter's list may show something else (an organisation's own row changed).</summary>
    public void ChangedAll()
    {
        if (!db.IsPostgres)
        {
            PublicListCache.InvalidateAll(db.ConnectionString);
            return;
        }

        Forget(null);
        _ = NotifyAloneAsync("*");
    }

    /// <summary>
    /// On PostgreSQL, drops what this node keeps of a letter, or of every letter given null: its public list and the
    /// letter kept for sign-ons. Called after the change's commit (this node's writers, the listener), never before:
    /// a letter read between the two would be kept as it was.
    /// </summary>
    internal void Forget(long? petitionId)
    {
        if (petitionId is { } id)
        {
            cache.Invalidate(id);
            letters.Forget(id);
        }
        else
        {
            cache.InvalidateAll();
            letters.Forget(null);
        }
    }

    /// <summary>A letter's list changed in <paramref name="transaction"/>: on PostgreSQL the other nodes hear of it at its commit.</summary>
    public async Task ChangedAsync(DbConnection connection, DbTransaction transaction, long petitionId)
    {
        if (!db.IsPostgres)
        {
            PublicListCache.Invalidate(db.ConnectionString, petitionId);
            return;
        }

        cache.Invalidate(petitionId);
        await connection.ExecuteAsync("SELECT pg_notify(@channel, @payload)",
            new { channel = Channel, payload = Payload(petitionId.ToString(CultureInfo.InvariantCulture)) }, transaction);
    }

    private string Payload(string letter) => Node + ":" + letter;

    private async Task NotifyAloneAsync(string letter)
    {
        try
        {
            await using var connection = await db.OpenAsync();
            await connection.ExecuteAsync("SELECT pg_notify(@channel, @payload)", new { channel = Channel, payload = Payload(letter) });
        }
        catch (Exception exception) when (exception is DbException or InvalidOperationException or TimeoutException)
        {
            // The other nodes read the list again within their freshness bound all the same.
            logger.LogWarning(exception, "Telling the other nodes that a list changed failed.");
        }
    }
}
