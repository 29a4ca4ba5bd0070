using System.Data.Common;
using System.Runtime.CompilerServices;

namespace Petitions.Data;

/// <summary>
/// Statements compiled once per connection and run again with new values: on the group-commit
/// writer's long-lived connection, the sign-on path's statements are parsed and planned once, not
/// once per sign-on (SQLite's parser and planner were a large part of a sign-on's cost).
/// </summary>
/// <remarks>
/// A SqliteCommand keeps its compiled statement while its text is unchanged and its connection
/// open; Npgsql prepares a command on the server once asked to. The commands are kept per connection
/// and go with it. Not for concurrent use of one connection, which neither driver supports anyway.
/// Parameters are named <c>@name</c>, which both drivers read.
/// </remarks>
public static class Prepared
{
    private static readonly ConditionalWeakTable<DbConnection, Dictionary<string, DbCommand>> Commands = [];

    /// <returns>The connection's command for <paramref name="sql"/>, in <paramref name="transaction"/>, its parameters as last set.</returns>
    public static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql)
    {
        var commands = Commands.GetValue(connection, _ => new Dictionary<string, DbCommand>(StringComparer.Ordinal));
        if (!commands.TryGetValue(sql, out var command))
        {
            command = connection.CreateCommand();
            command.CommandText = sql;
            commands[sql] = command;
        }

        command.Transaction = transaction;
        return command;
    }

    /// <summary>Sets a parameter's value; null is SQL NULL.</summary>
    /// <remarks>
    /// A command run again keeps its parameter objects and takes new values: Npgsql binds a prepared
    /// statement to the parameters it was prepared with, so parameters cleared and added anew would
    /// leave it sending the first run's values.
    /// </remarks>
    public static DbCommand With(this DbCommand command, string name, object? value)
    {
        var index = command.Parameters.IndexOf(name);
        if (index < 0)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            index = command.Parameters.Add(parameter);
        }

        command.Parameters[index].Value = value ?? DBNull.Value;
        return command;
    }

    /// <returns>The first column of the first row, or null when there is no row or it is NULL.</returns>
    public static long? ScalarInt64(this DbCommand command)
    {
        using var reader = command.ExecuteReader();
        return reader.Read() && !reader.IsDBNull(0) ? Convert.ToInt64(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture) : null;
    }
}
