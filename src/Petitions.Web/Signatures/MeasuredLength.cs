using FluentValidation;
using FluentValidation.Validators;

namespace Petitions.Signatures;

/// <summary>
/// A maximum length of text measured other than on the property as it stands (the comment as it
/// was sent, a reason as it will be stored). As an <see cref="ILengthValidator"/> it is a length
/// rule like MaximumLength, so the API description shows it as maxLength.
/// </summary>
public sealed class MeasuredLength<T>(int max, Func<T, string?, string?> measured, string message)
    : PropertyValidator<T, string?>, ILengthValidator
{
    public override string Name => "MeasuredLengthValidator";

    public int Min => 0;

    public int Max => max;

    public override bool IsValid(ValidationContext<T> context, string? value) => (measured(context.InstanceToValidate, value)?.Length ?? 0) <= max;

    protected override string GetDefaultMessageTemplate(string errorCode) => Resources.Texts.Validation(message);
}
