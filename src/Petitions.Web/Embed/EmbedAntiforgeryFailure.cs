using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Core.Infrastructure;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Mvc.ViewFeatures;
using Petitions.Petitions;
using Petitions.Signatures;

namespace Petitions.Embed;

/// <summary>
/// The embedded form's POST without a valid antiforgery token: in a frame on another site over plain HTTP the browser
/// kept no cookie (<see cref="FramedAntiforgeryCookie"/>), so nothing can be signed from there. Rather than a bare 400
/// that the frame may not even show, the frame says so (status 400, nothing stored) and links to the letter's page,
/// opening in a new tab, to sign there.
/// </summary>
public sealed class EmbedAntiforgeryFailure(
    PetitionStore petitions, PublicListCache lists, TimeProvider clock, IModelMetadataProvider metadata) : IAsyncAlwaysRunResultFilter
{
    public const string ViewPath = "/Pages/Letters/EmbedNoCookie.cshtml";

    public async Task OnResultExecutionAsync(ResultExecutingContext context, ResultExecutionDelegate next)
    {
        var http = context.HttpContext;
        if (context.Result is IAntiforgeryValidationFailedResult && Framing.IsEmbedPath(http.Request.Path)
            && context.RouteData.Values["slug"] is string slug
            && await petitions.ReadAsync(slug, http.RequestAborted) is { } read
            && await Pages.Letters.ShowModel.LoadAsync(petitions, read, lists, clock, null, http.RequestAborted) is { } view)
        {
            Framing.AllowOrigins(http, read.Letter.Origins);
            http.Response.Headers.CacheControl = "no-cache, no-store";
            context.Result = new ViewResult
            {
                ViewName = ViewPath,
                StatusCode = StatusCodes.Status400BadRequest,
                ViewData = new ViewDataDictionary<Pages.Letters.LetterView>(metadata, new ModelStateDictionary()) { Model = view },
            };
        }

        await next();
    }
}
