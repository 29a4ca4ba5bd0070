using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Dapper;

namespace Petitions.Tests.Support;

/// <summary>Signs the seed letter the ways a person and an integrator do: the HTML form and the JSON API.</summary>
public static partial class SignOnClient
{
    public const string Slug = "iap-2017";

    public static Dictionary<string, object?> ValidJson(string organisation = "Stichting Testorganisatie", string email = "anna@testorganisatie.nl") => new()
    {
        ["organisation"] = organisation,
        ["city"] = "Utrecht",
        ["country"] = "NL",
        ["contactName"] = "Anna de Vries",
        ["contactRole"] = "Director",
        ["contactEmail"] = email,
        // On the email's own domain: domain-verified, so under the default review setting ("flagged") it lists on confirmation.
        ["website"] = $"https://www.{email[(email.IndexOf('@', StringComparison.Ordinal) + 1)..]}",
        ["comment"] = "We support this letter.",
        ["consent"] = true,
    };

    public static Task<HttpResponseMessage> PostJsonAsync(HttpClient client, object body, string slug = Slug) =>
        client.PostAsJsonAsync($"/api/petitions/{slug}/signatures", body);

    /// <summary>Posts the form as a browser would: with the antiforgery token of the page it came from.</summary>
    public static async Task<HttpResponseMessage> PostFormAsync(HttpClient client, IDictionary<string, object?> fields, string slug = Slug)
    {
        var page = await client.GetStringAsync($"/petitions/{slug}");
        var token = AntiforgeryToken().Match(page).Groups[1].Value;
        var form = new List<KeyValuePair<string, string>> { new("__RequestVerificationToken", token) };
        foreach (var (name, value) in fields)
        {
            switch (value)
            {
                case null:
                    continue;
                case bool ticked:
                    if (ticked)
                    {
                        form.Add(new(name, "true"));
                    }

                    break;
                default:
                    form.Add(new(name, value.ToString()!));
                    break;
            }
        }

        using var content = new FormUrlEncodedContent(form);
        return await client.PostAsync($"/petitions/{slug}/sign", content);
    }

    public static async Task<(long Signatures, long Outbox, long Organisations, long Contacts)> CountsAsync(PetitionsApp app)
    {
        await using var connection = await app.Db.OpenAsync();
        return (
            await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM signatures"),
            await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM outbox"),
            await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM organisations"),
            await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM contacts"));
    }

    /// <summary>The antiforgery token of a page's form, as a browser would send it back.</summary>
    public static string Antiforgery(string html) => AntiforgeryToken().Match(html).Groups[1].Value;

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}
