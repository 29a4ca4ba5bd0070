using System.Globalization;
using System.Resources;

namespace Petitions.Resources;

// The interface's texts live in three shared resources, one per area (PageTexts, EmailTexts, ValidationTexts), keyed by
// their English text: the markup and code still read as English, a missing translation falls back to it, and
// the neutral .resx lists every English string a translated page must not show. Counted phrases hold their
// plural forms separated by '|' (Languages.Plural). Resource names are case-insensitive, so a signature's status
// ("withdrawn", beside the label "Withdrawn") is keyed "status:withdrawn".

/// <summary>Marker of the pages' texts (PageTexts.resx): the layout, every page and the error pages.</summary>
public sealed class PageTexts;

/// <summary>Marker of the emails' texts (EmailTexts.resx).</summary>
public sealed class EmailTexts;

/// <summary>Marker of the validation messages (ValidationTexts.resx).</summary>
public sealed class ValidationTexts;

/// <summary>The texts outside a view, where no localizer is injected: validators (singletons) and emails (built in the background).</summary>
public static class Texts
{
    private static readonly ResourceManager PageResources = new(typeof(PageTexts).FullName!, typeof(PageTexts).Assembly);
    private static readonly ResourceManager EmailResources = new(typeof(EmailTexts).FullName!, typeof(EmailTexts).Assembly);
    private static readonly ResourceManager ValidationResources = new(typeof(ValidationTexts).FullName!, typeof(ValidationTexts).Assembly);

    /// <summary>A validation message in the request's language.</summary>
    public static string Validation(string english) => ValidationResources.GetString(english, CultureInfo.CurrentUICulture) ?? english;

    /// <summary>A page's text in the request's language, for page models' messages.</summary>
    public static string Page(string english) => PageResources.GetString(english, CultureInfo.CurrentUICulture) ?? english;

    /// <summary>A page's text with its values, formatted in the request's culture.</summary>
    public static string Page(string english, params object?[] values) => Format(CultureInfo.CurrentCulture, Page(english), values);

    public static string Email(string english, CultureInfo culture) => EmailResources.GetString(english, culture) ?? english;

    /// <summary>A counted phrase of an email (see <see cref="Web.Languages.Plural"/>).</summary>
    public static string EmailPlural(string english, long count, CultureInfo culture) => Web.Languages.Plural(Email(english, culture), count, culture);

    // The format is a translation, looked up per call: there is no one CompositeFormat to keep.
#pragma warning disable CA1863
    internal static string Format(CultureInfo culture, string format, object?[] values) => string.Format(culture, format, values);
#pragma warning restore CA1863

    public static string PagePlural(string english, long count) => Web.Languages.Plural(Page(english), count, CultureInfo.CurrentCulture);
}

/// <summary>Custom validation messages in the request's language: looked up when a rule fails, not when the (singleton) validator is built.</summary>
public static class LocalMessages
{
    public static FluentValidation.IRuleBuilderOptions<T, TProperty> WithLocalMessage<T, TProperty>(
        this FluentValidation.IRuleBuilderOptions<T, TProperty> rule, string english) =>
        FluentValidation.DefaultValidatorOptions.WithMessage(rule, (T _) => Texts.Validation(english));
}
