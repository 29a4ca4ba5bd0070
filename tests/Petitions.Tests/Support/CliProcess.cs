using System.Diagnostics;

namespace Petitions.Tests.Support;

public sealed record CliResult(int ExitCode, string Output, string Error);

/// <summary>Runs the real program's command line in a process of its own, on a given database.</summary>
public static class CliProcess
{
    /// <summary>On the database the path stands for: the SQLite file, or on a PostgreSQL run the app's database (<see cref="TestDatabase"/>).</summary>
    public static Task<CliResult> RunAsync(string databasePath, params string[] args) =>
        RunWithAsync(TestDatabase.Settings(databasePath), Path.GetDirectoryName(databasePath)!, args);

    /// <summary>As a shell's <c>&gt; file</c>: standard output's bytes go to <paramref name="outputFile"/>, untouched.</summary>
    public static async Task<CliResult> RunToFileAsync(string databasePath, string outputFile, params string[] args)
    {
        var start = Start(TestDatabase.Settings(databasePath), Path.GetDirectoryName(databasePath)!, args);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        await using (var file = File.Create(outputFile))
        {
            await process.StandardOutput.BaseStream.CopyToAsync(file);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return new CliResult(process.ExitCode, "", await error);
    }

    /// <param name="settings">Configuration keys (<c>Database:Provider</c>, …), given to the program as environment variables.</param>
    public static async Task<CliResult> RunWithAsync(IEnumerable<KeyValuePair<string, string?>> settings, string workingDirectory, params string[] args)
    {
        var start = Start(settings, workingDirectory, args);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return new CliResult(process.ExitCode, await output, await error);
    }

    private static ProcessStartInfo Start(IEnumerable<KeyValuePair<string, string?>> settings, string workingDirectory, string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Petitions.Web.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        start.Environment["DOTNET_NOLOGO"] = "1";
        return start;
    }
}
