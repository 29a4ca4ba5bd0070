using System.Text.Json;

namespace Petitions.Tests.Hostile;

/// <summary>The vendored hostile input (see data/README.md), and how a failure shows the value that caused it.</summary>
public static class HostileData
{
    private static readonly Lazy<IReadOnlyList<string>> Blns = new(() =>
        JsonSerializer.Deserialize<List<string>>(File.ReadAllBytes(Path.Combine(Folder(), "blns.json")))!);

    /// <summary>The Big List of Naughty Strings, all 485, in the list's order.</summary>
    public static IReadOnlyList<string> NaughtyStrings => Blns.Value;

    /// <summary>The fields of a sign-on that take text, in the form's order.</summary>
    public static readonly IReadOnlyList<string> TextFields =
        ["organisation", "city", "country", "contactName", "contactRole", "contactEmail", "website", "comment"];

    /// <summary>A value as a failure message shows it: every invisible or control character escaped.</summary>
    public static string Show(string? value)
    {
        if (value is null)
        {
            return "null";
        }

        var shown = JsonSerializer.Serialize(value, ShowOptions);
        return shown.Length <= 1000 ? shown : shown[..1000] + "…\"";
    }

    private static readonly JsonSerializerOptions ShowOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.Default };

    /// <summary>data/ copied beside the tests when the project copies it, else found in the source tree.</summary>
    private static string Folder()
    {
        var copied = Path.Combine(AppContext.BaseDirectory, "Hostile", "data");
        if (File.Exists(Path.Combine(copied, "blns.json")))
        {
            return copied;
        }

        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Petitions.sln")))
            {
                return Path.Combine(folder.FullName, "tests", "Petitions.Tests", "Hostile", "data");
            }
        }

        throw new DirectoryNotFoundException("Hostile/data: no Petitions.sln above " + AppContext.BaseDirectory);
    }
}
