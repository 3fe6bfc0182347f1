using Membership.Functions.Hosting;

namespace Membership.Functions.Docs.OpenApiDocument;

/// <summary>GET /openapi/v1.json — the OpenAPI 3.1 document of every endpoint (<see cref="OpenApiTransformer"/>).</summary>
internal static class OpenApiDocument
{
    public static async Task Handle(HttpContext http)
    {
        var json = await http.RequestServices.GetRequiredService<OpenApiDocumentCache>().GetAsync();
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = "application/json; charset=utf-8";
        http.Response.Headers.CacheControl = "no-cache";
        await http.Response.Body.WriteAsync(json, http.RequestAborted);
    }
}
