using Membership.Functions.Hosting;

namespace Membership.Functions.Docs.OpenApiDocument;

/// <summary>The OpenAPI 3.1 document of every function.</summary>
/// <remarks>Generated from the function declarations and their request and result types by Microsoft.AspNetCore.OpenApi (see <see cref="ApiDocument"/>).</remarks>
internal sealed class OpenApiDocument(ApiDocument document)
{
    [Function(nameof(OpenApiDocument))]
    public async Task<IResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "openapi/v1.json")] HttpRequest req)
    {
        req.HttpContext.Response.Headers.CacheControl = "no-cache";
        return Results.Bytes(await document.GetAsync(), "application/json; charset=utf-8");
    }
}
