using Petitions.Data;

namespace Petitions.Signatures;

/// <summary>
/// Announces that a letter's public list shows something else now, so that the list caches read it
/// again. Writers call it inside their transaction's scope (in it, or just after its commit): the
/// cache's commit window covers a read that began before the commit.
/// </summary>
/// <remarks>
/// With one SQLite file the caches to tell are this process's caches of this database; a process
/// writing the same file (the command line) cannot reach them, and the caches' freshness bound
/// (<see cref="PublicListCache.FreshFor"/>) covers it.
/// </remarks>
public sealed class ListChanges(Db db)
{
    public void Changed(long petitionId) => PublicListCache.Invalidate(db.ConnectionString, petitionId);

    /// <summary>Every letter's list may show something else (an organisation's own row changed).</summary>
    public void ChangedAll() => PublicListCache.InvalidateAll(db.ConnectionString);
}
