using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Petitions.Tests.Support;

/// <summary>
/// A private PostgreSQL cluster for the test run: Debian's binaries, initdb into a temporary folder,
/// a free port on 127.0.0.1, trust authentication, fsync left on. Started on first use, stopped and
/// removed at the end of the run (<see cref="PostgresRun"/>, or at process exit). Each test gets a
/// database of its own, dropped when the test disposes it.
/// </summary>
public static class Postgres
{
    private static readonly Lazy<Task<Cluster>> Running = new(() => Task.Run(Cluster.StartAsync));

    /// <summary>The newest installed server's bin folder, e.g. /usr/lib/postgresql/15/bin; null when none is.</summary>
    public static string? BinDirectory { get; } = FindBinDirectory();

    /// <summary>A fresh, empty database (from template0). Skips the test when PostgreSQL is not installed.</summary>
    public static async Task<PostgresDatabase> CreateDatabaseAsync()
    {
        if (BinDirectory is null)
        {
            Assert.Ignore("PostgreSQL is not installed (scripts/test installs Debian's postgresql package).");
        }

        var cluster = await Running.Value;
        var name = "t_" + Guid.NewGuid().ToString("N");
        await using (var admin = await cluster.OpenAdminAsync())
        await using (var create = new NpgsqlCommand($"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8'", admin))
        {
            await create.ExecuteNonQueryAsync();
        }

        return new PostgresDatabase(cluster, name);
    }

    /// <summary>Stops the cluster if this run started one, and removes its folder.</summary>
    internal static void Stop()
    {
        if (Running.IsValueCreated && Running.Value.IsCompletedSuccessfully)
        {
            Running.Value.Result.Stop();
        }
    }

    private static string? FindBinDirectory()
    {
        const string root = "/usr/lib/postgresql";
        if (!Directory.Exists(root))
        {
            return null;
        }

        return Directory.GetDirectories(root)
            .Select(d => (Dir: Path.Combine(d, "bin"), Version: int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : -1))
            .Where(c => c.Version >= 0 && File.Exists(Path.Combine(c.Dir, "initdb")) && File.Exists(Path.Combine(c.Dir, "pg_ctl")))
            .OrderByDescending(c => c.Version)
            .Select(c => c.Dir)
            .FirstOrDefault();
    }

    internal sealed class Cluster
    {
        private readonly string folder;
        private int stopped;

        private Cluster(string folder, int port)
        {
            this.folder = folder;
            Port = port;
        }

        public int Port { get; }

        private string DataDirectory => Path.Combine(folder, "data");

        public string ConnectionString(string database) =>
            new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = Port, Username = "postgres", Database = database }.ToString();

        public async Task<NpgsqlConnection> OpenAdminAsync()
        {
            var connection = new NpgsqlConnection(ConnectionString("postgres"));
            await connection.OpenAsync();
            return connection;
        }

        public static async Task<Cluster> StartAsync()
        {
            var folder = Directory.CreateTempSubdirectory("petitions-pg-").FullName;
            try
            {
                // The server refuses to run as root: as root, its files belong to, and it runs as, user postgres.
                if (Environment.IsPrivilegedProcess)
                {
                    await RunAsync("chown", "postgres:postgres", folder);
                }

                await RunServerToolAsync("initdb", "-D", Path.Combine(folder, "data"), "-U", "postgres", "-A", "trust",
                    "-E", "UTF8", "--locale=C.UTF-8", "--no-instructions");

                // A free port can be taken by someone else before the server binds it: try another.
                for (var attempt = 1; ; attempt++)
                {
                    var cluster = new Cluster(folder, FreePort());
                    var options = $"-p {cluster.Port} -k {folder} -c listen_addresses=127.0.0.1 -c max_connections=200";
                    try
                    {
                        await RunServerToolAsync("pg_ctl", "-D", cluster.DataDirectory, "-l", Path.Combine(folder, "server.log"),
                            "-o", options, "-w", "-t", "120", "start");
                        AppDomain.CurrentDomain.ProcessExit += (_, _) => cluster.Stop();
                        return cluster;
                    }
                    catch (InvalidOperationException) when (attempt < 3)
                    {
                        // Tried again on another port; the log keeps why.
                    }
                }
            }
            catch
            {
                TryDelete(folder);
                throw;
            }
        }

        public void Stop()
        {
            if (Interlocked.Exchange(ref stopped, 1) == 1)
            {
                return;
            }

            NpgsqlConnection.ClearAllPools();
            try
            {
                // Immediate: the data is thrown away, so nothing needs to be written out first.
                RunServerToolAsync("pg_ctl", "-D", DataDirectory, "-m", "immediate", "-w", "stop").GetAwaiter().GetResult();
            }
            finally
            {
                TryDelete(folder);
            }
        }

        private static void TryDelete(string folder)
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // Left for the OS temp cleaner.
            }
        }

        private static Task RunServerToolAsync(string tool, params string[] args)
        {
            var path = Path.Combine(BinDirectory!, tool);
            return Environment.IsPrivilegedProcess
                ? RunAsync("runuser", ["-u", "postgres", "--", path, .. args])
                : RunAsync(path, args);
        }

        private static async Task RunAsync(string file, params string[] args)
        {
            var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in args)
            {
                start.ArgumentList.Add(arg);
            }

            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {process.ExitCode}: {await output}{await error}");
            }
        }

        private static int FreePort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
    }
}

/// <summary>One test's database on the run's cluster; dropped on dispose.</summary>
public sealed class PostgresDatabase : IAsyncDisposable
{
    private readonly Postgres.Cluster cluster;

    internal PostgresDatabase(Postgres.Cluster cluster, string name)
    {
        this.cluster = cluster;
        Name = name;
        ConnectionString = cluster.ConnectionString(name);
    }

    public string Name { get; }

    public string ConnectionString { get; }

    public async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    public async ValueTask DisposeAsync()
    {
        using (var pooled = new NpgsqlConnection(ConnectionString))
        {
            NpgsqlConnection.ClearPool(pooled);
        }

        await using var admin = await cluster.OpenAdminAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
    }
}
