using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Petitions.Petitions;
using Microsoft.Extensions.Options;

namespace Petitions.Coordinators;

/// <summary>
/// Coordinators authenticate with an API token (Authorization: Bearer) or, in the browser, with a
/// cookie session started from an emailed one-time link. Without credentials every coordinator
/// route answers 401 — pages and CSV included, never a redirect to a login page.
/// </summary>
public static class CoordinatorAuth
{
    public const string Scheme = "Coordinator";
    public const string BearerScheme = "Bearer";
    public const string CookieScheme = "CoordinatorCookie";
    public const string Policy = "Coordinator";
    public const string SignInPath = "/coordinators/sign-in";

    public static IServiceCollection AddCoordinatorAuth(this IServiceCollection services)
    {
        services.AddAuthentication(Scheme)
            .AddPolicyScheme(Scheme, "Bearer token or cookie", options =>
                options.ForwardDefaultSelector = context =>
                    context.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? BearerScheme : CookieScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiTokenHandler>(BearerScheme, null)
            .AddCookie(CookieScheme, options =>
            {
                options.Cookie.Name = "petitions.coordinator";
                options.Cookie.HttpOnly = true;
                options.Cookie.SameSite = SameSiteMode.Strict;
                options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                options.ExpireTimeSpan = TimeSpan.FromMinutes(30);
                options.SlidingExpiration = true;
                options.Events.OnRedirectToLogin = context => Refuse(context, StatusCodes.Status401Unauthorized);
                options.Events.OnRedirectToAccessDenied = context => Refuse(context, StatusCodes.Status403Forbidden);
            });
        services.AddSingleton<IAuthorizationHandler, LetterAccessHandler>();
        services.AddAuthorizationBuilder()
            .AddPolicy(Policy, policy => policy.AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser().RequireClaim(ClaimTypes.NameIdentifier)
                .AddRequirements(new LetterAccessRequirement()));
        return services;
    }

    public static long CoordinatorId(this ClaimsPrincipal user) =>
        long.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier)!, System.Globalization.CultureInfo.InvariantCulture);

    public static ClaimsPrincipal Principal(Coordinator coordinator, string scheme) =>
        new(new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, coordinator.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                new Claim(ClaimTypes.Email, coordinator.Email),
                new Claim(ClaimTypes.Name, coordinator.Name ?? coordinator.Email),
            ], scheme));

    private static async Task Refuse(RedirectContext<CookieAuthenticationOptions> context, int status)
    {
        context.Response.StatusCode = status;
        var html = context.Request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase);
        if (html)
        {
            context.Response.ContentType = "text/html; charset=utf-8";
            await context.Response.WriteAsync(status == StatusCodes.Status401Unauthorized
                ? $"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sign in</title><link rel=\"stylesheet\" href=\"/site.css\"></head><body><main id=\"main\"><h1>Sign in first</h1><p>This page is for the letter's coordinators. <a href=\"{SignInPath}\">Sign in</a>.</p></main></body></html>"
                : "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Not allowed</title><link rel=\"stylesheet\" href=\"/site.css\"></head><body><main id=\"main\"><h1>Not allowed</h1><p>You do not coordinate this letter.</p></main></body></html>");
        }
        else
        {
            await Results.Problem(statusCode: status, title: status == StatusCodes.Status401Unauthorized ? "Sign in first" : "Not allowed")
                .ExecuteAsync(context.HttpContext);
        }
    }
}

/// <summary>Authorization: Bearer TOKEN, where TOKEN was printed by `coordinators add` (stored hashed).</summary>
public sealed class ApiTokenHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, CoordinatorStore coordinators)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }

        var coordinator = await coordinators.FindByApiTokenAsync(header["Bearer ".Length..].Trim(), Context.RequestAborted);
        return coordinator is null
            ? AuthenticateResult.Fail("Unknown or revoked token.")
            : AuthenticateResult.Success(new AuthenticationTicket(CoordinatorAuth.Principal(coordinator, Scheme.Name), Scheme.Name));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        await Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Sign in first",
            detail: "Send Authorization: Bearer TOKEN with a coordinator's token.").ExecuteAsync(Context);
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        await Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Not allowed",
            detail: "This coordinator does not coordinate this letter.").ExecuteAsync(Context);
    }
}

/// <summary>The route's letter (its {slug}) is one the coordinator may act on.</summary>
public sealed class LetterAccessRequirement : IAuthorizationRequirement;

/// <summary>
/// The one place that decides whether a coordinator may act on a letter: before any handler runs,
/// so a coordinator of another letter gets 403 whatever the request carries. A route without a
/// letter, or with one that does not exist (the handler answers 404), passes.
/// </summary>
public sealed class LetterAccessHandler(PetitionStore petitions, CoordinatorStore coordinators) : AuthorizationHandler<LetterAccessRequirement>
{
    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, LetterAccessRequirement requirement)
    {
        var http = context.Resource as HttpContext;
        if (http?.GetRouteValue("slug") is not string slug || slug == "new")
        {
            context.Succeed(requirement);
            return;
        }

        if (!context.User.HasClaim(c => c.Type == ClaimTypes.NameIdentifier))
        {
            return;
        }

        var letter = await petitions.FindAsync(slug, http.RequestAborted);
        if (letter is null || await coordinators.CanActOnAsync(context.User.CoordinatorId(), letter.Id, http.RequestAborted))
        {
            context.Succeed(requirement);
        }
    }
}
