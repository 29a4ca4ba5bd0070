using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FluentValidation;
using FluentValidation.Validators;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.OpenApi;

namespace Petitions.Web;

/// <summary>
/// The OpenAPI document at /openapi/v1.json (and the page at /openapi): the bearer scheme on the
/// coordinators' routes, every 4xx an operation can answer as problem details, and request schemas
/// whose required fields and lengths are read from the FluentValidation validators, so the rules
/// are written once.
/// </summary>
public static partial class ApiDescription
{
    public const string DocumentName = "v1";
    public const string DocumentPath = "/openapi/v1.json";
    public const string BearerScheme = "bearer";

    private static readonly Dictionary<string, string> TagDescriptions = new()
    {
        ["Petitions"] = "The public letters and their listed signatories.",
        ["Sign-on"] = "Signing a letter for an organisation, and confirming the sign-on from its email.",
        ["Coordinators"] = "Letters, review, export and import for coordinators, with a token from `coordinators add`.",
        ["Health"] = "Whether the service can take a sign-on.",

        ["Webhooks"] = global::Petitions.Webhooks.WebhookDescription.Tag,
    };

    public static IServiceCollection AddPetitionsOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(DocumentName, options =>
        {
            options.AddDocumentTransformer(async (document, context, cancellationToken) =>
            {
                DescribeDocument(document);
                await EnsureProblemSchemasAsync(document, context, cancellationToken);
            });
            options.AddOperationTransformer(DescribeOperationAsync);
            options.AddSchemaTransformer<ValidatorSchemas>();
        });

    private static void DescribeDocument(OpenApiDocument document)
    {
        global::Petitions.Webhooks.WebhookDescription.Describe(document);
        document.Info = new OpenApiInfo
        {
            Title = "Petitions",
            Version = "1",
            Description = "Sign-on letters for organisations. Errors are RFC 9457 problem details; JSON is camelCase; times are ISO 8601 UTC.",
            License = new OpenApiLicense { Name = "MIT", Identifier = "MIT" },
        };
        // The server is the address the document was asked at; a path ends without "/" so the paths join it.
        foreach (var server in document.Servers ?? [])
        {
            server.Url = server.Url?.TrimEnd('/');
        }

        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "A coordinator's API token, printed once by `scripts/petitions coordinators add EMAIL`.",
        };

        document.Tags ??= new HashSet<OpenApiTag>();
        foreach (var (name, description) in TagDescriptions)
        {
            if (document.Tags.FirstOrDefault(t => t.Name == name) is { } tag)
            {
                tag.Description = description;
            }
        }
    }

    /// <summary>A body the handler reads itself, described without <c>Accepts</c> (whose routing would answer 415 before 401).</summary>
    public sealed record BodyMetadata(Type Type, bool Required, IReadOnlyList<string> ContentTypes);

    public static RouteHandlerBuilder DescribesBody<T>(this RouteHandlerBuilder builder, bool optional = false, string[]? contentTypes = null) =>
        builder.WithMetadata(new BodyMetadata(typeof(T), !optional, contentTypes ?? ["application/json"]));

    private static async Task DescribeOperationAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var description = context.Description;
        var metadata = description.ActionDescriptor.EndpointMetadata;
        operation.Responses ??= [];

        var bodyTypes = metadata.OfType<IAcceptsMetadata>().SelectMany(a => a.ContentTypes).ToList();
        if (metadata.OfType<BodyMetadata>().FirstOrDefault() is { } body)
        {
            IOpenApiSchema schema = await context.GetOrCreateSchemaAsync(body.Type, null, cancellationToken);
            // An object is a component, referred to, as the generator does for the bodies it finds itself.
            if (body.Type.IsClass && body.Type != typeof(string) && context.Document is { } document)
            {
                document.Components ??= new OpenApiComponents();
                document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
                document.Components.Schemas.TryAdd(body.Type.Name, schema);
                schema = new OpenApiSchemaReference(body.Type.Name, document);
            }

            operation.RequestBody = new OpenApiRequestBody
            {
                Required = body.Required,
                Content = body.ContentTypes.ToDictionary(type => type, _ => new OpenApiMediaType { Schema = schema }),
            };
            bodyTypes.AddRange(body.ContentTypes);
        }

        // Route values the handler reads through a filter (the coordinators' {slug}) are parameters all the same.
        operation.Parameters ??= [];
        foreach (Match match in RouteParameter().Matches(description.RelativePath ?? ""))
        {
            var name = match.Groups[1].Value;
            if (!operation.Parameters.Any(p => p.Name == name && p.In == ParameterLocation.Path))
            {
                operation.Parameters.Insert(0, new OpenApiParameter
                {
                    Name = name, In = ParameterLocation.Path, Required = true, Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                });
            }
        }

        if (operation.Parameters.Any(p => p.In == ParameterLocation.Path))
        {
            AddProblem(operation, context, StatusCodes.Status404NotFound, "Nothing by that name or number.");
        }

        if (metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<IAllowAnonymous>().Any())
        {
            operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [] }];
            AddProblem(operation, context, StatusCodes.Status401Unauthorized, "No token, or a token that is unknown or revoked.");
            AddProblem(operation, context, StatusCodes.Status403Forbidden, "The coordinator does not coordinate this letter.");
        }
        else
        {
            // Public: said so explicitly, rather than left to the reader.
            operation.Security = [];
        }

        if (bodyTypes.Count > 0)
        {
            if (bodyTypes.Contains("application/json"))
            {
                AddProblem(operation, context, StatusCodes.Status400BadRequest, "The body or a field is not valid: errors names each field.", validation: true);
            }

            AddProblem(operation, context, StatusCodes.Status413PayloadTooLarge, "The body is larger than this operation takes.");
            AddProblem(operation, context, StatusCodes.Status415UnsupportedMediaType, "The body is not of a type this operation takes.");
        }

        if (metadata.OfType<EnableRateLimitingAttribute>().Any())
        {
            AddProblem(operation, context, StatusCodes.Status429TooManyRequests, "Too many requests: try again after Retry-After seconds.");
            ((OpenApiResponse)operation.Responses["429"]).Headers ??= new Dictionary<string, IOpenApiHeader>();
            ((OpenApiResponse)operation.Responses["429"]).Headers!["Retry-After"] = new OpenApiHeader
            {
                Description = "Seconds to wait.", Schema = new OpenApiSchema { Type = JsonSchemaType.Integer },
            };
        }

        // Every 4xx the endpoints declared themselves is a problem too (some declare none of its body).
        foreach (var (code, response) in operation.Responses)
        {
            if (code.StartsWith('4') && response is OpenApiResponse { } declared && (declared.Content is null || declared.Content.Count == 0))
            {
                declared.Content = ProblemContent(context, validation: code == "400");
            }
        }
    }

    private static void AddProblem(OpenApiOperation operation, OpenApiOperationTransformerContext context, int status, string description, bool validation = false)
    {
        var code = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (operation.Responses!.ContainsKey(code))
        {
            return;
        }

        operation.Responses[code] = new OpenApiResponse { Description = description, Content = ProblemContent(context, validation) };
    }

    private static Dictionary<string, OpenApiMediaType> ProblemContent(OpenApiOperationTransformerContext context, bool validation) => new()
    {
        ["application/problem+json"] = new OpenApiMediaType
        {
            Schema = new OpenApiSchemaReference(validation ? "HttpValidationProblemDetails" : "ProblemDetails", context.Document),
        },
    };

    [GeneratedRegex(@"\{([A-Za-z0-9_]+)(?::[^}]*)?\}")]
    private static partial Regex RouteParameter();

    /// <summary>The problem schemas the operations refer to, whether or not an endpoint declared one.</summary>
    internal static async Task EnsureProblemSchemasAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        if (!document.Components.Schemas.ContainsKey("ProblemDetails"))
        {
            document.Components.Schemas["ProblemDetails"] = await context.GetOrCreateSchemaAsync(typeof(ProblemDetails), null, cancellationToken);
        }

        if (!document.Components.Schemas.ContainsKey("HttpValidationProblemDetails"))
        {
            document.Components.Schemas["HttpValidationProblemDetails"] =
                await context.GetOrCreateSchemaAsync(typeof(HttpValidationProblemDetails), null, cancellationToken);
        }
    }
}

/// <summary>
/// Reads each registered <see cref="IValidator{T}"/>'s rules into the schema of T: NotNull and
/// NotEmpty (without a condition) make a field required, MaximumLength (and any other length rule)
/// a maxLength, Matches a pattern, GreaterThan a minimum, Equal(true) a field that must be true.
/// Rules with a condition are left out: the schema says only what always holds.
/// </summary>
public sealed class ValidatorSchemas : IOpenApiSchemaTransformer
{
    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(context);
        var services = context.ApplicationServices;

        if (context.JsonPropertyInfo is { } property
            && Validator(services, property.DeclaringType) is { } owner
            && (property.AttributeProvider as MemberInfo)?.Name is { } member)
        {
            foreach (var rule in Unconditional(owner, member))
            {
                var target = IsCollectionRule(rule) ? schema.Items as OpenApiSchema : schema;
                if (target is null)
                {
                    continue;
                }

                foreach (var component in rule.Components.Where(c => !c.HasCondition && !c.HasAsyncCondition))
                {
                    Apply(target, component.Validator);
                }
            }
        }

        if (schema.Properties is { Count: > 0 } && Validator(services, context.JsonTypeInfo.Type) is { } validator)
        {
            // The validator decides, not the constructor: a record's parameters without defaults are
            // listed as required by the generator, yet the JSON reader leaves a missing one null.
            schema.Required?.Clear();
            foreach (var json in context.JsonTypeInfo.Properties)
            {
                if ((json.AttributeProvider as MemberInfo)?.Name is { } name
                    && Unconditional(validator, name).Where(r => !IsCollectionRule(r)).SelectMany(r => r.Components)
                        .Any(c => !c.HasCondition && !c.HasAsyncCondition && MakesRequired(c.Validator)))
                {
                    schema.Required ??= new HashSet<string>();
                    schema.Required.Add(json.Name);
                }
            }
        }

        return Task.CompletedTask;
    }

    private static IValidator? Validator(IServiceProvider services, Type type) =>
        services.GetService(typeof(IValidator<>).MakeGenericType(type)) as IValidator;

    private static IEnumerable<IValidationRule> Unconditional(IValidator validator, string member) =>
        validator.CreateDescriptor().GetRulesForMember(member).Where(r => !r.HasCondition && !r.HasAsyncCondition && r.RuleSets is null or { Length: 0 });

    private static bool IsCollectionRule(IValidationRule rule) =>
        rule.GetType().GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(ICollectionRule<,>));

    private static bool MakesRequired(IPropertyValidator validator) => validator switch
    {
        INotNullValidator or INotEmptyValidator => true,
        IComparisonValidator { Comparison: Comparison.Equal, ValueToCompare: true } => true,
        _ => false,
    };

    private static void Apply(OpenApiSchema schema, IPropertyValidator validator)
    {
        var isString = schema.Type?.HasFlag(JsonSchemaType.String) == true;
        var isArray = schema.Type?.HasFlag(JsonSchemaType.Array) == true;
        switch (validator)
        {
            case ILengthValidator length when isString:
                if (length.Max > 0)
                {
                    schema.MaxLength = schema.MaxLength is { } max ? Math.Min(max, length.Max) : length.Max;
                }

                if (length.Min > 0)
                {
                    schema.MinLength = Math.Max(schema.MinLength ?? 0, length.Min);
                }

                break;
            case INotEmptyValidator when isString:
                schema.MinLength = Math.Max(schema.MinLength ?? 0, 1);
                break;
            case INotEmptyValidator when isArray:
                schema.MinItems = Math.Max(schema.MinItems ?? 0, 1);
                break;
            case IRegularExpressionValidator regex when isString:
                schema.Pattern = regex.Expression;
                break;
            case IComparisonValidator { Comparison: Comparison.GreaterThan, ValueToCompare: int value }:
                schema.ExclusiveMinimum = value.ToString(System.Globalization.CultureInfo.InvariantCulture);
                break;
            case IComparisonValidator { Comparison: Comparison.GreaterThanOrEqual, ValueToCompare: int value }:
                schema.Minimum = value.ToString(System.Globalization.CultureInfo.InvariantCulture);
                break;
            case IComparisonValidator { Comparison: Comparison.Equal, ValueToCompare: bool value }:
                schema.Enum = [JsonValue.Create(value)];
                break;
        }
    }
}
