using System.Text;
using Dapper;

namespace Petitions.Tests.Support;

/// <summary>Every row of every table, as text: two dumps are equal when a request changed nothing.</summary>
public static class DatabaseDump
{
    /// <summary>
    /// All tables but the credentials' own bookkeeping and the nodes' shared key ring and rate windows (API tokens and sessions may record when they
    /// were last used on any request; that is not the refused action changing something).
    /// </summary>
    public static async Task<string> TakeAsync(PetitionsApp app)
    {
        await using var connection = await app.Db.OpenAsync();
        var tables = (await connection.QueryAsync<string>(app.Db.Sql(
            """
            SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
              AND name NOT IN ('api_tokens', 'data_protection_keys', 'rate_windows') AND name NOT LIKE '%session%' ORDER BY name
            """,
            """
            SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
              AND table_name NOT IN ('api_tokens', 'data_protection_keys', 'rate_windows') AND table_name NOT LIKE '%session%' ORDER BY table_name
            """))).ToList();
        var dump = new StringBuilder();
        foreach (var table in tables)
        {
            dump.Append("== ").AppendLine(table);
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT * FROM \"{table}\" ORDER BY 1";
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    var value = reader.GetValue(i);
                    dump.Append(reader.GetName(i)).Append('=').Append(value is byte[] bytes ? Convert.ToHexString(bytes) : Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)).Append('|');
                }

                dump.AppendLine();
            }
        }

        return dump.ToString();
    }
}
