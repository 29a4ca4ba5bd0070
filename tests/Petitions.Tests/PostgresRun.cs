using Petitions.Tests.Support;

[assembly: DropTestDatabases]

namespace Petitions.Tests;

/// <summary>Stops the run's PostgreSQL cluster, if a test started one, once every test has run.</summary>
[SetUpFixture]
public sealed class PostgresRun
{
    [OneTimeTearDown]
    public void StopPostgres() => Postgres.Stop();
}
