using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Membership.Functions.Hosting;

/// <summary>
/// The OpenAPI document as UTF-8 JSON, built on the first request for it and kept for the life of the process (the mapped
/// endpoints do not change). Nothing of it runs at start-up.
/// </summary>
internal sealed class OpenApiDocumentCache(IServiceProvider services)
{
    private Task<byte[]>? _json;

    public Task<byte[]> GetAsync()
    {
        var json = _json;
        if (json is null || json.IsFaulted || json.IsCanceled)
        {
            // Two first requests may both build it; the document is the same, so either result will do.
            json = BuildAsync();
            _json = json;
        }

        return json;
    }

    private async Task<byte[]> BuildAsync()
    {
        var provider = services.GetRequiredKeyedService<IOpenApiDocumentProvider>(OpenApiTransformer.DocumentName);
        var document = await provider.GetOpenApiDocumentAsync(CancellationToken.None);
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        document.SerializeAsV31(new OpenApiJsonWriter(text, new OpenApiJsonWriterSettings { Terse = true }));
        return Encoding.UTF8.GetBytes(text.ToString());
    }
}
