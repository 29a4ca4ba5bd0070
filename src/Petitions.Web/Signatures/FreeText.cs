using Petitions.Organisations;

namespace Petitions.Signatures;

/// <summary>
/// The rules every piece of free text meets, wherever it comes from (the sign-on, an import, a
/// reason, a letter): the one list of formula triggers, control characters and bidi controls.
/// </summary>
public static class FreeText
{
    /// <summary>
    /// The first characters that make a spreadsheet read a cell as a formula: OWASP's list
    /// (= + - @ tab CR), LF and NUL (which a spreadsheet may pass over before it looks for a
    /// formula), and the full-width forms ＝＋－＠, which some spreadsheets fold to the ASCII ones.
    /// </summary>
    public const string FormulaTriggers = "=+-@\t\r\n\0\uFF1D\uFF0B\uFF0D\uFF20";

    /// <summary>How long a withdrawal or rejection reason may be, once cleaned.</summary>
    public const int MaxReason = 2000;

    public static bool StartsWithFormula(string? text) => text is { Length: > 0 } && FormulaTriggers.Contains(text[0], StringComparison.Ordinal);

    /// <summary>
    /// C0 and C1 control characters and DEL (ESC, BEL, NUL, U+0080–U+009F…): terminal escapes and
    /// worse. A multi-line field may keep its line breaks and tabs.
    /// </summary>
    public static bool HasControlCharacters(string? text, bool multiLine = false) =>
        text is not null && text.Any(c => char.IsControl(c) && !(multiLine && c is '\n' or '\r' or '\t'));

    /// <summary>Explicit embeddings, overrides, isolates and marks: they can make a name read backwards on screen.</summary>
    public static bool HasBidiControls(string? text) =>
        text is not null && text.Any(c => c is >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069' or '\u200E' or '\u200F' or '\u061C');

    /// <summary>
    /// What is wrong with a withdrawal or rejection reason, however it arrives (the withdrawal link,
    /// the coordinators' page and API, an import), or null: the rule is TransitionRequestValidator's.
    /// </summary>
    public static string? ReasonProblem(string? reason) =>
        Coordinators.TransitionRequestValidator.Instance.Validate(new Coordinators.TransitionRequest(reason, null)).Errors.FirstOrDefault()?.ErrorMessage;

    /// <summary>A reason as it is stored: cleaned, and null when nothing is left.</summary>
    public static string? CleanReason(string? reason) => reason is null ? null : Names.Clean(reason) is { Length: > 0 } clean ? clean : null;
}
