using System.Data.Common;
using Npgsql;

namespace Petitions.Data;

/// <summary>A list of values as a parameter, in the words each dialect reads.</summary>
public static class SqlLists
{
    /// <summary>
    /// "IN @ids" on SQLite, "= ANY(@ids)" on PostgreSQL: Dapper expands a list into one parameter per
    /// value for SQLite, but hands Npgsql the whole array as one parameter, which only ANY reads.
    /// </summary>
    public static string In(DbConnection connection, string parameter) =>
        connection is NpgsqlConnection ? $"= ANY({parameter})" : $"IN {parameter}";
}
