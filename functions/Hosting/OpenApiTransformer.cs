using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.OpenApi;

namespace Membership.Functions.Hosting;

/// <summary>
/// Builds the OpenAPI 3.1 document. Every endpoint is a <see cref="RequestDelegate"/>, which the OpenAPI generator skips, so
/// this document transformer walks the mapped endpoints itself: one operation per endpoint and method (CORS preflights
/// left out), described by <see cref="OpenApiCatalog"/> under the endpoint's name, tagged and secured by its surface.
/// </summary>
internal sealed class OpenApiTransformer : IOpenApiDocumentTransformer
{
    public const string DocumentName = "v1";

    public const string ClientTag = "Matrix client-server";
    public const string FederationTag = "Matrix federation";
    public const string AdminTag = "Admin (Tencent style)";
    public const string ServiceTag = "Service";

    public const string BearerScheme = "MatrixAccessToken";
    public const string AccessTokenQueryScheme = "MatrixAccessTokenQuery";
    public const string SdkAppIdScheme = "TencentSdkAppId";
    public const string IdentifierScheme = "TencentIdentifier";
    public const string UserSigScheme = "TencentUserSig";
    public const string XMatrixScheme = "XMatrix";

    private static readonly string[] BodylessMethods = ["GET", "HEAD", "DELETE"];

    private static readonly Dictionary<string, string> PathParameters = new(StringComparer.Ordinal)
    {
        ["version"] = "Client-server API version: v3 (current) or r0 (older clients).",
        ["roomId"] = "A room ID, URL-encoded: !team-sync:localhost is %21team-sync%3Alocalhost.",
        ["roomIdOrAlias"] = "A room ID or alias (#lobby:localhost is %23lobby%3Alocalhost), URL-encoded.",
        ["eventType"] = "The state event type: m.room.member, m.room.power_levels or m.room.join_rules.",
        ["stateKey"] = "The state key: a user ID for m.room.member; empty for the other two (…/state/m.room.join_rules or …/state/m.room.join_rules/).",
        ["eventId"] = "The invite's event ID, URL-encoded.",
        ["action"] = "The membership action.",
        ["service"] = "Any admin service.",
        ["command"] = "Any command of it.",
    };

    public Task TransformAsync(Microsoft.OpenApi.OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(context);
        document.Info = new OpenApiInfo
        {
            Title = "Room membership service",
            Version = DocumentName,
            Description = Overview,
        };

        // Relative to wherever the document was fetched from: Kestrel locally, the Functions app's host name in Azure.
        document.Servers = [];
        document.Components ??= new OpenApiComponents();
        document.Components.Schemas = OpenApiSchemas.Components();
        document.Components.SecuritySchemes = SecuritySchemes();
        document.Tags = new HashSet<OpenApiTag>
        {
            new() { Name = ClientTag, Description = "Membership for Matrix clients (/_matrix/client). Access token as Authorization: Bearer. Errors {errcode, error}. Every route also answers the CORS preflight (OPTIONS, 204)." },
            new() { Name = FederationTag, Description = "Server-server invites (/_matrix/federation) and this server's keys (/_matrix/key). Requests signed with X-Matrix." },
            new() { Name = AdminTag, Description = "Tencent Room Engine-style admin REST (/v4). UserSig in the query string; every outcome is HTTP 200 with the Tencent envelope." },
            new() { Name = ServiceTag, Description = "This documentation, and the Functions host's timer invocation." },
        };

        var schemas = new OpenApiSchemas(document);
        var catalog = OpenApiCatalog.Build(schemas);
        document.Paths = [];
        var endpoints = context.ApplicationServices.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>();
        foreach (var endpoint in endpoints.OrderBy(e => e.RoutePattern.RawText, StringComparer.Ordinal))
        {
            var methods = (endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [])
                .Where(m => !HttpMethods.IsOptions(m))
                .ToList();
            if (methods.Count == 0)
            {
                continue;
            }

            var name = endpoint.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName ?? endpoint.DisplayName ?? endpoint.RoutePattern.RawText!;
            var path = PathOf(endpoint.RoutePattern);
            if (!document.Paths.TryGetValue(path, out var item))
            {
                item = new OpenApiPathItem { Parameters = [.. endpoint.RoutePattern.Parameters.Select(PathParameter)] };
                document.Paths[path] = item;
            }

            var doc = catalog.GetValueOrDefault(name);
            foreach (var method in methods)
            {
                ((OpenApiPathItem)item).AddOperation(new HttpMethod(method), Operation(document, name, methods.Count > 1 ? $"{name}_{method.ToLowerInvariant()}" : name, method, doc));
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>The OpenAPI path of a route: constraints and the optional marker dropped (<c>{version:regex(...)}</c> is <c>{version}</c>).</summary>
    public static string PathOf(RoutePattern pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        return "/" + string.Join('/', pattern.PathSegments.Select(segment => string.Concat(segment.Parts.Select(part => part switch
        {
            RoutePatternParameterPart parameter => "{" + parameter.Name + "}",
            RoutePatternLiteralPart literal => literal.Content,
            RoutePatternSeparatorPart separator => separator.Content,
            _ => string.Empty,
        }))));
    }

    private static OpenApiParameter PathParameter(RoutePatternParameterPart parameter)
    {
        var values = parameter.ParameterPolicies.Select(p => AlternativesOf(p.Content)).FirstOrDefault(v => v is not null);
        return new OpenApiParameter
        {
            Name = parameter.Name,
            In = ParameterLocation.Path,
            Required = true,
            Description = PathParameters.GetValueOrDefault(parameter.Name, parameter.Name),
            Schema = values is null
                ? new OpenApiSchema { Type = JsonSchemaType.String }
                : OpenApiSchemas.Enum(PathParameters.GetValueOrDefault(parameter.Name, parameter.Name), values),
        };
    }

    /// <summary>The values of a <c>regex(^(a|b|c)$)</c> route constraint, else null.</summary>
    private static string[]? AlternativesOf(string? constraint)
    {
        const string Prefix = "regex(^(";
        const string Suffix = ")$)";
        return constraint is not null && constraint.StartsWith(Prefix, StringComparison.Ordinal) && constraint.EndsWith(Suffix, StringComparison.Ordinal)
            ? constraint[Prefix.Length..^Suffix.Length].Split('|')
            : null;
    }

    private static OpenApiOperation Operation(Microsoft.OpenApi.OpenApiDocument document, string name, string operationId, string method, ApiDoc? doc)
    {
        if (doc is null)
        {
            // Not in the catalog: listed, bare, so the gap is visible (and the OpenAPI test fails until it is described).
            return new OpenApiOperation { OperationId = operationId, Summary = name, Responses = [] };
        }

        var operation = new OpenApiOperation
        {
            OperationId = operationId,
            Summary = doc.Summary,
            Description = doc.Description,
            Tags = new HashSet<OpenApiTagReference> { new(TagOf(doc.Surface), document) },
            Parameters = [.. doc.Surface == ApiSurface.Admin ? AdminParameters() : [], .. doc.Query],
            Security = doc.Public || doc.Surface == ApiSurface.Service ? [] : SecurityOf(doc.Surface, document),
            Responses = [],
        };

        if (doc.Body is not null && !BodylessMethods.Contains(method, StringComparer.OrdinalIgnoreCase))
        {
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = doc.BodyRequired,
                Content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal)
                {
                    ["application/json"] = new() { Schema = doc.Body, Examples = Examples(("example", "Example", doc.BodyExample)) },
                },
            };
        }

        operation.Responses["200"] = new OpenApiResponse
        {
            Description = doc.Surface == ApiSurface.Admin ? AdminResponseDescription(doc) : doc.ResponseDescription,
            Content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal)
            {
                [doc.ResponseType] = new() { Schema = doc.Response, Examples = doc.Surface == ApiSurface.Admin ? AdminExamples(doc) : Examples(("ok", "Success", doc.ResponseExample)) },
            },
        };

        // Client writes are rate-limited per access token (functions/Client/ClientRateLimiter.cs).
        IEnumerable<ApiError> errors = doc.Errors;
        if (doc.Surface == ApiSurface.Client && !doc.Public && (HttpMethods.IsPost(method) || HttpMethods.IsPut(method)))
        {
            errors = errors.Append(OpenApiCatalog.RateLimited);
        }

        foreach (var group in errors.GroupBy(e => e.Status).OrderBy(g => g.Key))
        {
            var errcodes = group.SelectMany(e => e.Errcodes).Distinct(StringComparer.Ordinal).ToList();
            operation.Responses[group.Key.ToString(CultureInfo.InvariantCulture)] = new OpenApiResponse
            {
                Description = string.Join(" ", group.Select(e => e.Description)) + (errcodes.Count > 0 ? $" ({string.Join(", ", errcodes)})" : string.Empty),
                Headers = group.Key == StatusCodes.Status429TooManyRequests
                    ? new Dictionary<string, IOpenApiHeader>(StringComparer.Ordinal) { ["Retry-After"] = new OpenApiHeader { Description = "Seconds to wait.", Schema = OpenApiSchemas.Int("Seconds.", 1) } }
                    : null,
                Content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal)
                {
                    ["application/json"] = errcodes.Count == 0
                        ? new() { Schema = doc.Response }
                        : new()
                        {
                            Schema = new OpenApiSchemaReference(OpenApiSchemas.MatrixError, document),
                            Examples = Examples([.. errcodes.Select(code => (code, code, (JsonNode?)new JsonObject
                            {
                                ["errcode"] = code,
                                ["error"] = OpenApiCatalog.ErrcodeExamples.GetValueOrDefault(code, code),
                            }))]),
                        },
                },
            };
        }

        return operation;
    }

    private static string TagOf(ApiSurface surface) => surface switch
    {
        ApiSurface.Client => ClientTag,
        ApiSurface.Federation => FederationTag,
        ApiSurface.Admin => AdminTag,
        _ => ServiceTag,
    };

    private static List<OpenApiSecurityRequirement> SecurityOf(ApiSurface surface, Microsoft.OpenApi.OpenApiDocument document) => surface switch
    {
        // Either credential; never both (that is a 401).
        ApiSurface.Client =>
        [
            new() { [new OpenApiSecuritySchemeReference(BearerScheme, document)] = [] },
            new() { [new OpenApiSecuritySchemeReference(AccessTokenQueryScheme, document)] = [] },
        ],
        ApiSurface.Federation => [new() { [new OpenApiSecuritySchemeReference(XMatrixScheme, document)] = [] }],

        // All three together: the UserSig is verified against the App's key for that sdkappid and identifier.
        _ =>
        [
            new()
            {
                [new OpenApiSecuritySchemeReference(SdkAppIdScheme, document)] = [],
                [new OpenApiSecuritySchemeReference(IdentifierScheme, document)] = [],
                [new OpenApiSecuritySchemeReference(UserSigScheme, document)] = [],
            },
        ],
    };

    /// <summary>The two admin query parameters that are not credentials.</summary>
    private static OpenApiParameter[] AdminParameters() =>
    [
        new() { Name = "random", In = ParameterLocation.Query, Required = true, Description = "A 32-bit unsigned integer of the caller's choosing.", Schema = OpenApiSchemas.Int("Random number.", 0, uint.MaxValue, 99999999) },
        new() { Name = "contenttype", In = ParameterLocation.Query, Required = true, Description = "Always json.", Schema = OpenApiSchemas.Enum("Body format.", "json") },
    ];

    private static string AdminResponseDescription(ApiDoc doc) =>
        "Always HTTP 200; ErrorCode is the outcome: 0 success"
        + string.Concat(doc.Codes.Select(c => $"; {c.Code.ToString(CultureInfo.InvariantCulture)} {c.Meaning}"))
        + ", or one of the codes every admin call may answer (see TencentEnvelope).";

    private static Dictionary<string, IOpenApiExample> AdminExamples(ApiDoc doc) => Examples(
    [
        ("ok", "Success", doc.ResponseExample),
        .. doc.Codes.Select(c => (c.Code.ToString(CultureInfo.InvariantCulture), $"ErrorCode {c.Code.ToString(CultureInfo.InvariantCulture)}", (JsonNode?)new JsonObject
        {
            ["ActionStatus"] = "FAIL",
            ["ErrorCode"] = c.Code,
            ["ErrorInfo"] = c.Meaning,
            ["RequestId"] = "Id-4f1c2d8e9a0b4c7d8e9f0a1b2c3d4e5f-O-Seq-43",
        })),
        ("70003", "The UserSig does not verify", new JsonObject
        {
            ["ActionStatus"] = "FAIL",
            ["ErrorCode"] = 70003,
            ["ErrorInfo"] = "UserSig verification failed: BadSignature",
            ["RequestId"] = "Id-4f1c2d8e9a0b4c7d8e9f0a1b2c3d4e5f-O-Seq-44",
        }),
    ]);

    private static Dictionary<string, IOpenApiExample> Examples(params (string Key, string Summary, JsonNode? Value)[] examples) =>
        examples.Where(e => e.Value is not null).ToDictionary(e => e.Key, e => (IOpenApiExample)new OpenApiExample { Summary = e.Summary, Value = e.Value!.DeepClone() }, StringComparer.Ordinal);

    private static Dictionary<string, IOpenApiSecurityScheme> SecuritySchemes() => new(StringComparer.Ordinal)
    {
        [BearerScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "A Matrix access token (issue one with POST /v4/membership_admin/issue_token) as Authorization: Bearer <token>.",
        },
        [AccessTokenQueryScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Query,
            Name = "access_token",
            Description = "Deprecated by the spec: the access token as a query parameter. Not together with the header.",
        },
        [SdkAppIdScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Query,
            Name = "sdkappid",
            Description = "The App's SDKAppID (Membership:Tencent:SdkAppId). Sent with identifier and usersig, plus random and contenttype=json.",
        },
        [IdentifierScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Query,
            Name = "identifier",
            Description = "An App administrator (Membership:Tencent:Admins); changes are Matrix events sent by @{identifier}:{server}.",
        },
        [UserSigScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Query,
            Name = "usersig",
            Description = "A TLSSigAPIv2 UserSig for that identifier and SDKAppID, made with the App's secret key (Tencent's tls-sig-api-v2 packages, "
                + "or Membership.Protocols.UserSig.Generate).",
        },
        [XMatrixScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = "Authorization",
            Description = "X-Matrix origin=\"remote.example\",destination=\"this server\",key=\"ed25519:a1\",sig=\"...\": the origin's ed25519 signature over "
                + "{method, uri (the raw request target), origin, destination, content}, verified with the origin's current key from /_matrix/key/v2/server.",
        },
    };

    private const string Overview = """
        Room membership over one Azure Table Storage store, through three surfaces:

        - **Matrix client-server** (`/_matrix/client/v3`, `r0`, and `api/v1` for the oldest membership paths): join, invite, kick, ban, unban, leave, forget, knock, members, joined members, joined rooms, membership state and createRoom. Access token as `Authorization: Bearer`. Errors are `{"errcode","error"}` with a status from one table.
        - **Matrix federation**: invites both ways (`PUT /_matrix/federation/v1|v2/invite/{roomId}/{eventId}`, X-Matrix signed) and this server's keys.
        - **Admin, Tencent Room Engine style** (`POST /v4/{service}/{command}`): UserSig-authenticated with `sdkappid`, `identifier`, `usersig`, `random` and `contenttype=json` in the query string; every outcome is HTTP 200 with `{"ActionStatus","ErrorCode","ErrorInfo","RequestId"}`.

        Repeating a change exactly (same sender, membership and content) answers success and writes nothing, so a request whose answer was lost can be retried. Storage faults answer 503 `M_UNKNOWN` (admin: 100001) and write nothing.
        """;
}
