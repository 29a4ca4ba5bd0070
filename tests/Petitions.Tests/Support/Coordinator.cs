using System.Net.Http.Headers;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Petitions.Coordinators;
using Petitions.Data;

namespace Petitions.Tests.Support;

/// <summary>Coordinators for tests, made the way `coordinators add` makes them, and a second letter to keep apart.</summary>
public static class Coordinator
{
    public static async Task<HttpClient> ClientAsync(PetitionsApp app, string email = "coordinator@coalition.example.org", params string[] slugs)
    {
        var store = app.Services.GetRequiredService<CoordinatorStore>();
        var ids = new List<long>();
        await using (var connection = await app.Db.OpenAsync())
        {
            foreach (var slug in slugs)
            {
                ids.Add(await connection.ExecuteScalarAsync<long>("SELECT id FROM petitions WHERE slug = @slug", new { slug }));
            }
        }

        var (_, token) = await store.AddAsync(email, "Test Coordinator", ids);
        var client = app.CreateClient(new() { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public static async Task AddLetterAsync(PetitionsApp app, string slug, string status = "open")
    {
        await using var connection = await app.Db.OpenAsync();
        await connection.ExecuteAsync("""
            INSERT INTO petitions (slug, title, status, created_at, updated_at) VALUES (@slug, @title, @status, @at, @at)
            """, new { slug, title = $"The letter {slug}", status, at = Time.Format(DateTimeOffset.UtcNow) });
    }

    /// <summary>A signature on a letter (the seed letter unless said) in a given state, with a contact, as if it had come that far.</summary>
    /// <param name="signedAt">When it was made (now unless said).</param>
    public static async Task<long> SignatureInStateAsync(
        PetitionsApp app, string status, string name = "State Organisation", string email = "state@state.example.org",
        string? city = "Oslo", string? country = "NO", string slug = "iap-2017", DateTimeOffset? signedAt = null)
    {
        await using var connection = await app.Db.OpenAsync();
        var at = Time.Format(signedAt ?? DateTimeOffset.UtcNow);
        var organisationId = await connection.ExecuteScalarAsync<long>("""
            INSERT INTO organisations (name, name_key, loose_key, city, country, created_at) VALUES (@name, lower(@name), lower(@name), @city, @country, @at) RETURNING id
            """, new { name, at, city, country });
        return await connection.ExecuteScalarAsync<long>("""
            INSERT INTO signatures (petition_id, organisation_id, status, source, contact_name, contact_role, contact_email, signed_at,
                                    confirmed_at, listed_at, rejected_at, withdrawn_at)
            VALUES ((SELECT id FROM petitions WHERE slug = @slug), @organisationId, @status, 'api', 'Kari Nordmann', 'Director', @email, @at,
                    CASE WHEN @status <> 'pending' THEN @at END, CASE WHEN @status = 'listed' THEN @at END,
                    CASE WHEN @status = 'rejected' THEN @at END, CASE WHEN @status = 'withdrawn' THEN @at END)
            RETURNING id
            """, new { organisationId, status, email, at, slug });
    }

    public static async Task<long> SeedSignatureIdAsync(PetitionsApp app, string organisation)
    {
        await using var connection = await app.Db.OpenAsync();
        return await connection.ExecuteScalarAsync<long>(
            "SELECT s.id FROM signatures s JOIN organisations o ON o.id = s.organisation_id WHERE o.name = @organisation", new { organisation });
    }
}
