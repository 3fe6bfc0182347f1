using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;

namespace Membership.Functions.Tests;

/// <summary>
/// GET /openapi/v1.json describes every endpoint the app maps (method and route), each with a response schema, a request
/// schema where it takes a body, its surface's authentication and its surface's error envelope; GET /docs renders it
/// without loading anything from elsewhere.
/// </summary>
public sealed partial class OpenApiDocumentTests(ServiceFixture service) : IClassFixture<ServiceFixture>
{
    /// <summary>Endpoints anyone may call: the spec's public ones and the service's own.</summary>
    private static readonly HashSet<string> PublicPaths = new(StringComparer.Ordinal)
    {
        "/_matrix/client/versions",
        "/_matrix/federation/v1/version",
        "/_matrix/key/v2/server",
        "/openapi/v1.json",
        "/docs",
        "/WebhookSweep",
    };

    [Fact]
    public async Task DocumentIsOpenApi31AndReadsWithoutErrors()
    {
        using var response = await service.Http.GetAsync("/openapi/v1.json");
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();

        var read = Microsoft.OpenApi.OpenApiDocument.Parse(text, "json");
        Assert.NotNull(read.Document);
        Assert.Empty(read.Diagnostic?.Errors ?? []);
        Assert.Equal(OpenApiSpecVersion.OpenApi3_1, read.Diagnostic?.SpecificationVersion);
        Assert.StartsWith("3.1", (string?)JsonNode.Parse(text)!["openapi"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryMappedEndpointIsDocumentedWithSchemasAndNothingElseIs()
    {
        var document = await DocumentAsync();
        var paths = document["paths"]!.AsObject();
        var mapped = MappedEndpoints();
        Assert.NotEmpty(mapped);

        foreach (var (method, path, name) in mapped)
        {
            var operation = paths[path]?[method.ToLowerInvariant()] as JsonObject;
            Assert.True(operation is not null, $"{method} {path} ({name}) is not in the OpenAPI document");
            Assert.False(string.IsNullOrWhiteSpace((string?)operation["summary"]) || (string?)operation["summary"] == name, $"{name} has no summary of its own");
            Assert.Single(operation["tags"]!.AsArray());

            var responses = operation["responses"]?.AsObject() ?? [];
            Assert.True(
                responses.Any(r => r.Value?["content"]?.AsObject().Any(m => m.Value?["schema"] is not null) == true),
                $"{method} {path} ({name}) has no response schema");

            if (method is "POST" or "PUT" or "PATCH")
            {
                Assert.True(operation["requestBody"]?["content"]?["application/json"]?["schema"] is not null, $"{method} {path} ({name}) takes a body but has no request schema");
                Assert.True(operation["requestBody"]?["content"]?["application/json"]?["examples"]?.AsObject().Count > 0, $"{method} {path} ({name}) has no request example");
            }
        }

        // The other way round: nothing is documented that the app does not serve (CORS preflights aside).
        var documented = paths.SelectMany(p => p.Value!.AsObject().Where(o => o.Key != "parameters").Select(o => $"{o.Key.ToUpperInvariant()} {p.Key}"));
        Assert.Equal(mapped.Select(m => $"{m.Method} {m.Path}").Order(StringComparer.Ordinal), documented.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task EachSurfaceDeclaresItsOwnAuthentication()
    {
        var document = await DocumentAsync();
        var schemes = document["components"]!["securitySchemes"]!.AsObject();
        foreach (var (method, path, name) in MappedEndpoints())
        {
            var operation = document["paths"]![path]![method.ToLowerInvariant()]!;
            var requirements = operation["security"]?.AsArray().Select(r => r!.AsObject().Select(s => schemes[s.Key]!.AsObject()).ToList()).ToList();
            Assert.True(requirements is not null, $"{name} does not say how it is authenticated (public endpoints say security: [])");
            if (PublicPaths.Contains(path))
            {
                Assert.Empty(requirements);
            }
            else if (path.StartsWith("/_matrix/client/", StringComparison.Ordinal))
            {
                // Authorization: Bearer, or (deprecated) access_token in the query.
                Assert.Contains(requirements, r => r.Count == 1 && (string?)r[0]["type"] == "http" && (string?)r[0]["scheme"] == "bearer");
                Assert.Contains(requirements, r => r.Count == 1 && (string?)r[0]["in"] == "query" && (string?)r[0]["name"] == "access_token");
            }
            else if (path.StartsWith("/_matrix/federation/", StringComparison.Ordinal))
            {
                var only = Assert.Single(Assert.Single(requirements));
                Assert.Equal(("apiKey", "header", "Authorization"), ((string?)only["type"], (string?)only["in"], (string?)only["name"]));
                Assert.Contains("X-Matrix", (string?)only["description"], StringComparison.Ordinal);
            }
            else
            {
                Assert.StartsWith("/v4/", path, StringComparison.Ordinal);
                var together = Assert.Single(requirements);
                Assert.Equal(["identifier", "sdkappid", "usersig"], together.Select(s => $"{(string?)s["in"]}:{(string?)s["name"]}").Order(StringComparer.Ordinal).Select(s => s["query:".Length..]));
                var parameters = operation["parameters"]!.AsArray().Select(p => ((string?)p!["in"], (string?)p["name"], (bool?)p["required"])).ToList();
                Assert.Contains(("query", "random", true), parameters);
                Assert.Contains(("query", "contenttype", true), parameters);
            }
        }
    }

    [Fact]
    public async Task ErrorsUseTheSurfacesEnvelope()
    {
        var document = await DocumentAsync();
        var envelope = document["components"]!["schemas"]!["TencentEnvelope"]!;
        Assert.Equal(["ActionStatus", "ErrorCode", "ErrorInfo", "RequestId"], envelope["required"]!.AsArray().Select(r => (string)r!).Order(StringComparer.Ordinal));
        var matrixError = document["components"]!["schemas"]!["MatrixError"]!;
        Assert.Equal(["errcode", "error"], matrixError["required"]!.AsArray().Select(r => (string)r!).Order(StringComparer.Ordinal));

        foreach (var (method, path, name) in MappedEndpoints())
        {
            var responses = document["paths"]![path]![method.ToLowerInvariant()]!["responses"]!.AsObject();
            if (path.StartsWith("/v4/", StringComparison.Ordinal))
            {
                // HTTP 200 for every outcome, the envelope in the schema, failures among the examples.
                var ok = Assert.Single(responses);
                Assert.Equal("200", ok.Key);
                var media = ok.Value!["content"]!["application/json"]!;
                Assert.Contains("#/components/schemas/TencentEnvelope", media["schema"]!.ToJsonString(), StringComparison.Ordinal);
                Assert.Contains(media["examples"]!.AsObject(), e => (int?)e.Value!["value"]!["ErrorCode"] != 0 && (string?)e.Value["value"]!["ActionStatus"] == "FAIL");
                Assert.Contains(media["examples"]!.AsObject(), e => (int?)e.Value!["value"]!["ErrorCode"] == 0 || name == "UnknownCommand");
            }
            else if (path.StartsWith("/_matrix/", StringComparison.Ordinal))
            {
                foreach (var error in responses.Where(r => r.Key != "200"))
                {
                    var media = error.Value!["content"]!["application/json"]!;
                    Assert.Equal("#/components/schemas/MatrixError", (string?)media["schema"]!["$ref"]);
                    Assert.All(media["examples"]!.AsObject(), e => Assert.StartsWith("M_", (string?)e.Value!["value"]!["errcode"], StringComparison.Ordinal));
                }

                if (!PublicPaths.Contains(path))
                {
                    Assert.True(responses.Any(r => r.Key != "200"), $"{name} documents no errors");
                }
            }
        }

        // Client writes can be rate-limited; the 429 says how long to wait.
        var kick = document["paths"]!["/_matrix/client/{version}/rooms/{roomId}/kick"]!["post"]!["responses"]!;
        Assert.NotNull(kick["429"]!["headers"]!["Retry-After"]);
        Assert.NotNull(kick["401"]);
    }

    [Fact]
    public async Task ApiReferencePageRendersTheDocumentWithNothingFromElsewhere()
    {
        using var response = await service.Http.GetAsync("/docs");
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("fetch(\"/openapi/v1.json\")", html, StringComparison.Ordinal);

        // No CDN: no script, style or link from another origin, and the browser is told to load none.
        Assert.DoesNotMatch(ExternalAsset(), html);
        Assert.Contains("default-src 'none'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }

    [GeneratedRegex("""(src|href)\s*=\s*["']?(https?:)?//""", RegexOptions.IgnoreCase)]
    private static partial Regex ExternalAsset();

    [GeneratedRegex(@"\{([A-Za-z_]+)[^}]*\}")]
    private static partial Regex RouteParameter();

    private async Task<JsonNode> DocumentAsync() => JsonNode.Parse(await service.Http.GetStringAsync("/openapi/v1.json"))!;

    /// <summary>(method, OpenAPI path, endpoint name) of every mapped endpoint, CORS preflights aside.</summary>
    private List<(string Method, string Path, string Name)> MappedEndpoints() =>
    [
        .. service.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [])
                .Where(m => m != "OPTIONS")
                .Select(m => (m, "/" + RouteParameter().Replace(e.RoutePattern.RawText!.TrimStart('/'), "{$1}"), e.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName ?? e.DisplayName!))),
    ];
}
