namespace Petitions.Petitions;

public static class PetitionStatus
{
    public const string Draft = "draft";
    public const string Open = "open";
    public const string Closed = "closed";

    public static bool IsKnown(string? status) => status is Draft or Open or Closed;
}

/// <summary>
/// Which sign-ons a letter's coordinators review before they are listed. A name that looks like a
/// link goes to review under every setting: listed, it would put a stranger's link on the letter.
/// </summary>
public static class ReviewSetting
{
    /// <summary>List on confirmation (but for a name that looks like a link).</summary>
    public const string None = "none";

    /// <summary>Review a sign-on with any flag (domain-mismatch, possible-duplicate, …): the default.</summary>
    public const string Flagged = "flagged";

    /// <summary>Review every sign-on; the contract's <c>requiresReview: true</c>.</summary>
    public const string All = "all";

    public static IReadOnlyList<string> Values { get; } = [None, Flagged, All];

    public static bool IsKnown(string? review) => review is None or Flagged or All;
}

/// <summary>How a letter's coordinators hear of sign-ons waiting for their review.</summary>
public static class ReviewAlertSetting
{
    /// <summary>An email per sign-on, as it arrives: the default.</summary>
    public const string Each = "each";

    /// <summary>One email a day listing every sign-on waiting (Signatures/ReviewDigests.cs).</summary>
    public const string Daily = "daily";

    public static IReadOnlyList<string> Values { get; } = [Each, Daily];

    public static bool IsKnown(string? alerts) => alerts is Each or Daily;
}

public sealed record DemandGroup(string Lead, IReadOnlyList<string> Demands);

public sealed record Footnote(int Number, string Text);

/// <summary>
/// A letter as a coordinator writes it (and as data/seed holds the seed letter). The review setting
/// comes as <see cref="Review"/> or as the older <see cref="RequiresReview"/> (true is "all");
/// given neither, an edit keeps the letter's setting and a new letter gets "flagged".
/// </summary>
public sealed record LetterInput(
    string Slug,
    string Title,
    string? Addressee,
    string? Place,
    DateOnly? Date,
    string? Status,
    bool? RequiresReview,
    DateTimeOffset? ClosesAt,
    string? Body,
    IReadOnlyList<DemandGroup>? DemandGroups,
    IReadOnlyList<Footnote>? Footnotes,
    string? Review = null,
    string? ReviewAlerts = null,
    string? Language = null,
    DateTimeOffset? OpensAt = null,
    DateTimeOffset? ListPublishedAt = null,
    IReadOnlyList<string>? EmbedOrigins = null) : ILetterText
{
    /// <param name="current">The letter's setting now; <see cref="ReviewSetting.Flagged"/> for a new letter.</param>
    public string ReviewOr(string current) => Review ?? RequiresReview switch
    {
        true => ReviewSetting.All,
        // "Not everything" from a client that knows only the boolean: the default, unless the letter already reviews less.
        false => current == ReviewSetting.All ? ReviewSetting.Flagged : current,
        null => current,
    };
}

public sealed record Petition(
    long Id,
    string Slug,
    string Title,
    string Addressee,
    string Place,
    DateOnly? Date,
    string Status,
    string Review,
    DateTimeOffset? ClosesAt,
    int Version,
    string Body,
    IReadOnlyList<DemandGroup> DemandGroups,
    IReadOnlyList<Footnote> Footnotes,
    string ReviewAlerts = ReviewAlertSetting.Each,
    string Language = LetterLanguages.Default,
    DateTimeOffset? OpensAt = null,
    DateTimeOffset? ListPublishedAt = null,
    IReadOnlyList<string>? EmbedOrigins = null)
{
    /// <summary>The contract's boolean: every sign-on is reviewed.</summary>
    public bool RequiresReview => Review == ReviewSetting.All;

    public LetterInput ToInput() => new(Slug, Title, Addressee, Place, Date, Status, RequiresReview, ClosesAt, Body, DemandGroups, Footnotes, Review, ReviewAlerts, Language,
        OpensAt, ListPublishedAt, Origins);

    /// <summary>The origins (scheme, host and port) that may frame the letter's sign-on form; none by default.</summary>
    public IReadOnlyList<string> Origins => EmbedOrigins ?? [];

    /// <summary>Open, opened (or <paramref name="preview"/>: the holder of a preview link signs before the opening), and not past its closing time.</summary>
    public bool AcceptsSignOns(DateTimeOffset now, bool preview = false) =>
        Status == PetitionStatus.Open && (preview || HasOpenedAt(now)) && (ClosesAt is null || now < ClosesAt);

    /// <summary>
    /// Whether the public sees the letter now: not a draft, and past its opening time. The one rule for
    /// every public route (page, JSON, lists, map, print, embed, badge); before it, 404.
    /// </summary>
    public bool IsPublicAt(DateTimeOffset now) => Status != PetitionStatus.Draft && HasOpenedAt(now);

    /// <summary>No opening time, or it has come (at that very second).</summary>
    public bool HasOpenedAt(DateTimeOffset now) => OpensAt is null || now >= OpensAt;

    /// <summary>Whether the public sees the names of the organisations listed: until <see cref="ListPublishedAt"/>, only their number.</summary>
    public bool ListIsPublicAt(DateTimeOffset now) => ListPublishedAt is null || now >= ListPublishedAt;

    /// <summary>Closed by its status or by its closing time having come.</summary>
    public bool IsClosedAt(DateTimeOffset now) => Status == PetitionStatus.Closed || (ClosesAt is { } closes && now >= closes);
}

public sealed record PetitionSummary(string Slug, string Title, string Status, long SignatoryCount);
