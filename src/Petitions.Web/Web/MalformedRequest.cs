using Microsoft.AspNetCore.Diagnostics;

namespace Petitions.Web;

/// <summary>
/// A request body that cannot be read (broken multipart, invalid form encoding, a body cut off) is
/// the client's error: 400, never 500. Kestrel's own limits keep their status (413, 431…).
/// </summary>
public sealed class MalformedRequest : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var status = exception switch
        {
            BadHttpRequestException bad => bad.StatusCode,
            InvalidDataException => StatusCodes.Status400BadRequest,
            IOException when httpContext.Request.HasFormContentType => StatusCodes.Status400BadRequest,
            _ => 0,
        };
        if (status == 0 || httpContext.Response.HasStarted)
        {
            return false;
        }

        httpContext.Response.StatusCode = status;
        await Results.Problem(statusCode: status, title: "The request could not be read",
            detail: "The body of the request is malformed.").ExecuteAsync(httpContext);
        return true;
    }
}
