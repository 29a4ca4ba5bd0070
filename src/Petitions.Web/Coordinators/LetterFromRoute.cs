using Petitions.Petitions;

namespace Petitions.Coordinators;

/// <summary>
/// Finds the letter a coordinator route names by its {slug}, once, before the handler runs, and
/// answers 404 for a slug that names none. Whether the coordinator may act on it was decided
/// before (LetterAccessHandler).
/// </summary>
public sealed class LetterFromRoute(PetitionStore petitions) : IEndpointFilter
{
    private static readonly object Key = new();

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var http = context.HttpContext;
        var slug = http.GetRouteValue("slug") as string
            ?? throw new InvalidOperationException($"{nameof(LetterFromRoute)} is for routes with a {{slug}}.");
        if (await petitions.FindAsync(slug, http.RequestAborted) is not { } letter)
        {
            return PetitionsApi.NotFound(slug);
        }

        http.Items[Key] = letter;
        return await next(context);
    }

    /// <summary>The letter the route names, as the filter found it.</summary>
    public static Petition Letter(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Items[Key] as Petition
            ?? throw new InvalidOperationException($"The route has no {nameof(LetterFromRoute)} filter.");
    }
}
