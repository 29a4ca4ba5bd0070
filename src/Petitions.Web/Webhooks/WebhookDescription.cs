using System.Text.Json.Nodes;
using Microsoft.OpenApi;

namespace Petitions.Webhooks;

/// <summary>
/// The deliveries in the OpenAPI document: its <c>webhooks</c> section (OpenAPI 3.1) holds the POST a
/// subscribed endpoint receives, with its headers, its body's fields and an example, and the tag says
/// how a receiver checks a delivery.
/// </summary>
public static class WebhookDescription
{
    public const string Tag =
        "Coordinators subscribe endpoints to a letter's events: `signature.pending` (signed, email not yet confirmed), " +
        "`signature.listed`, `signature.withdrawn`, `signature.rejected`, `letter.closed` (closed by a coordinator, or its closesAt passed). " +
        "Each delivery is a POST of a JSON body with the headers `X-Petitions-Signature: sha256=HEX` (HMAC-SHA256 of the exact body bytes, " +
        "keyed with the subscription's secret), `X-Petitions-Timestamp` (unix seconds of this attempt, also the body's `timestamp`: refuse " +
        "one that is minutes old, a replay), `X-Petitions-Delivery` (the same on every attempt of a delivery: do it once) and " +
        "`X-Petitions-Event`. Any 2xx answer takes the delivery; anything else, a redirect included (never followed), a refused " +
        "connection or no answer within 10 seconds is retried with exponential backoff (10 seconds, doubling, at most an hour). " +
        "A subscription whose deliveries have failed for a day is disabled and shown so; `POST …/webhooks/{id}/enable` enables it " +
        "again and sends what it held. Endpoints must be https:// on public addresses unless `Webhooks:AllowPrivateAddresses` is true. " +
        "The signer's name, role, email and comment (`person`, `comments`) are sent only when the subscription has `includeContact: true` " +
        "and the signer ticked the optional box sharing them with the coalition (`shareContact: true` in the JSON sign-on).";

    /// <summary>Adds the delivery to the document's webhooks.</summary>
    public static void Describe(OpenApiDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        document.Webhooks ??= new Dictionary<string, IOpenApiPathItem>();
        document.Webhooks["petitionsEvent"] = new OpenApiPathItem
        {
            Operations = new Dictionary<HttpMethod, OpenApiOperation>
            {
                [HttpMethod.Post] = new OpenApiOperation
                {
                    OperationId = "receivePetitionsEvent",
                    Summary = "What a subscribed endpoint receives.",
                    Description = Tag,
                    // Sent by the service, not called by a client: no scheme; the HMAC header is its proof.
                    Security = [],
                    Parameters =
                    [
                        Header(WebhookPayload.SignatureHeader, "`sha256=` and the lower-case hex HMAC-SHA256 of the body's bytes, keyed with the secret."),
                        Header(WebhookPayload.TimestampHeader, "Unix seconds when this attempt was made; the body's `timestamp` holds the same, signed."),
                        Header(WebhookPayload.DeliveryHeader, "The delivery's id, the same on every attempt."),
                        Header(WebhookPayload.EventHeader, "The event's name, as in the body."),
                    ],
                    RequestBody = new OpenApiRequestBody
                    {
                        Required = true,
                        Content = new Dictionary<string, OpenApiMediaType>
                        {
                            ["application/json"] = new OpenApiMediaType { Schema = BodySchema(), Example = Example() },
                        },
                    },
                    Responses = new OpenApiResponses
                    {
                        ["2XX"] = new OpenApiResponse { Description = "Taken: not sent again." },
                        ["default"] = new OpenApiResponse { Description = "Anything else (a 3xx included) is retried with backoff." },
                    },
                },
            },
        };
    }

    private static OpenApiParameter Header(string name, string description) => new()
    {
        Name = name, In = ParameterLocation.Header, Required = true, Description = description, Schema = Text(null),
    };

    private static OpenApiSchema Text(string? description) => new() { Type = JsonSchemaType.String, Description = description };

    private static OpenApiSchema Object(string description, Dictionary<string, IOpenApiSchema> properties) =>
        new() { Type = JsonSchemaType.Object, Description = description, Properties = properties };

    private static OpenApiSchema BodySchema() => Object("A delivery: the event, the letter and, for a signature's event, the signature in OSDI's shape where it fits.",
        new()
        {
            ["event"] = Text("signature.pending, signature.listed, signature.withdrawn, signature.rejected or letter.closed."),
            ["delivery_id"] = Text("As the X-Petitions-Delivery header."),
            ["timestamp"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Description = "As the X-Petitions-Timestamp header: unix seconds of this attempt." },
            ["occurred_at"] = Text("When the event happened (ISO 8601 UTC)."),
            ["origin_system"] = Text("The coalition (Petitions:SiteName)."),
            ["letter"] = Object("The letter.", new()
            {
                ["slug"] = Text(null), ["title"] = Text(null), ["url"] = Text("Its public page."),
                ["status"] = Text("letter.closed only: closed."),
                ["closed_at"] = Text("letter.closed only."),
                ["signatory_count"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Description = "letter.closed only: organisations listed." },
            }),
            ["signature"] = Object("The signature's events only.", new()
            {
                ["identifiers"] = new OpenApiSchema { Type = JsonSchemaType.Array, Items = Text(null), Description = "`petitions:ID`." },
                ["created_date"] = Text("When it was signed."),
                ["modified_date"] = Text("When the event happened."),
                ["status"] = Text("The status the event announces: pending, listed, withdrawn or rejected."),
                ["organisation"] = Text(null), ["city"] = Text(null), ["country"] = Text("ISO 3166-1 alpha-2."), ["country_name"] = Text(null),
                ["language"] = Text("The language the sign-on was made in."), ["website"] = Text(null),
                ["ref"] = Text("The code of the partner whose link brought the sign-on, or null."),
                ["comments"] = Text("With contact data only (both consents)."),
                ["person"] = Object("With contact data only: the subscription's includeContact and the signer's shareContact.", new()
                {
                    ["name"] = Text(null), ["role"] = Text(null),
                    ["email_addresses"] = new OpenApiSchema
                    {
                        Type = JsonSchemaType.Array,
                        Items = Object("An address.", new() { ["address"] = Text(null), ["primary"] = new OpenApiSchema { Type = JsonSchemaType.Boolean } }),
                    },
                }),
            }),
        });

    private static JsonNode Example() => new JsonObject
    {
        ["event"] = "signature.listed",
        ["delivery_id"] = "42",
        ["timestamp"] = 1796558400,
        ["occurred_at"] = "2026-12-06T12:00:00Z",
        ["origin_system"] = "Petitions",
        ["letter"] = new JsonObject { ["slug"] = "iap-2017", ["title"] = "Petition to the International Association of Prosecutors", ["url"] = "https://petitions.example.org/petitions/iap-2017" },
        ["signature"] = new JsonObject
        {
            ["identifiers"] = new JsonArray("petitions:1234"),
            ["created_date"] = "2026-12-06T11:58:00Z",
            ["modified_date"] = "2026-12-06T12:00:00Z",
            ["status"] = "listed",
            ["organisation"] = "Stichting Testorganisatie",
            ["city"] = "Utrecht",
            ["country"] = "NL",
            ["country_name"] = "Netherlands",
            ["language"] = "en",
            ["ref"] = "acme",
            ["website"] = "https://www.testorganisatie.nl",
        },
    };
}
