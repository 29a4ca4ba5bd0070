namespace Petitions.Data;

/// <summary>The SQL engines Petitions runs on: SQLite embedded (the default), or a PostgreSQL server.</summary>
public enum Dialect
{
    Sqlite,
    Postgres,
}
