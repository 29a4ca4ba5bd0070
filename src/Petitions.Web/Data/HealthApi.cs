using Dapper;

namespace Petitions.Data;

public static class HealthApi
{

    public static IEndpointConventionBuilder MapHealth(this IEndpointRouteBuilder routes) =>
        routes.MapGet("/healthz", async Task<IResult> (Db db, GroupCommit writer, CancellationToken cancellationToken) =>
        {
            try
            {
                await using var connection = await db.OpenAsync(cancellationToken);
                await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM schema_migrations");
                // Healthy means able to take a sign-on: the write lock can be had and the disk has room.
                await using (var transaction = Db.BeginWrite(connection))
                {
                    await transaction.RollbackAsync(cancellationToken);
                }

                // A database that cannot be written (read-only, an I/O error) still takes the lock and
                // reads: the writer's last batch is what tells.
                if (writer.StorageFailing)
                {
                    return TypedResults.Json(new { status = "unhealthy", reason = "the last write failed" }, statusCode: StatusCodes.Status503ServiceUnavailable);
                }

                if (!db.HasRoom())
                {
                    return TypedResults.Json(new { status = "unhealthy", reason = "disk nearly full" }, statusCode: StatusCodes.Status503ServiceUnavailable);
                }

                return TypedResults.Ok(new { status = "healthy" });
            }
            catch (Exception exception) when (exception is Microsoft.Data.Sqlite.SqliteException or IOException or InvalidOperationException)
            {
                return TypedResults.Json(new { status = "unhealthy" }, statusCode: StatusCodes.Status503ServiceUnavailable);
            }
        }).WithName("health").WithTags("Health").Produces(StatusCodes.Status200OK).Produces(StatusCodes.Status503ServiceUnavailable).WithSummary("200 when the database answers, 503 when it does not.");
}
