using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;

namespace Petitions.Data;

/// <summary>
/// Statements compiled once per connection and run again with new values: on the group-commit
/// writer's long-lived connection, the sign-on path's statements are parsed and planned once, not
/// once per sign-on (SQLite's parser and planner were a large part of a sign-on's cost).
/// </summary>
/// <remarks>
/// A SqliteCommand keeps its compiled statement while its text is unchanged and its connection
/// open; the commands are kept per connection and go with it. Not for concurrent use of one
/// connection, which SQLite connections do not support anyway.
/// </remarks>
public static class Prepared
{
    private static readonly ConditionalWeakTable<SqliteConnection, Dictionary<string, SqliteCommand>> Commands = [];

    /// <returns>The connection's command for <paramref name="sql"/>, in <paramref name="transaction"/>, with no parameters.</returns>
    public static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        var commands = Commands.GetValue(connection, _ => new Dictionary<string, SqliteCommand>(StringComparer.Ordinal));
        if (!commands.TryGetValue(sql, out var command))
        {
            command = connection.CreateCommand();
            command.CommandText = sql;
            commands[sql] = command;
        }

        command.Transaction = transaction;
        command.Parameters.Clear();
        return command;
    }

    /// <summary>Adds a parameter; null is SQL NULL.</summary>
    public static SqliteCommand With(this SqliteCommand command, string name, object? value)
    {
        command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }

    /// <returns>The first column of the first row, or null when there is no row or it is NULL.</returns>
    public static long? ScalarInt64(this SqliteCommand command)
    {
        using var reader = command.ExecuteReader();
        return reader.Read() && !reader.IsDBNull(0) ? reader.GetInt64(0) : null;
    }
}
