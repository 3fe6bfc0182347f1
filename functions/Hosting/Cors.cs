namespace Membership.Functions.Hosting;

/// <summary>
/// The client-server spec requires CORS headers on every response so web clients can call the API, and an answer to
/// the OPTIONS preflight on any path.
/// </summary>
internal sealed class Cors(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext http)
    {
        if (!http.Request.Path.StartsWithSegments("/_matrix", StringComparison.Ordinal))
        {
            return next(http);
        }

        var headers = http.Response.Headers;
        headers.AccessControlAllowOrigin = "*";
        headers.AccessControlAllowMethods = "GET, POST, PUT, DELETE, OPTIONS";
        headers.AccessControlAllowHeaders = "X-Requested-With, Content-Type, Authorization";
        if (HttpMethods.IsOptions(http.Request.Method))
        {
            http.Response.StatusCode = StatusCodes.Status204NoContent;
            return Task.CompletedTask;
        }

        return next(http);
    }
}
