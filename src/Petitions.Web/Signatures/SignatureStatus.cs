namespace Petitions.Signatures;

/// <summary>
/// The one place that decides how a signature may move: pending (email not confirmed) →
/// confirmed (awaiting review) → listed (public); rejected and withdrawn are final.
/// </summary>
public static class SignatureStatus
{
    public const string Pending = "pending";
    public const string Confirmed = "confirmed";
    public const string Listed = "listed";
    public const string Rejected = "rejected";
    public const string Withdrawn = "withdrawn";

    public static readonly IReadOnlyList<string> All = [Pending, Confirmed, Listed, Rejected, Withdrawn];

    private static readonly Dictionary<string, string[]> Moves = new(StringComparer.Ordinal)
    {
        [Pending] = [Confirmed, Listed, Rejected],
        [Confirmed] = [Listed, Rejected, Withdrawn],
        [Listed] = [Withdrawn],
        [Rejected] = [],
        [Withdrawn] = [],
    };

    public static bool IsKnown(string? status) => status is not null && Moves.ContainsKey(status);

    public static bool CanMove(string from, string to) =>
        Moves.TryGetValue(from, out var targets) && targets.Contains(to, StringComparer.Ordinal);
}

public sealed class IllegalTransitionException(string from, string to)
    : InvalidOperationException($"A signature cannot move from {from} to {to}.")
{
    public string From { get; } = from;
    public string To { get; } = to;
}
