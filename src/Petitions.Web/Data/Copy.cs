using System.Data;
using System.Data.Common;
using Dapper;
using Microsoft.Data.Sqlite;
using Npgsql;
using NpgsqlTypes;

namespace Petitions.Data;

/// <summary>One table's rows in the source and, after the copy, in the target.</summary>
public sealed record CopiedTable(string Name, long SourceRows, long TargetRows)
{
    public bool Matches => SourceRows == TargetRows;
}

/// <summary>
/// Copies every table of one database into an empty one of the other kind (SQLite ↔ PostgreSQL):
/// the way a deployment that outgrows the embedded default moves. The target is migrated with its
/// own dialect's migrations, filled in foreign-key order with the same ids in one transaction, and
/// committed only when every table's row count matches the source's.
/// </summary>
/// <remarks>
/// Every table but the migrations journal (the target journals its own migrations) is copied, the
/// shared state too: coordinator sessions, so a revoked one stays revoked; the key ring, so forms and
/// cookies issued before the move still verify after it; the rate windows, a minute's counts, so a
/// limit in force holds across the move. "Empty" means that none of those tables holds a row: a
/// database the service has started on once holds the seed letter and is refused.
/// </remarks>
public sealed class Copy(Db source, Db target)
{
    private const string Journal = "schema_migrations";

    /// <summary>Raised when the target holds rows already; nothing is written to it then.</summary>
    public sealed class TargetNotEmptyException(string message) : Exception(message);

    public async Task<IReadOnlyList<CopiedTable>> RunAsync(CancellationToken cancellationToken = default)
    {
        await Migrator.ApplyAsync(target, Migrator.Embedded(target.Dialect), cancellationToken);

        await using var from = await source.OpenAsync(cancellationToken);
        // One snapshot of the source for the rows and their counts, also while the service writes to it.
        await using var reading = from is SqliteConnection sqlite
            ? sqlite.BeginTransaction(deferred: true)
            : await from.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        var tables = InForeignKeyOrder(await TablesAsync(from, reading), await ForeignKeysAsync(from, reading));

        await using var to = await target.OpenAsync(cancellationToken);
        await using var writing = Db.BeginWrite(to);
        var nonEmpty = new List<string>();
        foreach (var table in tables)
        {
            if (await to.ExecuteScalarAsync<long>($"SELECT count(*) FROM {Quote(table)}", transaction: writing) > 0)
            {
                nonEmpty.Add(table);
            }
        }

        if (nonEmpty.Count > 0)
        {
            throw new TargetNotEmptyException($"the target database is not empty ({string.Join(", ", nonEmpty)} hold rows); copy only into a new one");
        }

        var copied = new List<CopiedTable>();
        foreach (var table in tables)
        {
            var columns = await ColumnsAsync(from, reading, table);
            var types = await TargetTypesAsync(to, writing, table);
            var missing = columns.Where(c => !types.ContainsKey(c)).ToList();
            if (missing.Count > 0)
            {
                throw new InvalidOperationException($"the target's table {table} has no column {string.Join(", ", missing)}: are both databases on the same version?");
            }

            await using (var rows = from.CreateCommand())
            {
                rows.Transaction = reading;
                rows.CommandText = $"SELECT {string.Join(", ", columns.Select(Quote))} FROM {Quote(table)} ORDER BY 1";
                await using var reader = await rows.ExecuteReaderAsync(cancellationToken);
                if (to is NpgsqlConnection postgres)
                {
                    await CopyIntoPostgresAsync(reader, postgres, table, columns, types, cancellationToken);
                }
                else
                {
                    await InsertIntoSqliteAsync(reader, (SqliteConnection)to, (SqliteTransaction)writing, table, columns, types, cancellationToken);
                }
            }

            copied.Add(new CopiedTable(
                table,
                await from.ExecuteScalarAsync<long>($"SELECT count(*) FROM {Quote(table)}", transaction: reading),
                await to.ExecuteScalarAsync<long>($"SELECT count(*) FROM {Quote(table)}", transaction: writing)));
        }

        // Committed only when complete: a target left empty can be copied into again.
        if (copied.All(t => t.Matches))
        {
            if (to is NpgsqlConnection)
            {
                await ResetSequencesAsync(to, writing);
            }

            await writing.CommitAsync(cancellationToken);
        }

        return copied;
    }

    private static string Quote(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static async Task<List<string>> TablesAsync(DbConnection connection, DbTransaction transaction) =>
        (await connection.QueryAsync<string>(
            connection is SqliteConnection
                ? "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
                : "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name",
            transaction: transaction))
        .Where(t => t != Journal)
        .ToList();

    /// <returns>(child, parent) for every foreign key between two tables.</returns>
    private static async Task<List<(string Child, string Parent)>> ForeignKeysAsync(DbConnection connection, DbTransaction transaction) =>
        (await connection.QueryAsync<(string, string)>(
            connection is SqliteConnection
                ? """
                  SELECT t.name, f."table" FROM sqlite_schema t, pragma_foreign_key_list(t.name) f
                  WHERE t.type = 'table' AND t.name NOT LIKE 'sqlite_%'
                  """
                : """
                  SELECT child.relname, parent.relname FROM pg_constraint c
                  JOIN pg_class child ON child.oid = c.conrelid JOIN pg_class parent ON parent.oid = c.confrelid
                  WHERE c.contype = 'f' AND c.connamespace = current_schema()::text::regnamespace
                  """,
            transaction: transaction)).ToList();

    /// <summary>Parents before children, so every row's references exist when it is inserted.</summary>
    private static List<string> InForeignKeyOrder(List<string> tables, List<(string Child, string Parent)> keys)
    {
        var ordered = new List<string>();
        var remaining = new List<string>(tables);
        while (remaining.Count > 0)
        {
            var ready = remaining.Where(t => !keys.Any(k => k.Child == t && k.Parent != t && remaining.Contains(k.Parent))).ToList();
            if (ready.Count == 0)
            {
                throw new InvalidOperationException($"the foreign keys of {string.Join(", ", remaining)} form a cycle");
            }

            ordered.AddRange(ready);
            remaining.RemoveAll(ready.Contains);
        }

        return ordered;
    }

    private static async Task<List<string>> ColumnsAsync(DbConnection connection, DbTransaction transaction, string table) =>
        (await connection.QueryAsync<string>(
            connection is SqliteConnection
                ? "SELECT name FROM pragma_table_info(@table) ORDER BY cid"
                : "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = @table ORDER BY ordinal_position",
            new { table }, transaction)).ToList();

    /// <returns>Each column's declared type in the target, lower case: how a source value is converted.</returns>
    private static async Task<Dictionary<string, string>> TargetTypesAsync(DbConnection connection, DbTransaction transaction, string table)
    {
        var rows = await connection.QueryAsync<(string Name, string Type)>(
            connection is SqliteConnection
                ? "SELECT name, type FROM pragma_table_info(@table)"
                : "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = @table",
            new { table }, transaction);
        return rows.ToDictionary(r => r.Name, r => r.Type.ToLowerInvariant(), StringComparer.Ordinal);
    }

    /// <summary>Binary COPY: the rows stream through, never the whole table in memory.</summary>
    private static async Task CopyIntoPostgresAsync(DbDataReader reader, NpgsqlConnection to, string table, List<string> columns,
        Dictionary<string, string> types, CancellationToken cancellationToken)
    {
        var kinds = columns.Select(c => PostgresType(table, c, types[c])).ToArray();
        await using var importer = await to.BeginBinaryImportAsync(
            $"COPY {Quote(table)} ({string.Join(", ", columns.Select(Quote))}) FROM STDIN (FORMAT BINARY)", cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            await importer.StartRowAsync(cancellationToken);
            for (var i = 0; i < kinds.Length; i++)
            {
                var value = ToPostgres(reader.GetValue(i), kinds[i], table, columns[i]);
                if (value is null)
                {
                    await importer.WriteNullAsync(cancellationToken);
                }
                else
                {
                    await importer.WriteAsync(value, kinds[i], cancellationToken);
                }
            }
        }

        await importer.CompleteAsync(cancellationToken);
    }

    private static NpgsqlDbType PostgresType(string table, string column, string type) => type switch
    {
        "bigint" => NpgsqlDbType.Bigint,
        "integer" => NpgsqlDbType.Integer,
        "smallint" => NpgsqlDbType.Smallint,
        "boolean" => NpgsqlDbType.Boolean,
        "text" => NpgsqlDbType.Text,
        "character varying" => NpgsqlDbType.Varchar,
        "bytea" => NpgsqlDbType.Bytea,
        "double precision" => NpgsqlDbType.Double,
        "timestamp with time zone" => NpgsqlDbType.TimestampTz,
        _ => throw new InvalidOperationException($"{table}.{column} is of type {type}, which copy does not know"),
    };

    /// <summary>SQLite's integers stand for booleans where PostgreSQL has boolean; its ISO 8601 text for timestamps.</summary>
    private static object? ToPostgres(object value, NpgsqlDbType type, string table, string column) => (value, type) switch
    {
        (DBNull, _) => null,
        (long n, NpgsqlDbType.Boolean) => n != 0,
        (long n, NpgsqlDbType.Integer) => checked((int)n),
        (long n, NpgsqlDbType.Smallint) => checked((short)n),
        (string text, NpgsqlDbType.TimestampTz) => Time.Parse(text).UtcDateTime,
        (long or bool or byte[] or double, _) when type is not (NpgsqlDbType.Text or NpgsqlDbType.Varchar) => value,
        (string, NpgsqlDbType.Text or NpgsqlDbType.Varchar) => value,
        _ => throw new InvalidOperationException($"{table}.{column}: a {value.GetType().Name} cannot go into a {type} column"),
    };

    /// <summary>One prepared INSERT, run per row inside the one transaction.</summary>
    private static async Task InsertIntoSqliteAsync(DbDataReader reader, SqliteConnection to, SqliteTransaction transaction, string table,
        List<string> columns, Dictionary<string, string> types, CancellationToken cancellationToken)
    {
        await using var insert = to.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = $"INSERT INTO {Quote(table)} ({string.Join(", ", columns.Select(Quote))}) VALUES ({string.Join(", ", columns.Select((_, i) => "$p" + i))})";
        var parameters = columns.Select((_, i) => insert.Parameters.Add(new SqliteParameter("$p" + i, null))).ToArray();
        var kinds = columns.Select(c => types[c]).ToArray();
        while (await reader.ReadAsync(cancellationToken))
        {
            for (var i = 0; i < parameters.Length; i++)
            {
                parameters[i].Value = ToSqlite(reader.GetValue(i), kinds[i]);
            }

            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>PostgreSQL's booleans become SQLite's 0 and 1; its timestamps the ISO 8601 text the stores write.</summary>
    private static object ToSqlite(object value, string type) => (value, type) switch
    {
        (bool flag, _) => flag ? 1L : 0L,
        (DateTime time, "text") => Time.Format(new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc))),
        (int n, _) => (long)n,
        (short n, _) => (long)n,
        _ => value,
    };

    /// <summary>Each identity goes on from the highest id copied, so the next row the service inserts gets a new one.</summary>
    private static async Task ResetSequencesAsync(DbConnection to, DbTransaction transaction)
    {
        var identities = await to.QueryAsync<(string Table, string Column)>("""
            SELECT table_name, column_name FROM information_schema.columns
            WHERE table_schema = current_schema() AND (is_identity = 'YES' OR column_default LIKE 'nextval(%')
            """, transaction: transaction);
        foreach (var (table, column) in identities)
        {
            await to.ExecuteAsync(
                $"SELECT setval(pg_get_serial_sequence(@table, @column), coalesce(max({Quote(column)}), 0) + 1, false) FROM {Quote(table)}",
                new { table = Quote(table), column }, transaction);
        }
    }
}
