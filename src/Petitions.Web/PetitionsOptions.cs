namespace Petitions;

/// <summary>The "Petitions" section of the configuration (CONTRACT.md).</summary>
public sealed class PetitionsOptions
{
    /// <summary>The base of links in emails; empty: the first address the service serves (Web/PublicBaseUrl.cs).</summary>
    public string PublicBaseUrl { get; set; } = "";

    /// <summary>The coalition's name, shown in every page's header and in emails.</summary>
    public string SiteName { get; set; } = "Petitions";

    /// <summary>A logo file (SVG, PNG, JPEG, WebP) shown beside the name; empty: none.</summary>
    public string LogoPath { get; set; } = "";

    /// <summary>Where signatories write to (the privacy notice names it); empty: the notice says to reply to any email.</summary>
    public string ContactEmail { get; set; } = "";

    public bool SeedOnStart { get; set; } = true;

    /// <summary>When, in UTC, letters that chose daily review alerts send their digest (Signatures/ReviewDigests.cs).</summary>
    public TimeSpan ReviewDigestAt { get; set; } = TimeSpan.FromHours(7);

    /// <summary>Where the keys that sign antiforgery tokens and cookies are kept, so they outlive a restart.</summary>
    public string KeysDirectory { get; set; } = "data/keys";

    /// <summary>Keep each letter's rendered public list between requests (Signatures/PublicListCache.cs); false reads it on every request.</summary>
    public bool ListCache { get; set; } = true;

    /// <summary>How long a kept list is shown without being read again: the backstop for changes nobody announced to this node.</summary>
    public TimeSpan ListCacheFreshFor { get; set; } = Signatures.PublicListCache.FreshFor;
}
