namespace Petitions;

/// <summary>The "Petitions" section of the configuration (CONTRACT.md).</summary>
public sealed class PetitionsOptions
{
    public string PublicBaseUrl { get; set; } = "http://127.0.0.1:5080";

    public bool SeedOnStart { get; set; } = true;

    /// <summary>Where the keys that sign antiforgery tokens and cookies are kept, so they outlive a restart.</summary>
    public string KeysDirectory { get; set; } = "data/keys";

    /// <summary>Keep each letter's rendered public list between requests (Signatures/PublicListCache.cs); false reads it on every request.</summary>
    public bool ListCache { get; set; } = true;

    /// <summary>How long a kept list is shown without being read again: the backstop for changes nobody announced to this node.</summary>
    public TimeSpan ListCacheFreshFor { get; set; } = Signatures.PublicListCache.FreshFor;
}
