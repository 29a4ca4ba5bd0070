namespace Petitions;

/// <summary>The "Petitions" section of the configuration (CONTRACT.md).</summary>
public sealed class PetitionsOptions
{
    public string PublicBaseUrl { get; set; } = "http://127.0.0.1:5080";

    public bool SeedOnStart { get; set; } = true;
}
