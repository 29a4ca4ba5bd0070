using System.Diagnostics;

namespace Petitions.Tests.Support;

public sealed record CliResult(int ExitCode, string Output, string Error);

/// <summary>Runs the real program's command line in a process of its own, on a given database.</summary>
public static class CliProcess
{
    public static async Task<CliResult> RunAsync(string databasePath, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(databasePath)!,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Petitions.Web.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // The database the path stands for: the SQLite file, or on a PostgreSQL run the app's database.
        foreach (var (key, value) in TestDatabase.Settings(databasePath))
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return new CliResult(process.ExitCode, await output, await error);
    }
}
