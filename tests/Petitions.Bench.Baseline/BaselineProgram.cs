using System.Text;
using System.Text.Json;
using FluentValidation;
using Petitions.Signatures;

namespace Petitions.Bench.Baseline;

/// <summary>
/// The same platform as Petitions (ASP.NET Core on Kestrel, .NET 10, Release) with nothing of the
/// product but the sign-on validator: what a request costs at the least. Listens where --urls says.
/// </summary>
/// <remarks>
/// <c>--page10k FILE</c> (configuration key <c>page10k</c>) serves that file's bytes as
/// <c>GET /page10k</c>; without it a synthetic list page of 10,000 signatories is rendered once at start.
/// </remarks>
public static class BaselineProgram
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly byte[] Plaintext = "Hello, World!"u8.ToArray();

    public static void Main(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.Logging.ClearProviders();
        var pageFile = builder.Configuration["page10k"];
        var page = pageFile is { Length: > 0 } ? File.ReadAllBytes(pageFile) : SyntheticPage(10_000);
        var validator = new SignRequestValidator();

        var app = builder.Build();
        app.MapGet("/plaintext", () => Results.Bytes(Plaintext, "text/plain"));
        app.MapGet("/json", () => Results.Json(new { message = "Hello, World!" }, Json));
        app.MapGet("/healthz", () => Results.Json(new { status = "healthy" }, Json));
        app.MapGet("/page10k", () => Results.Bytes(page, "text/html; charset=utf-8"));
        app.MapPost("/sign", (HttpRequest request, CancellationToken cancellationToken) => SignAsync(request, validator, cancellationToken));
        app.Run();
    }

    /// <summary>
    /// Reads and validates a sign-on with the app's own code (JsonBody.ReadAsync, the same JSON options,
    /// SignRequestValidator, the same answers), and stores nothing.
    /// </summary>
    private static async Task<IResult> SignAsync(HttpRequest request, SignRequestValidator validator, CancellationToken cancellationToken)
    {
        var (body, problem) = await JsonBody.ReadAsync<SignRequest>(request, SignaturesApi.MaxBodyBytes, Json, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var validation = await validator.ValidateAsync(body!.Cleaned(), cancellationToken);
        return validation.IsValid
            ? TypedResults.Json(new SignOnAccepted(SignatureStatus.Pending), Json, statusCode: StatusCodes.Status202Accepted)
            : SignaturesApi.ValidationProblem(validation);
    }

    private static byte[] SyntheticPage(int count)
    {
        var html = new StringBuilder("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Letter</title></head><body><ul class=\"signatories\">\n");
        for (var i = 0; i < count; i++)
        {
            html.Append("<li>Civic Alliance ").Append(i.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(", Utrecht</li>\n");
        }

        return Encoding.UTF8.GetBytes(html.Append("</ul></body></html>\n").ToString());
    }
}
