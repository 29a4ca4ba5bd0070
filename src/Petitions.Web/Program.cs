using Petitions;
using Petitions.Cli;
using Petitions.Data;
using Petitions.Petitions;
using Petitions.Privacy;
using Petitions.Coordinators;
using Petitions.Email;
using Petitions.Embed;
using Petitions.Signatures;
using Petitions.Web;

if (CommandLine.IsCommand(args))
{
    return await CommandLine.RunAsync(args);
}

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddPetitions(builder.Configuration);
builder.Services.AddRazorPages();
builder.Services.AddEmbeddedForm();
builder.Services.AddLocalization();
builder.Services.Configure<Microsoft.AspNetCore.Builder.RequestLocalizationOptions>(Languages.Configure);
// Pages write every script as itself (UTF-8), not as &#x...; entities: a Cyrillic or Arabic page is
// several times smaller. HTML's own characters are still encoded.
builder.Services.Configure<Microsoft.Extensions.WebEncoders.WebEncoderOptions>(options =>
    options.TextEncoderSettings = new System.Text.Encodings.Web.TextEncoderSettings(System.Text.Unicode.UnicodeRanges.All));
// JSON escapes < > & ' too, so a name pasted into a partner's HTML cannot open a tag; other scripts stay as they are.
builder.Services.ConfigureHttpJsonOptions(options =>
    options.SerializerOptions.Encoder = System.Text.Encodings.Web.JavaScriptEncoder.Create(System.Text.Unicode.UnicodeRanges.All));
// Before AddProblemDetails: the first writer that accepts a request writes its errors.
builder.Services.AddSingleton<Microsoft.AspNetCore.Http.IProblemDetailsWriter, HtmlProblems>();
builder.Services.AddProblemDetails();
builder.Services.AddPetitionsOpenApi();
builder.Services.AddPetitionsCompression();
builder.Services.AddPetitionsRateLimits(builder.Configuration);
builder.Services.AddCoordinatorAuth();
builder.Services.AddExceptionHandler<DatabaseUnavailable>();
builder.Services.AddExceptionHandler<MalformedRequest>();
builder.Services.AddHsts(options => options.MaxAge = TimeSpan.FromDays(365));
builder.Services.AddTrustedProxies(builder.Configuration);
builder.Services.AddHostedService<OutboxDispatcher>();
builder.Services.AddSingleton<Petitions.Webhooks.WebhookStore>();
builder.Services.AddSingleton<Petitions.Webhooks.WebhookAddress>();
builder.Services.AddHostedService<Petitions.Webhooks.WebhookDispatcher>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<Petitions.Privacy.Purge>());
builder.Services.AddHostedService(sp => sp.GetRequiredService<Petitions.Signatures.ReviewDigests>());
builder.Services.AddSingleton<ListChangesListener>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<ListChangesListener>());
builder.Services.AddPetitionsDataProtection(builder.Configuration);

var app = builder.Build();
// Start-up on both cores: the database is migrated (and the seed letter loaded) while the pipeline
// is put together, and the routes (Razor Pages' above all) are built while the server starts,
// rather than one after the other. The server starts once the database is ready; a request that
// arrives while the routes are still being built waits for them.
var preparing = Task.Run(() => app.Services.PrepareDatabaseAsync());

app.UseForwardedHeaders();
// Before the error handlers, so that error pages speak the reader's language too.
app.UseLanguages();
app.UseResponseCompression();
app.UseSecurityHeaders();
app.UseHsts();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseAuthentication();
app.UseAuthorization();
app.UseRateLimiter();
app.MapSiteAssets();
app.MapOpenApi();
app.MapHealth();
app.MapPetitionsApi();
app.MapSignatoryMap();
app.MapEmbedBadge();
app.MapSignaturesApi();
app.MapCoordinatorsApi();
Petitions.Webhooks.WebhooksApi.MapWebhooksApi(app);
app.MapRazorPages();

var routes = ((IEndpointRouteBuilder)app).DataSources.ToList();
var routing = Task.Run(() => routes.Sum(source => source.Endpoints.Count));
try
{
    await preparing;
    await app.StartAsync();
    app.Services.GetRequiredService<PublicBaseUrl>().WarnIfUnserved(app.Logger);
    await routing;
    await app.WaitForShutdownAsync();
}
finally
{
    await app.DisposeAsync();
}

return 0;

/// <summary>The entry point, visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
