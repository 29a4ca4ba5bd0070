namespace Petitions.Signatures;

/// <summary>What can happen to a signature.</summary>
public enum SignatureAction
{
    /// <summary>A signatory signs on: a new signature waits for its email to be confirmed.</summary>
    Sign,

    /// <summary>An organisation comes in on a list a coordinator imports: listed at once.</summary>
    Import,

    /// <summary>An imported organisation whose place needs a person's decision: confirmed, not listed.</summary>
    ImportForReview,

    /// <summary>A withdrawal that travels with an imported list (a CSV round trip) stays one.</summary>
    ImportWithdrawn,

    /// <summary>The email is confirmed and the letter lists without review.</summary>
    Confirm,

    /// <summary>The email is confirmed; a coordinator reviews before listing.</summary>
    ConfirmForReview,

    Approve,
    Reject,
    Withdraw,
}

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

    // An action from no status creates a signature; it never applies to one that exists.
    private static readonly Dictionary<SignatureAction, (string[] From, string To)> Actions = new()
    {
        [SignatureAction.Sign] = ([], Pending),
        [SignatureAction.Import] = ([], Listed),
        [SignatureAction.ImportForReview] = ([], Confirmed),
        [SignatureAction.ImportWithdrawn] = ([], Withdrawn),
        [SignatureAction.Confirm] = ([Pending], Listed),
        [SignatureAction.ConfirmForReview] = ([Pending], Confirmed),
        // Approval is of a confirmed sign-on only: a coordinator cannot skip the signer's own confirmation.
        [SignatureAction.Approve] = ([Confirmed], Listed),
        [SignatureAction.Reject] = ([Pending, Confirmed], Rejected),
        // Only a signatory that stood (or stood to be) on the list can withdraw from it.
        [SignatureAction.Withdraw] = ([Confirmed, Listed], Withdrawn),
    };

    public static bool IsKnown(string? status) => status is not null && All.Contains(status);

    public static bool CanApply(SignatureAction action, string from) => Actions[action].From.Contains(from, StringComparer.Ordinal);

    /// <summary>Whether the action creates a signature (and so applies to none that exists).</summary>
    public static bool Creates(SignatureAction action) => Actions[action].From.Length == 0;

    public static string TargetOf(SignatureAction action) => Actions[action].To;
}

public sealed class IllegalTransitionException(string from, SignatureAction action)
    : InvalidOperationException($"A {from} signature cannot be {Done(action)}.")
{
    public string From { get; } = from;
    public SignatureAction Action { get; } = action;

    private static string Done(SignatureAction action) => action switch
    {
        SignatureAction.Approve => "approved",
        SignatureAction.Reject => "rejected",
        SignatureAction.Withdraw => "withdrawn",
        SignatureAction.Sign => "signed again",
        SignatureAction.Import or SignatureAction.ImportForReview or SignatureAction.ImportWithdrawn => "imported again",
        _ => "confirmed",
    };
}
