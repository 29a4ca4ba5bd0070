using System.Text;
using Petitions.Organisations;

namespace Petitions.Bench;

/// <summary>
/// The app writes a country_name column that it computes in C# (ICU's English names); the sqlite3
/// reference export joins this temporary table to produce the same column.
/// </summary>
public static class CountriesSql
{
    public static int Run()
    {
        var sql = new StringBuilder("CREATE TEMP TABLE bench_country_names (code TEXT PRIMARY KEY, name TEXT NOT NULL);\n");
        sql.Append("INSERT INTO bench_country_names (code, name) VALUES\n");
        sql.AppendJoin(",\n", Countries.All.Select(c => $"('{c.Code}', '{c.Name.Replace("'", "''", StringComparison.Ordinal)}')"));
        sql.Append(";\n");
        Console.Out.Write(sql.ToString());
        return 0;
    }
}
