using Petitions;
using Petitions.Cli;
using Petitions.Data;
using Petitions.Petitions;
using Petitions.Web;

if (CommandLine.IsCommand(args))
{
    return await CommandLine.RunAsync(args);
}

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddPetitions(builder.Configuration);
builder.Services.AddRazorPages();
builder.Services.AddProblemDetails();
builder.Services.AddOpenApi();

var app = builder.Build();
await app.Services.PrepareDatabaseAsync();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.MapSiteAssets();
app.MapOpenApi();
app.MapHealth();
app.MapPetitionsApi();
app.MapRazorPages();

await app.RunAsync();
return 0;

/// <summary>The entry point, visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
