using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Petitions.Coordinators;

namespace Petitions.Tests.Support;

/// <summary>A browser's coordinator session, started the real way: the emailed sign-in link, then its POST.</summary>
public static class CookieSession
{
    /// <summary>A client with cookies and no Authorization header, signed in as a new coordinator of <paramref name="slugs"/>.</summary>
    public static async Task<HttpClient> SignInAsync(PetitionsApp app, string email, params string[] slugs)
    {
        var ids = new List<long>();
        foreach (var slug in slugs)
        {
            ids.Add((await app.Services.GetRequiredService<global::Petitions.Petitions.PetitionStore>().FindAsync(slug, CancellationToken.None))!.Id);
        }

        await app.Services.GetRequiredService<CoordinatorStore>().AddAsync(email, "Cookie Coordinator", ids);
        var browser = app.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = true });
        var before = (await Delivered.TokensAsync(app, "coordinators/sign-in")).ToHashSet();
        using (var asked = await PostFormAsync(browser, "/coordinators/sign-in", "/coordinators/sign-in", ("email", email)))
        {
            Assert.That(asked.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        var token = (await Delivered.TokensAsync(app, "coordinators/sign-in")).Single(t => !before.Contains(t));
        using var signedIn = await PostFormAsync(browser, $"/coordinators/sign-in/{token}", $"/coordinators/sign-in/{token}");
        Assert.That(signedIn.StatusCode, Is.EqualTo(HttpStatusCode.SeeOther), "the emailed link signs in");
        Assert.That(browser.DefaultRequestHeaders.Authorization, Is.Null);
        return browser;
    }

    /// <summary>Posts a form with the antiforgery token of the page <paramref name="formPage"/>, as a browser would.</summary>
    public static async Task<HttpResponseMessage> PostFormAsync(HttpClient browser, string formPage, string path, params (string Name, string Value)[] fields)
    {
        var page = await browser.GetStringAsync(formPage);
        var token = SignOnClient.Antiforgery(page);
        Assert.That(token, Is.Not.Empty, $"{formPage} has a form with an antiforgery token");
        using var form = new FormUrlEncodedContent(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)).Append(new("__RequestVerificationToken", token)));
        return await browser.PostAsync(path, form);
    }
}
