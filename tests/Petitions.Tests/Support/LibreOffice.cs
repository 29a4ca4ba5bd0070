using System.Diagnostics;

namespace Petitions.Tests.Support;

/// <summary>
/// The real LibreOffice Calc, headless (Debian's libreoffice-calc-nogui, which scripts/test
/// installs): converts a file as a coordinator's spreadsheet would open and save it.
/// </summary>
public static class LibreOffice
{
    /// <summary>Calc's CSV filter writing UTF-8 (76), comma-separated, every text cell quoted.</summary>
    public const string Utf8Csv = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false";

    /// <summary>Calc's own XLSX export.</summary>
    public const string Xlsx = "xlsx:Calc MS Excel 2007 XML";

    /// <summary>Reads a CSV as UTF-8, comma-separated, quotes around fields: what a coordinator picks in the import dialog.</summary>
    public const string Utf8CsvImport = "CSV:44,34,76,1";

    private static readonly Lazy<string?> Program = new(() =>
        new[] { "soffice", "libreoffice" }
            .SelectMany(name => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(dir => Path.Combine(dir, name)))
            .FirstOrDefault(File.Exists));

    /// <summary>Ignores the test when LibreOffice is not installed (scripts/test installs it, so CI runs it).</summary>
    public static void RequireOrIgnore()
    {
        if (Program.Value is null)
        {
            Assert.Ignore("LibreOffice (soffice) is not installed: apt-get install libreoffice-calc-nogui");
        }
    }

    /// <summary>
    /// Opens <paramref name="input"/> (named with <paramref name="extension"/>, which tells Calc what
    /// it is) and saves it with <paramref name="convertTo"/>; returns the bytes saved.
    /// </summary>
    public static async Task<byte[]> ConvertAsync(byte[] input, string extension, string convertTo, string? inFilter = null)
    {
        using var directory = new TempDirectory();
        var source = directory.File("in." + extension);
        var output = Path.Combine(directory.Path, "out");
        await File.WriteAllBytesAsync(source, input);

        var start = new ProcessStartInfo(Program.Value ?? throw new InvalidOperationException("LibreOffice is not installed"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = directory.Path,
        };
        // A profile of its own: no lock on a shared one, and nothing from a user's settings.
        start.ArgumentList.Add($"-env:UserInstallation=file://{directory.File("profile")}");
        start.ArgumentList.Add("--headless");
        start.ArgumentList.Add("--norestore");
        if (inFilter is not null)
        {
            start.ArgumentList.Add($"--infilter={inFilter}");
        }

        start.ArgumentList.Add("--convert-to");
        start.ArgumentList.Add(convertTo);
        start.ArgumentList.Add("--outdir");
        start.ArgumentList.Add(output);
        start.ArgumentList.Add(source);

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        var saved = Directory.Exists(output) ? Directory.GetFiles(output) : [];
        if (process.ExitCode != 0 || saved.Length != 1)
        {
            throw new InvalidOperationException(
                $"soffice exited {process.ExitCode} and saved {saved.Length} files: {await stdout} {await stderr}");
        }

        return await File.ReadAllBytesAsync(saved[0]);
    }
}
