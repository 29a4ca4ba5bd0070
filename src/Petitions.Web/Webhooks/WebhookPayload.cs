using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Petitions.Data;
using Petitions.Organisations;

namespace Petitions.Webhooks;

/// <summary>
/// The body and headers of a delivery. The body follows the OSDI signature's shape where it fits
/// (identifiers, created_date, modified_date, status, comments, person), with the event, the letter,
/// the organisation and its place; it is signed as the exact bytes sent.
/// </summary>
public static class WebhookPayload
{
    public const string SignatureHeader = "X-Petitions-Signature";
    public const string TimestampHeader = "X-Petitions-Timestamp";
    public const string DeliveryHeader = "X-Petitions-Delivery";
    public const string EventHeader = "X-Petitions-Event";

    /// <summary>
    /// The JSON body. The person (name, role, email) and the comment go only where the subscription asked
    /// for contact data and the signer agreed to share it (<c>signatures.share_contact</c>).
    /// </summary>
    /// <param name="timestamp">Unix seconds of this attempt, also in the timestamp header: inside the signed bytes, so a replay shows its age.</param>
    public static byte[] Body(Delivery delivery, long timestamp, string siteName, Func<string, string> link)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        ArgumentNullException.ThrowIfNull(link);
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteString("event", delivery.Event);
            json.WriteString("delivery_id", DeliveryId(delivery));
            json.WriteNumber("timestamp", timestamp);
            json.WriteString("occurred_at", Time.FormatToSecond(Time.Parse(delivery.OccurredAt)));
            json.WriteString("origin_system", siteName);
            json.WriteStartObject("letter");
            json.WriteString("slug", delivery.Slug);
            json.WriteString("title", delivery.Title);
            json.WriteString("url", link($"/petitions/{delivery.Slug}"));
            if (delivery.Event == WebhookEvents.LetterClosed)
            {
                json.WriteString("status", "closed");
                json.WriteString("closed_at", Time.FormatToSecond(Time.Parse(delivery.OccurredAt)));
                json.WriteNumber("signatory_count", delivery.ListedCount);
            }

            json.WriteEndObject();
            if (delivery.SignatureId is { } signatureId)
            {
                WriteSignature(json, delivery, signatureId);
            }

            json.WriteEndObject();
        }

        return stream.ToArray();
    }

    private static void WriteSignature(Utf8JsonWriter json, Delivery delivery, long signatureId)
    {
        json.WriteStartObject("signature");
        json.WriteStartArray("identifiers");
        json.WriteStringValue($"petitions:{signatureId.ToString(CultureInfo.InvariantCulture)}");
        json.WriteEndArray();
        if (delivery.SignedAt is { } signed)
        {
            json.WriteString("created_date", Time.FormatToSecond(Time.Parse(signed)));
        }

        json.WriteString("modified_date", Time.FormatToSecond(Time.Parse(delivery.OccurredAt)));
        // The status the event announces, not whatever the signature has moved on to since.
        json.WriteString("status", delivery.Event["signature.".Length..]);
        json.WriteString("organisation", delivery.Organisation);
        json.WriteString("city", delivery.City);
        json.WriteString("country", delivery.Country);
        json.WriteString("country_name", Countries.NameOf(delivery.Country));
        json.WriteString("language", delivery.Language);
        // The partner whose link brought the sign-on (OSDI's referrer_data source), or null.
        json.WriteString("ref", delivery.Ref);
        json.WriteString("website", delivery.Website);
        if (SharesContact(delivery))
        {
            json.WriteString("comments", delivery.Comment);
            json.WriteStartObject("person");
            json.WriteString("name", delivery.ContactName);
            json.WriteString("role", delivery.ContactRole);
            json.WriteStartArray("email_addresses");
            if (delivery.ContactEmail is { } email)
            {
                json.WriteStartObject();
                json.WriteString("address", email);
                json.WriteBoolean("primary", true);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteEndObject();
    }

    /// <summary>
    /// Both consents, the subscription's (<c>includeContact</c>) and the signer's (the second checkbox), and an
    /// address confirmed: anyone can type a stranger's address and tick the box, so a pending sign-on shares nothing.
    /// </summary>
    public static bool SharesContact(Delivery delivery) => delivery is { IncludeContact: 1, ShareContact: 1, ConfirmedAt: not null };

    /// <summary>The same on every attempt of a delivery: the receiver's key for doing it once.</summary>
    public static string DeliveryId(Delivery delivery) => delivery.Id.ToString(CultureInfo.InvariantCulture);

    /// <summary><c>sha256=HEX</c>: HMAC-SHA256 of the body's bytes with the subscription's secret.</summary>
    public static string Sign(byte[] body, string secret) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(System.Text.Encoding.UTF8.GetBytes(secret), body));
}
