namespace Petitions.Petitions;

public static class PetitionStatus
{
    public const string Draft = "draft";
    public const string Open = "open";
    public const string Closed = "closed";

    public static bool IsKnown(string? status) => status is Draft or Open or Closed;
}

public sealed record DemandGroup(string Lead, IReadOnlyList<string> Demands);

public sealed record Footnote(int Number, string Text);

/// <summary>A letter as a coordinator writes it (and as data/seed holds the seed letter).</summary>
public sealed record LetterInput(
    string Slug,
    string Title,
    string? Addressee,
    string? Place,
    DateOnly? Date,
    string? Status,
    bool RequiresReview,
    DateTimeOffset? ClosesAt,
    string? Body,
    IReadOnlyList<DemandGroup>? DemandGroups,
    IReadOnlyList<Footnote>? Footnotes);

public sealed record Petition(
    long Id,
    string Slug,
    string Title,
    string Addressee,
    string Place,
    DateOnly? Date,
    string Status,
    bool RequiresReview,
    DateTimeOffset? ClosesAt,
    int Version,
    string Body,
    IReadOnlyList<DemandGroup> DemandGroups,
    IReadOnlyList<Footnote> Footnotes)
{
    public LetterInput ToInput() => new(Slug, Title, Addressee, Place, Date, Status, RequiresReview, ClosesAt, Body, DemandGroups, Footnotes);

    /// <summary>Open, and not past its closing time.</summary>
    public bool AcceptsSignOns(DateTimeOffset now) => Status == PetitionStatus.Open && (ClosesAt is null || now < ClosesAt);
}

public sealed record PetitionSummary(string Slug, string Title, string Status, long SignatoryCount);
