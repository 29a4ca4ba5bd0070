using Petitions.Resources;
using FluentValidation;
using Petitions.Signatures;

namespace Petitions.Petitions;

/// <summary>The text of a letter, in its own language or a translation: the fields both are checked on alike.</summary>
public interface ILetterText
{
    string? Title { get; }
    string? Addressee { get; }
    string? Place { get; }
    string? Body { get; }
    IReadOnlyList<DemandGroup>? DemandGroups { get; }
    IReadOnlyList<Footnote>? Footnotes { get; }
}

internal static class TextRules
{
    public static bool OneLine(string? text) => !FreeText.HasControlCharacters(text);

    public static bool Lines(string? text) => !FreeText.HasControlCharacters(text, multiLine: true);
}

/// <summary>The rules of a letter's text, shared by the letter and its translations.</summary>
public abstract class LetterTextValidator<T> : AbstractValidator<T> where T : ILetterText
{
    /// <param name="titleMissing">What to say when the title is missing ("The letter needs a title.").</param>
    protected LetterTextValidator(string titleMissing)
    {
        RuleFor(l => l.Title).NotEmpty().WithLocalMessage(titleMissing)
            .MaximumLength(300).WithLocalMessage("The title must be at most 300 characters.")
            .Must(TextRules.OneLine).WithLocalMessage("The title may not contain control characters.");
        RuleFor(l => l.Addressee).MaximumLength(300).WithLocalMessage("The addressee must be at most 300 characters.")
            .Must(TextRules.OneLine).WithLocalMessage("The addressee may not contain control characters.");
        RuleFor(l => l.Place).MaximumLength(200).WithLocalMessage("The place must be at most 200 characters.")
            .Must(TextRules.OneLine).WithLocalMessage("The place may not contain control characters.");
        RuleFor(l => l.Body).MaximumLength(100_000).WithLocalMessage("The body must be at most 100,000 characters.")
            .Must(TextRules.Lines).WithLocalMessage("The body may not contain control characters other than line breaks and tabs.");
        RuleForEach(l => l.DemandGroups).SetValidator(new DemandGroupValidator());
        RuleForEach(l => l.Footnotes).SetValidator(new FootnoteValidator());
        RuleFor(l => l.Footnotes).Must(f => f is null || f.Select(n => n.Number).Distinct().Count() == f.Count)
            .WithLocalMessage("Each footnote needs a number of its own.");
    }
}

/// <summary>A letter as a coordinator sends it, checked before anything is stored.</summary>
public sealed class LetterInputValidator : LetterTextValidator<LetterInput>
{
    public LetterInputValidator() : base("The letter needs a title.")
    {
        RuleFor(l => l.Slug).NotEmpty().WithLocalMessage("Give the letter a short name for its address, such as iap-2017.")
            .MaximumLength(64).WithLocalMessage("The slug must be at most 64 characters.")
            .Matches("^[a-z0-9]+(-[a-z0-9]+)*$").WithLocalMessage("The slug may hold only lower-case letters, digits and single hyphens.")
            .NotEqual("new").WithLocalMessage("\"new\" is kept for writing a new letter; choose another slug.");
        RuleFor(l => l.Review).Must(r => r is null || ReviewSetting.IsKnown(r))
            .WithLocalMessage("The review setting is none, flagged or all.");
        // Both given: they must say the same, rather than one silently winning.
        RuleFor(l => l.Review).Must((l, r) => r is null || l.RequiresReview is null || l.RequiresReview == (r == ReviewSetting.All))
            .When(l => ReviewSetting.IsKnown(l.Review))
            .WithLocalMessage("requiresReview is true exactly when review is \"all\": send one of them, or make them agree.");
        RuleFor(l => l.ReviewAlerts).Must(a => a is null || ReviewAlertSetting.IsKnown(a))
            .WithLocalMessage("Review alerts are each (an email per sign-on) or daily (one digest a day).");
        RuleFor(l => l.Language).Must(l => l is null || LetterLanguages.IsKnown(l))
            .WithLocalMessage(LetterLanguages.UnknownMessage);
        RuleFor(l => l.Status).Must(s => s is null || PetitionStatus.IsKnown(s)).WithLocalMessage("The status is draft, open or closed.");
        RuleFor(l => l.OpensAt).Must((l, opens) => opens is null || l.ClosesAt is null || opens < l.ClosesAt)
            .WithLocalMessage("The letter must open before it closes.");
        RuleFor(l => l.EmbedOrigins).Must(o => o is null || o.Count <= FrameOrigins.Most)
            .WithLocalMessage("List at most 20 origins that may frame the form.");
        RuleForEach(l => l.EmbedOrigins).Must(o => FrameOrigins.Normalise(o) is not null)
            .WithLocalMessage("Each origin is a web address's scheme and host, such as https://example.org, without a path.");
    }
}

/// <summary>A demand group of a letter (a validator of its own, so the API description shows its rules).</summary>
public sealed class DemandGroupValidator : AbstractValidator<DemandGroup>
{
    public DemandGroupValidator()
    {
        RuleFor(g => g.Lead).NotEmpty().WithLocalMessage("Each demand group needs its lead-in, such as \"We urge the Senate to:\".")
            .MaximumLength(1000).WithLocalMessage("A lead-in must be at most 1,000 characters.")
            .Must(TextRules.Lines).WithLocalMessage("A lead-in may not contain control characters other than line breaks and tabs.");
        RuleFor(g => g.Demands).NotEmpty().WithLocalMessage("Each demand group needs at least one demand.");
        RuleForEach(g => g.Demands).NotEmpty().WithLocalMessage("A demand may not be empty.")
            .MaximumLength(5000).WithLocalMessage("A demand must be at most 5,000 characters.")
            .Must(TextRules.Lines).WithLocalMessage("A demand may not contain control characters other than line breaks and tabs.");
    }
}

/// <summary>A footnote of a letter.</summary>
public sealed class FootnoteValidator : AbstractValidator<Footnote>
{
    public FootnoteValidator()
    {
        RuleFor(f => f.Number).GreaterThan(0).WithLocalMessage("Footnotes are numbered from 1.");
        RuleFor(f => f.Text).NotEmpty().WithLocalMessage("A footnote needs its text.")
            .Must(TextRules.Lines).WithLocalMessage("A footnote may not contain control characters other than line breaks and tabs.");
    }
}
