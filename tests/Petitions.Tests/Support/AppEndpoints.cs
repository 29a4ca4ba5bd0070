using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.Mvc.RazorPages.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Petitions.Coordinators;

namespace Petitions.Tests.Support;

/// <summary>One way in: an HTTP method on a route template, with a Razor Pages handler name if it has one.</summary>
/// <param name="Template">As the app declares it, e.g. <c>/api/petitions/{slug}/signatures/{id:long}</c>.</param>
/// <param name="Handler">The page handler (<c>?handler=approve</c>), or null.</param>
/// <param name="Coordinator">Whether the coordinator policy guards it.</param>
public sealed record AppEndpoint(string Method, string Template, string? Handler, bool IsPage, bool Coordinator)
{
    /// <summary>How tests name it: <c>POST /coordinators/petitions/{slug}?handler=resend</c>.</summary>
    public string Key => Handler is null ? $"{Method} {Template}" : $"{Method} {Template}?handler={Handler}";

    public bool NamesALetter => Template.Contains("{slug}", StringComparison.Ordinal);

    public bool Writes => Method is not ("GET" or "HEAD");

    /// <summary>The path with its route values filled in; every parameter must be one <paramref name="values"/> knows.</summary>
    public string Path(Func<string, string, string> values)
    {
        var path = Regex.Replace(Template, @"\{(\*{0,2})([A-Za-z]+)(:[^}]*)?\??\}", m =>
        {
            var before = Template[..m.Index].TrimEnd('/');
            var segment = before[(before.LastIndexOf('/') + 1)..];
            return Uri.EscapeDataString(values(m.Groups[2].Value, segment));
        });
        return Handler is null ? path : $"{path}?handler={Handler}";
    }
}

/// <summary>The app's own list of its endpoints (its EndpointDataSource), so a route added later is tested without anyone listing it.</summary>
public static class AppEndpoints
{
    public static async Task<IReadOnlyList<AppEndpoint>> AllAsync(IServiceProvider services)
    {
        var loader = services.GetRequiredService<PageLoader>();
        var found = new List<AppEndpoint>();
        foreach (var endpoint in services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            var template = "/" + (endpoint.RoutePattern.RawText ?? "").Trim('/');
            if (endpoint.Metadata.GetMetadata<PageActionDescriptor>() is { } page)
            {
                var compiled = await loader.LoadAsync(page, endpoint.Metadata);
                var guarded = IsCoordinator(compiled.EndpointMetadata.OfType<IAuthorizeData>());
                found.AddRange(compiled.HandlerMethods.Select(h =>
                    new AppEndpoint(h.HttpMethod.ToUpperInvariant(), template, h.Name is { Length: > 0 } name ? name.ToLowerInvariant() : null, true, guarded)));
            }
            else if (endpoint.Metadata.GetMetadata<IHttpMethodMetadata>() is { } methods)
            {
                var guarded = IsCoordinator(endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>());
                found.AddRange(methods.HttpMethods.Select(m => new AppEndpoint(m, template, null, false, guarded)));
            }
        }

        return found.DistinctBy(e => e.Key).OrderBy(e => e.Key, StringComparer.Ordinal).ToList();
    }

    private static bool IsCoordinator(IEnumerable<IAuthorizeData> authorize) => authorize.Any(a => a.Policy is CoordinatorAuth.Policy or CoordinatorAuth.ApiPolicy);
}
