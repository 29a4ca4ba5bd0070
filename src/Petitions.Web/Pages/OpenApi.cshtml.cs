using System.Globalization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Petitions.Web;

namespace Petitions.Pages;

/// <summary>
/// The API description as a page, rendered here from the same document as /openapi/v1.json: no
/// script, so it works offline and under the site's strict Content-Security-Policy.
/// </summary>
public sealed class OpenApiModel([FromKeyedServices(ApiDescription.DocumentName)] IOpenApiDocumentProvider documents) : PageModel
{
    public OpenApiDocument Document { get; private set; } = null!;

    /// <summary>The operations by tag, in the document's order.</summary>
    public IReadOnlyList<(string Tag, string? Description, IReadOnlyList<Operation> Operations)> Groups { get; private set; } = [];

    public sealed record Operation(string Method, string Path, OpenApiOperation Details)
    {
        public string Anchor => Details.OperationId ?? $"{Method}-{Path}".ToLowerInvariant().Replace('/', '-').Replace('{', '_').Replace('}', '_');
    }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Document = await documents.GetOpenApiDocumentAsync(cancellationToken);
        var operations = (Document.Paths ?? [])
            .SelectMany(path => (path.Value.Operations ?? []).Select(op => new Operation(op.Key.Method, path.Key, op.Value)))
            .ToList();
        Groups = operations
            .GroupBy(o => o.Details.Tags?.FirstOrDefault()?.Name ?? "Other")
            .Select(g => (g.Key, Document.Tags?.FirstOrDefault(t => t.Name == g.Key)?.Description, (IReadOnlyList<Operation>)g.ToList()))
            .ToList();
    }

    public static bool NeedsToken(OpenApiOperation operation) => operation.Security is { Count: > 0 };

    /// <summary>A schema as a reader names it: a component's name, "array of …", or its type and format.</summary>
    public static string TypeName(IOpenApiSchema? schema) => schema switch
    {
        null => "",
        OpenApiSchemaReference reference => reference.Reference.Id ?? "object",
        { Type: { } type } when type.HasFlag(JsonSchemaType.Array) => "array of " + TypeName(schema.Items),
        { Type: { } type } => string.Join(" or ", Enum.GetValues<JsonSchemaType>().Where(t => t != JsonSchemaType.Null && type.HasFlag(t))
            .Select(t => t.ToString().ToLowerInvariant())) + (schema.Format is { } format ? $" ({format})" : ""),
        _ => "any",
    };

    /// <summary>The component a schema names, if any, for a link to its table.</summary>
    public static string? ComponentName(IOpenApiSchema? schema) => schema switch
    {
        OpenApiSchemaReference reference => reference.Reference.Id,
        { Type: { } type } when type.HasFlag(JsonSchemaType.Array) => ComponentName(schema.Items),
        _ => null,
    };

    /// <summary>The limits a field has: length, pattern, minimum, the one value it may take.</summary>
    public static string Limits(IOpenApiSchema schema)
    {
        var limits = new List<string>();
        if (schema.MinLength is { } min)
        {
            limits.Add(string.Create(CultureInfo.InvariantCulture, $"at least {min} characters"));
        }

        if (schema.MaxLength is { } max)
        {
            limits.Add(string.Create(CultureInfo.InvariantCulture, $"at most {max:N0} characters"));
        }

        if (schema.MinItems is { } items)
        {
            limits.Add(string.Create(CultureInfo.InvariantCulture, $"at least {items} item{(items == 1 ? "" : "s")}"));
        }

        if (schema.Items is { } item && Limits(item) is { Length: > 0 } each)
        {
            limits.Add($"each {each}");
        }

        if (schema.ExclusiveMinimum is { } above)
        {
            limits.Add($"more than {above}");
        }

        if (schema.Minimum is { } least)
        {
            limits.Add($"at least {least}");
        }

        if (schema.Enum is { Count: > 0 } values)
        {
            limits.Add("one of " + string.Join(", ", values.Select(v => v?.ToJsonString())));
        }

        if (schema.Pattern is { } pattern && schema.Type?.HasFlag(JsonSchemaType.String) == true && !schema.Type.Value.HasFlag(JsonSchemaType.Integer))
        {
            limits.Add($"matches {pattern}");
        }

        return string.Join("; ", limits);
    }
}
