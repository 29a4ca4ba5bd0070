using System.Text.Json;

namespace Petitions;

/// <summary>
/// Reads a JSON request body within a size limit and turns every way it can be wrong into a
/// problem: 413 too large, 415 not JSON, 400 malformed (naming the field where it can).
/// </summary>
public static class JsonBody
{
    public static async Task<(T? Value, IResult? Problem)> ReadAsync<T>(HttpRequest request, int maxBytes, JsonSerializerOptions options, CancellationToken cancellationToken)
        where T : class
    {
        if (!request.HasJsonContentType())
        {
            return (null, TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Send JSON",
                detail: "The body must be application/json."));
        }

        if (request.ContentLength > maxBytes)
        {
            return (null, TooLarge(maxBytes));
        }

        // Read at most one byte past the limit: a body without a length can still not be endless.
        var buffer = new byte[maxBytes + 1];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
        {
            length += read;
        }

        if (length > maxBytes)
        {
            return (null, TooLarge(maxBytes));
        }

        try
        {
            var value = JsonSerializer.Deserialize<T>(buffer.AsSpan(0, length), options);
            return value is null
                ? (null, Malformed("body", "The body must be a JSON object."))
                : (value, null);
        }
        catch (JsonException exception)
        {
            // A value of the wrong type names its field; broken syntax is the body's fault wherever it stops.
            var wrongType = exception.Message.Contains("could not be converted", StringComparison.Ordinal);
            var field = wrongType && exception.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal)
                ? JsonNamingPolicy.CamelCase.ConvertName(path[2..].Split('.', '[')[0])
                : "body";
            return (null, Malformed(field, field == "body"
                ? "The body is not valid JSON."
                : $"The field '{field}' has a value of the wrong type."));
        }
    }

    private static ProblemHttpResult TooLarge(int maxBytes) =>
        TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "The body is too large",
            detail: $"A request body may be at most {maxBytes} bytes.");

    private static ValidationProblem Malformed(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, title: "The request is malformed");
}
