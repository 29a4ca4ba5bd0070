using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Mvc.Razor;
using Microsoft.AspNetCore.Mvc.Rendering;
using Microsoft.AspNetCore.Mvc.ViewFeatures;
using Microsoft.AspNetCore.Routing;

namespace Petitions.Web;

/// <summary>
/// Every error the app answers (status code pages, exception handlers, the rate limiter, 403s) goes
/// through <see cref="IProblemDetailsService"/>. A browser asking for a page gets it as an HTML page
/// in the site's layout; <c>/api/…</c> and every other client keep problem details.
/// </summary>
public sealed class HtmlProblems(IRazorViewEngine views, ITempDataProvider tempData) : IProblemDetailsWriter
{
    private const string ViewPath = "/Pages/Errors/Problem.cshtml";

    public bool CanWrite(ProblemDetailsContext context) => WantsHtml(context.HttpContext.Request);

    /// <summary>A request outside the API whose Accept names HTML (what a browser sends for a page).</summary>
    public static bool WantsHtml(HttpRequest request) =>
        !request.Path.StartsWithSegments("/api")
        && request.Headers.Accept.Any(value => value is not null && value.Contains("text/html", StringComparison.OrdinalIgnoreCase));

    public async ValueTask WriteAsync(ProblemDetailsContext context)
    {
        var http = context.HttpContext;
        var status = context.ProblemDetails.Status ?? http.Response.StatusCode;
        var model = ProblemPage.For(status, context.ProblemDetails.Detail, http.Response.Headers.RetryAfter.ToString()) with
        {
            SignInPath = status == StatusCodes.Status401Unauthorized
                ? "/coordinators/sign-in?returnUrl=" + Uri.EscapeDataString(http.Request.Path + http.Request.QueryString)
                : null,
        };
        var found = views.GetView(executingFilePath: null, viewPath: ViewPath, isMainPage: true);
        if (!found.Success)
        {
            throw new InvalidOperationException($"The error page {ViewPath} is missing.");
        }

        var action = new ActionContext(http, http.GetRouteData() ?? new RouteData(), new ActionDescriptor());
        var data = new ViewDataDictionary<ProblemPage>(new EmptyModelMetadataProvider(), new ModelStateDictionary()) { Model = model };
        http.Response.ContentType = "text/html; charset=utf-8";
        http.Response.Headers.CacheControl = "no-store";
        await using var writer = new StreamWriter(http.Response.Body, leaveOpen: true);
        var view = new ViewContext(action, found.View, data, new TempDataDictionary(http, tempData), writer, new HtmlHelperOptions());
        await found.View.RenderAsync(view);
        await writer.FlushAsync(http.RequestAborted);
    }
}

/// <summary>What an error page says: a heading, what happened and what the reader can do.</summary>
public sealed record ProblemPage(int Status, string Title, string Explanation, string? Detail, int? RetryAfterSeconds)
{
    /// <summary>For a 401: where to sign in, coming back to the page asked for.</summary>
    public string? SignInPath { get; init; }

    public static ProblemPage For(int status, string? detail, string retryAfter)
    {
        int? retry = int.TryParse(retryAfter, out var seconds) && seconds > 0 ? seconds : null;
        return status switch
        {
            400 => new(status, "The request could not be used", "Something in what was sent could not be read.", detail, retry),
            401 => new(status, "Sign in first", "This page is for the coordinators of a letter.", null, retry),
            403 => new(status, "You cannot see this page",
                "You are signed in, but you do not coordinate this letter. Ask its coordinators to add you.", null, retry),
            404 => new(status, "Page not found",
                "If you typed the address, check it. If you followed a link, the letter or page may have been removed.", null, retry),
            405 => new(status, "That cannot be done here", "This address does not take that kind of request.", null, retry),
            409 => new(status, "This cannot be done now", "The letter may be closed, or the request was already handled.", detail, retry),
            413 => new(status, "Too much was sent", "What was sent is larger than this service takes.", null, retry),
            415 => new(status, "The request could not be used", "What was sent is not a form this page takes.", null, retry),
            429 => new(status, "Too many attempts", "You have made many requests in a short time.", null, retry ?? 60),
            503 => new(status, "The service is briefly unavailable", "Nothing was saved.", null, retry ?? 30),
            >= 500 => new(status, "Something went wrong on our side", "The error has been logged. Please try again later.", null, retry),
            _ => new(status, "The request could not be completed", "Please go back and try again.", detail, retry),
        };
    }

    /// <summary>"30 seconds", "2 minutes": when to try again, for a person.</summary>
    public string? RetryText => RetryAfterSeconds switch
    {
        null => null,
        < 90 => Resources.Texts.PagePlural("{0} seconds", RetryAfterSeconds.Value),
        var s => Resources.Texts.PagePlural("{0} minutes", (int)Math.Ceiling(s.Value / 60.0)),
    };
}
