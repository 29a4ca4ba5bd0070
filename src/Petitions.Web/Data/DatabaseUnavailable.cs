using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Data.Sqlite;

namespace Petitions.Data;

/// <summary>
/// A full disk, a read-only or locked database is a temporary state of the machine, not a bug:
/// the answer is 503 with Retry-After, and nothing was acknowledged. Reads keep working where the
/// database can still be read.
/// </summary>
public sealed class DatabaseUnavailable(ILogger<DatabaseUnavailable> logger) : IExceptionHandler
{
    // SQLITE_BUSY, SQLITE_LOCKED, SQLITE_READONLY, SQLITE_IOERR, SQLITE_FULL, SQLITE_CANTOPEN
    private static readonly int[] Temporary = [5, 6, 8, 10, 13, 14];

    // PostgreSQL: connection exceptions (08), insufficient resources such as a full disk (53),
    // operator intervention such as a shutdown (57P), a read-only server (25006, a standby).
    private static readonly string[] TemporaryPostgresClasses = ["08", "53", "57P"];

    public static bool IsTemporary(Exception exception) =>
        exception is SqliteException sqlite && Temporary.Contains(sqlite.SqliteErrorCode)
        || exception is Npgsql.PostgresException postgres && (postgres.SqlState == "25006" || TemporaryPostgresClasses.Any(c => postgres.SqlState.StartsWith(c, StringComparison.Ordinal)))
        || exception is Npgsql.NpgsqlException { IsTransient: true } and not Npgsql.PostgresException
        || exception.InnerException is { } inner && IsTemporary(inner);

    /// <summary>
    /// PostgreSQL chose this statement as a deadlock's victim (40P01) or could not serialize it
    /// (40001): run again, it succeeds. Two nodes' batches can wait on each other's locks.
    /// </summary>
    public static bool IsWorthRetrying(Exception exception) =>
        exception is Npgsql.PostgresException { SqlState: "40P01" or "40001" }
        || exception.InnerException is { } inner && IsWorthRetrying(inner);

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (!IsTemporary(exception) || httpContext.Response.HasStarted)
        {
            return false;
        }

        logger.LogWarning("The database cannot take writes now ({Message}); answering 503.", exception.Message);
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = "30";
        await Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Temporarily unavailable",
            detail: "Nothing was saved. Please try again in a moment.").ExecuteAsync(httpContext);
        return true;
    }
}
