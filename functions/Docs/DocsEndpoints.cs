using Membership.Functions.Hosting;

namespace Membership.Functions.Docs;

/// <summary>
/// The API documentation: the OpenAPI 3.1 document and a page that renders it. Each function's folder holds its code and a
/// <c>function.json</c> with the same method and route. The document is built on first request, never at start-up.
/// </summary>
internal static class DocsEndpoints
{
    /// <summary>The OpenAPI services with the transformer that describes every endpoint (the handlers give the generator nothing).</summary>
    public static IServiceCollection AddApiDocs(this IServiceCollection services) => services
        .AddOpenApi(OpenApiTransformer.DocumentName, options => options.AddDocumentTransformer(new OpenApiTransformer()))
        .AddSingleton<OpenApiDocumentCache>();

    public static void MapApiDocs(this IEndpointRouteBuilder app)
    {
        app.Map("OpenApiDocument", "openapi/v1.json", OpenApiDocument.OpenApiDocument.Handle);
        app.Map("ApiReference", "docs", ApiReference.ApiReference.Handle);
    }

    private static void Map(this IEndpointRouteBuilder app, string function, string route, RequestDelegate handler) =>
        app.MapMethods("/" + route, ["GET"], handler)
            .WithName(function)
            .WithDisplayName(function);
}
