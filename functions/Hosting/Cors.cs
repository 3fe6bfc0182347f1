namespace Membership.Functions.Hosting;

/// <summary>
/// The client-server spec requires CORS headers on every response so web clients can call the API, and an answer to
/// the OPTIONS preflight on any path; federation paths get the same (harmless, and what Synapse does).
/// </summary>
internal static class Cors
{
    /// <summary>Adds the headers on Matrix surfaces; true when the request is a preflight, which they answer (204).</summary>
    public static bool Apply(HttpContext http, Surface surface)
    {
        if (!surface.UsesMatrixErrors() || surface == Surface.Service)
        {
            return false;
        }

        var headers = http.Response.Headers;
        headers.AccessControlAllowOrigin = "*";
        headers.AccessControlAllowMethods = "GET, POST, PUT, DELETE, OPTIONS";
        headers.AccessControlAllowHeaders = "X-Requested-With, Content-Type, Authorization";
        return HttpMethods.IsOptions(http.Request.Method);
    }
}
