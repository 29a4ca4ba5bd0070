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
/// route answers 401 — pages and CSV included, never a redirect to a login page. The JSON API
/// (/api/*) takes bearer tokens only: a browser sends the cookie by itself, so a cookie there
/// would let another site's form act as the coordinator; the pages take the cookie and check
/// antiforgery tokens on every POST.
/// </summary>
public static class CoordinatorAuth
{
    public const string Scheme = "Coordinator";
    public const string BearerScheme = "Bearer";
    public const string CookieScheme = "CoordinatorCookie";
    public const string Policy = "Coordinator";
    public const string ApiPolicy = "CoordinatorApi";
    public const string SignInPath = "/coordinators/sign-in";

    /// <summary>The claim of a cookie that names its server-side session (CoordinatorSessions).</summary>
    public const string SessionClaim = "petitions:session";

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
                // The server-side session decides (idle and absolute limits, revocation); the
                // ticket's own expiry is the absolute limit again, for a cookie that outlives its row.
                options.ExpireTimeSpan = CoordinatorSessions.Lifetime;
                options.SlidingExpiration = false;
                options.Events.OnValidatePrincipal = ValidateSessionAsync;
                options.Events.OnRedirectToLogin = context => Refuse(context, StatusCodes.Status401Unauthorized);
                options.Events.OnRedirectToAccessDenied = context => Refuse(context, StatusCodes.Status403Forbidden);
            });
        services.AddSingleton<CoordinatorSessions>();
        services.AddSingleton<SignInLinks>();
        services.AddHostedService(sp => sp.GetRequiredService<SignInLinks>());
        services.AddSingleton<IAuthorizationHandler, LetterAccessHandler>();
        services.AddAuthorizationBuilder()
            .AddPolicy(Policy, policy => policy.AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser().RequireClaim(ClaimTypes.NameIdentifier)
                .AddRequirements(new LetterAccessRequirement()))
            .AddPolicy(ApiPolicy, policy => policy.AddAuthenticationSchemes(BearerScheme).RequireAuthenticatedUser().RequireClaim(ClaimTypes.NameIdentifier)
                .AddRequirements(new LetterAccessRequirement()));
        return services;
    }

    private static async Task ValidateSessionAsync(CookieValidatePrincipalContext context)
    {
        var user = context.Principal;
        var sessions = context.HttpContext.RequestServices.GetRequiredService<CoordinatorSessions>();
        if (user?.FindFirstValue(ClaimTypes.NameIdentifier) is null
            || !await sessions.TouchAsync(user.FindFirstValue(SessionClaim), user.CoordinatorId(), context.HttpContext.RequestAborted))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieScheme);
        }
    }

    public static long CoordinatorId(this ClaimsPrincipal user) =>
        long.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier)!, System.Globalization.CultureInfo.InvariantCulture);

    public static ClaimsPrincipal Principal(Coordinator coordinator, string scheme, string? sessionId = null)
    {
        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, coordinator.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                new Claim(ClaimTypes.Email, coordinator.Email),
                new Claim(ClaimTypes.Name, coordinator.Name ?? coordinator.Email),
            ], scheme);
        if (sessionId is not null)
        {
            identity.AddClaim(new Claim(SessionClaim, sessionId));
        }

        return new ClaimsPrincipal(identity);
    }

    // A browser gets these as pages in the site's layout (HtmlProblems); API clients as problem details.
    private static Task Refuse(RedirectContext<CookieAuthenticationOptions> context, int status)
    {
        context.Response.StatusCode = status;
        return Results.Problem(statusCode: status, title: status == StatusCodes.Status401Unauthorized ? "Sign in first" : "Not allowed")
            .ExecuteAsync(context.HttpContext);
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
/// Marks a coordinator route that names no letter but shows each coordinator only their own
/// letters, so any coordinator may use it. Every other route without a letter is for coordinators
/// of every letter only.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method)]
public sealed class ScopedToOwnLettersAttribute : Attribute;

/// <summary>
/// Marks a letter's coordinator route that a coordinator limited to one partner may use: it shows or
/// acts on only that partner's sign-ons (<see cref="LetterAccessHandler.PartnerOf"/>). Every other
/// route of a letter answers them 403: editing the letter, its translations, partners, imports.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method)]
public sealed class OpenToPartnerCoordinatorsAttribute : Attribute;

/// <summary>
/// The one place that decides whether a coordinator may act on a letter: before any handler runs,
/// so a coordinator of another letter gets 403 whatever the request carries. Where no letter is
/// named (creating one, the page for a new one, a slug that names none) it refuses by default:
/// only a coordinator of every letter passes, or any coordinator on a route marked
/// <see cref="ScopedToOwnLettersAttribute"/>.
/// </summary>
public sealed class LetterAccessHandler(PetitionStore petitions, CoordinatorStore coordinators) : AuthorizationHandler<LetterAccessRequirement>
{
    /// <summary>The slug of the page that writes a new letter (the validator keeps it from any letter).</summary>
    public const string NewLetterSlug = "new";

    private static readonly object AccessKey = new();

    /// <summary>
    /// The partner the signed-in coordinator is limited to on the route's letter (only the sign-ons
    /// whose <c>ref</c> is its code), or null for a coordinator of the whole letter. As decided when the
    /// request was let through; throws where no letter was decided on, rather than answer "everything".
    /// </summary>
    public static string? PartnerOf(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Items[AccessKey] is LetterAccess access ? access.Partner
            : throw new InvalidOperationException("No letter access was decided for this request.");
    }

    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, LetterAccessRequirement requirement)
    {
        if (context.Resource is not HttpContext http || !context.User.HasClaim(c => c.Type == ClaimTypes.NameIdentifier))
        {
            return;
        }

        var coordinatorId = context.User.CoordinatorId();
        var slug = http.GetRouteValue("slug") as string;
        if (slug is not null && slug != NewLetterSlug && await petitions.FindAsync(slug, http.RequestAborted) is { } letter)
        {
            // A coordinator limited to one partner's sign-ons reaches only the routes marked for them.
            if (await coordinators.AccessAsync(coordinatorId, letter.Id, http.RequestAborted) is { } access
                && (access.WholeLetter || http.GetEndpoint()?.Metadata.GetMetadata<OpenToPartnerCoordinatorsAttribute>() is not null))
            {
                http.Items[AccessKey] = access;
                context.Succeed(requirement);
            }

            return;
        }

        var ownLettersOnly = slug is null && http.GetEndpoint()?.Metadata.GetMetadata<ScopedToOwnLettersAttribute>() is not null;
        if (ownLettersOnly || await coordinators.ActsOnEveryLetterAsync(coordinatorId, http.RequestAborted))
        {
            context.Succeed(requirement);
        }
    }
}
