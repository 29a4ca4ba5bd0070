using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Petitions.Coordinators;

namespace Petitions.Tests.Support;

/// <summary>A coordinator's browser: signs in by the emailed link as a person would, then keeps the session cookie.</summary>
public sealed class CoordinatorBrowser : IDisposable
{
    private CoordinatorBrowser(PetitionsApp app) =>
        Client = app.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = true });

    public HttpClient Client { get; }

    /// <summary>The session cookie as the browser got it ("petitions.coordinator=…"), to replay as a saved copy.</summary>
    public string SessionCookie { get; private set; } = "";

    public static async Task<CoordinatorBrowser> SignInAsync(PetitionsApp app, string email)
    {
        var browser = new CoordinatorBrowser(app);
        var token = await AskForALinkAsync(app, browser, email);
        using var signedIn = await browser.PostFormAsync($"/coordinators/sign-in/{token}");
        if (signedIn.StatusCode != HttpStatusCode.SeeOther)
        {
            browser.Dispose();
            throw new InvalidOperationException($"Signing in answered {signedIn.StatusCode}.");
        }

        browser.SessionCookie = signedIn.Headers.GetValues("Set-Cookie")
            .Single(c => c.StartsWith("petitions.coordinator=", StringComparison.Ordinal)).Split(';')[0];
        return browser;
    }

    /// <summary>Asks the sign-in page for a link and returns the token of the newest one delivered.</summary>
    public static async Task<string> AskForALinkAsync(PetitionsApp app, CoordinatorBrowser browser, string email)
    {
        using var asked = await browser.PostFormAsync("/coordinators/sign-in", ("email", email));
        await app.Services.GetRequiredService<SignInLinks>().WhenIdleAsync();
        var tokens = await Delivered.TokensAsync(app, "coordinators/sign-in");
        return tokens.Count == 0 ? "" : tokens[^1];
    }

    public static CoordinatorBrowser Anonymous(PetitionsApp app) => new(app);

    /// <summary>Opens the page for its antiforgery token (or another page's, where the form's page is refused), then posts the form.</summary>
    public async Task<HttpResponseMessage> PostFormAsync(string path, params (string Name, string Value)[] fields) =>
        await PostFormAsync(path, path, fields);

    public async Task<HttpResponseMessage> PostFormAsync(string path, string tokenFrom, params (string Name, string Value)[] fields)
    {
        var page = await Client.GetStringAsync(tokenFrom);
        var token = SignOnClient.Antiforgery(page);
        using var form = new FormUrlEncodedContent(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)).Append(new("__RequestVerificationToken", token)));
        return await Client.PostAsync(path, form);
    }

    public async Task<HttpStatusCode> StatusOfAsync(string path)
    {
        using var response = await Client.GetAsync(path);
        return response.StatusCode;
    }

    /// <summary>A client of its own that sends only the saved cookie, as someone who copied it would.</summary>
    public static HttpClient WithCookie(PetitionsApp app, string cookie)
    {
        var client = app.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = false });
        client.DefaultRequestHeaders.Add("Cookie", cookie);
        return client;
    }

    public void Dispose() => Client.Dispose();
}
