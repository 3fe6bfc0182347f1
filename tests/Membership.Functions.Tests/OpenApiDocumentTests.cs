using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;
using Membership.Functions.Admin;
using Membership.Functions.Client;
using Membership.Functions.Hosting;
using Microsoft.OpenApi;

namespace Membership.Functions.Tests;

/// <summary>
/// GET /openapi/v1.json is generated from the function table: each function with its summary, request and response
/// schemas, its surface's authentication and error envelope; the limits it states are the ones the body reader
/// enforces. GET /docs renders it without loading anything from elsewhere.
/// </summary>
public sealed partial class OpenApiDocumentTests(ServiceFixture service) : IClassFixture<ServiceFixture>
{
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
    public async Task EveryFunctionIsDocumentedWithItsSummaryAndSchemas()
    {
        var document = await DocumentAsync();
        // The page and the document itself are not JSON of a type; UnknownCommand only ever refuses.
        string[] untyped = ["ApiReference", "OpenApiDocument", "UnknownCommand"];
        foreach (var (function, method, operation) in Operations(document))
        {
            Assert.False(string.IsNullOrWhiteSpace((string?)operation["summary"]), $"{function.Name} has no summary (its class's XML <summary>)");
            Assert.Single(operation["tags"]!.AsArray());
            Assert.True(
                untyped.Contains(function.Name) != operation["responses"]!["200"]?["content"]?["application/json"]?["schema"] is not null,
                $"{method} {function.Route} ({function.Name}): a typed result must be documented, and only one");

            // Every function that reads a body documents its type; the others take none.
            var body = operation["requestBody"]?["content"]?["application/json"]?["schema"];
            Assert.Equal(function.RequestBody is not null, body is not null);
        }
    }

    [Fact]
    public async Task EachSurfaceDeclaresItsOwnAuthentication()
    {
        var document = await DocumentAsync();
        var schemes = document["components"]!["securitySchemes"]!.AsObject();
        string[] publicFunctions = ["Versions", "ServerVersion", "ServerKeys", "OpenApiDocument", "ApiReference", "UnknownCommand"];
        foreach (var (function, _, operation) in Operations(document))
        {
            var requirements = operation["security"]?.AsArray().Select(r => r!.AsObject().Select(s => schemes[s.Key]!.AsObject()).ToList()).ToList();
            Assert.True(requirements is not null, $"{function.Name} does not say how it is authenticated (public endpoints say security: [])");
            if (publicFunctions.Contains(function.Name))
            {
                Assert.Empty(requirements);
            }
            else if (function.Surface == Surface.Client)
            {
                // Authorization: Bearer, or (deprecated) access_token in the query.
                Assert.Contains(requirements, r => r.Count == 1 && (string?)r[0]["type"] == "http" && (string?)r[0]["scheme"] == "bearer");
                Assert.Contains(requirements, r => r.Count == 1 && (string?)r[0]["in"] == "query" && (string?)r[0]["name"] == "access_token");
            }
            else if (function.Surface == Surface.Federation)
            {
                var only = Assert.Single(Assert.Single(requirements));
                Assert.Equal(("apiKey", "header", "Authorization"), ((string?)only["type"], (string?)only["in"], (string?)only["name"]));
                Assert.Contains("X-Matrix", (string?)only["description"], StringComparison.Ordinal);
            }
            else
            {
                Assert.Equal(Surface.Admin, function.Surface);
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
        var schemas = document["components"]!["schemas"]!.AsObject();
        foreach (var (function, _, operation) in Operations(document))
        {
            var responses = operation["responses"]!.AsObject();
            if (function.Surface == Surface.Admin)
            {
                // HTTP 200 for every outcome; the envelope's fields are in the schema, the failure codes in the description.
                var ok = Assert.Single(responses);
                Assert.Equal("200", ok.Key);
                Assert.Contains("100002", (string?)ok.Value!["description"], StringComparison.Ordinal);
                if (function.Name != "UnknownCommand")
                {
                    var schema = Resolve(schemas, ok.Value["content"]!["application/json"]!["schema"]!);
                    Assert.Superset(new HashSet<string> { "ActionStatus", "ErrorCode", "ErrorInfo", "RequestId" }, schema["properties"]!.AsObject().Select(p => p.Key).ToHashSet());
                }
            }
            else
            {
                foreach (var status in new[] { "400", "401", "403", "404", "413", "429", "503" })
                {
                    var error = responses[status]?["content"]?["application/json"]?["schema"];
                    Assert.True(error is not null, $"{function.Name} does not document {status}");
                    Assert.Equal(["errcode", "error"], error["required"]!.AsArray().Select(r => (string)r!).Order(StringComparer.Ordinal));
                }
            }
        }
    }

    /// <summary>
    /// Every limit the document states (maxBytes, minimum/maximum, minItems/maxItems) of every request body is the one
    /// the body reader enforces: a value at the limit is read, one past it is refused naming the field.
    /// </summary>
    [Fact]
    public async Task DocumentedLimitsAreTheLimitsTheBodyReaderEnforces()
    {
        var document = await DocumentAsync();
        var schemas = document["components"]!["schemas"]!.AsObject();
        var checkedLimits = 0;
        foreach (var function in FunctionTable.Http.Where(f => f.RequestBody is not null))
        {
            var wire = function.Surface == Surface.Admin ? Wire.Tencent : Wire.Matrix;
            FieldErrors errors = function.Surface == Surface.Admin ? TencentFieldErrors.Instance : MatrixFieldErrors.Instance;
            var info = wire.GetTypeInfo(function.RequestBody!);
            if (info.Kind != JsonTypeInfoKind.Object)
            {
                continue;
            }

            var schema = Resolve(schemas, schemas[info.Type.Name]!);
            foreach (var (path, limits) in DocumentedLimits(schemas, schema, string.Empty))
            {
                foreach (var (atLimit, pastLimit) in limits)
                {
                    var accepted = Valid(schemas, schema).AsObject();
                    Set(accepted, path, atLimit);
                    Bind(function.RequestBody!, accepted, errors, wire);

                    var refused = Valid(schemas, schema).AsObject();
                    Set(refused, path, pastLimit);
                    var failure = Assert.ThrowsAny<Exception>(() => Bind(function.RequestBody!, refused, errors, wire));
                    Assert.Contains(path.Split('.')[^1], failure.Message, StringComparison.Ordinal);
                    checkedLimits++;
                }
            }
        }

        // Reasons, room IDs, names, custom info, counts, durations, account lists: a few dozen limits in all.
        Assert.True(checkedLimits > 20, $"only {checkedLimits} documented limits were found");
    }

    [Fact]
    public async Task TheDocumentedReasonLimitHoldsOverHttp()
    {
        var document = await DocumentAsync();
        var limit = (int)document["components"]!["schemas"]!["TargetedMembershipBody"]!["properties"]!["reason"]!["x-maxBytes"]!;
        var owner = await service.NewUserAsync("owner");
        var room = await service.CreateRoomAsync(owner);
        var target = await service.NewUserAsync("target");

        var atLimit = await service.PostAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/ban", owner, new JsonObject { ["user_id"] = target.UserId, ["reason"] = new string('r', limit) });
        Assert.Equal(200, atLimit.Status);
        var pastLimit = await service.PostAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/unban", owner, new JsonObject { ["user_id"] = target.UserId, ["reason"] = new string('r', limit + 1) });
        Assert.Equal(413, pastLimit.Status);
        Assert.Equal("M_TOO_LARGE", (string?)pastLimit.Body?["errcode"]);
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

    /// <summary>Binds the body as the reader does, from JSON text (as it arrives).</summary>
    private static void Bind(Type type, JsonObject body, FieldErrors errors, JsonSerializerOptions wire) =>
        typeof(JsonBodyReader).GetMethod(nameof(JsonBodyReader.Bind))!.MakeGenericMethod(type).InvokeUnwrapped(JsonNode.Parse(body.ToJsonString())!.AsObject(), errors, wire);

    /// <summary>Each documented limit of the schema's properties as (value at the limit, value one past it), by property path.</summary>
    private static IEnumerable<(string Path, List<(JsonNode At, JsonNode Past)> Limits)> DocumentedLimits(JsonObject schemas, JsonNode schema, string prefix)
    {
        foreach (var (name, property) in schema["properties"]?.AsObject() ?? [])
        {
            var resolved = Resolve(schemas, property!);
            var limits = new List<(JsonNode, JsonNode)>();
            if (resolved["x-maxBytes"] is { } maxBytes)
            {
                limits.Add((new string('b', (int)maxBytes), new string('b', (int)maxBytes + 1)));
            }

            if (resolved["maximum"] is { } maximum)
            {
                limits.Add(((long)maximum, (long)maximum + 1));
            }

            if (resolved["minimum"] is { } minimum)
            {
                limits.Add(((long)minimum, (long)minimum - 1));
            }

            if (resolved["maxItems"] is { } maxItems)
            {
                limits.Add((Items(schemas, resolved, (int)maxItems), Items(schemas, resolved, (int)maxItems + 1)));
            }

            if (resolved["minItems"] is { } minItems && (int)minItems > 0)
            {
                limits.Add((Items(schemas, resolved, (int)minItems), Items(schemas, resolved, (int)minItems - 1)));
            }

            if (limits.Count > 0)
            {
                yield return (prefix + name, limits);
            }

            if (resolved["properties"] is not null)
            {
                foreach (var nested in DocumentedLimits(schemas, resolved, prefix + name + "."))
                {
                    yield return nested;
                }
            }
        }
    }

    /// <summary>A value the schema accepts: objects with their required properties, the smallest number and array allowed.</summary>
    private static JsonNode Valid(JsonObject schemas, JsonNode schema)
    {
        var resolved = Resolve(schemas, schema);
        var type = resolved["type"] is JsonArray types ? types.Select(t => (string?)t).First(t => t != "null") : (string?)resolved["type"];
        return type switch
        {
            "object" => new JsonObject([.. (resolved["required"]?.AsArray() ?? []).Select(r => KeyValuePair.Create((string)r!, (JsonNode?)Valid(schemas, resolved["properties"]![(string)r!]!)))]),
            "array" => Items(schemas, resolved, Math.Max(1, (int?)resolved["minItems"] ?? 1)),
            "integer" => (long?)resolved["minimum"] ?? 1000,
            "boolean" => true,
            _ => "x",
        };
    }

    /// <summary><paramref name="count"/> valid items of an array schema.</summary>
    private static JsonArray Items(JsonObject schemas, JsonNode arraySchema, int count) =>
        new([.. Enumerable.Range(0, count).Select(i => Valid(schemas, arraySchema["items"]!) is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.String ? JsonValue.Create($"item{i}") : Valid(schemas, arraySchema["items"]!))]);

    private static void Set(JsonObject body, string path, JsonNode value)
    {
        var names = path.Split('.');
        var target = body;
        foreach (var name in names[..^1])
        {
            target = target[name] as JsonObject ?? (JsonObject)(target[name] = new JsonObject());
        }

        target[names[^1]] = value;
    }

    private static JsonNode Resolve(JsonObject schemas, JsonNode schema) =>
        (string?)schema["$ref"] is { } reference ? schemas[reference.Split('/')[^1]]! : schema;

    /// <summary>(function, method, operation) of every documented operation, found by the function's operation ID.</summary>
    private static IEnumerable<(HttpFunction Function, string Method, JsonObject Operation)> Operations(JsonNode document)
    {
        var byId = document["paths"]!.AsObject()
            .SelectMany(p => p.Value!.AsObject().Select(o => (Id: (string)o.Value!["operationId"]!, Method: o.Key, Operation: o.Value!.AsObject())))
            .ToList();
        foreach (var function in FunctionTable.Http)
        {
            var found = byId.Where(o => o.Id == function.Name).ToList();
            Assert.True(found.Count > 0, $"{function.Name} is not in the document");
            foreach (var (_, method, operation) in found)
            {
                yield return (function, method, operation);
            }
        }
    }

    [GeneratedRegex("""(src|href)\s*=\s*["']?(https?:)?//""", RegexOptions.IgnoreCase)]
    private static partial Regex ExternalAsset();

    private async Task<JsonNode> DocumentAsync() => JsonNode.Parse(await service.Http.GetStringAsync("/openapi/v1.json"))!;
}

/// <summary>Reflection calls that rethrow what the method threw, not the TargetInvocationException around it.</summary>
internal static class ReflectionCalls
{
    public static object? InvokeUnwrapped(this System.Reflection.MethodInfo method, params object?[] arguments)
    {
        try
        {
            return method.Invoke(null, arguments);
        }
        catch (System.Reflection.TargetInvocationException ex) when (ex.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex.InnerException).Throw();
            throw;
        }
    }
}
