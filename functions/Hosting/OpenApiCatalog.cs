using System.Text.Json.Nodes;
using Microsoft.OpenApi;

namespace Membership.Functions.Hosting;

/// <summary>Which surface an endpoint belongs to: its tag, its authentication and its error envelope.</summary>
internal enum ApiSurface
{
    /// <summary>Matrix client-server: Bearer access token, <c>{errcode, error}</c> errors.</summary>
    Client,

    /// <summary>Matrix federation: X-Matrix request signatures, <c>{errcode, error}</c> errors.</summary>
    Federation,

    /// <summary>Tencent-style admin: UserSig query parameters, HTTP 200 with the Tencent envelope.</summary>
    Admin,

    /// <summary>The service's own endpoints: the documentation and the Functions host's timer.</summary>
    Service,
}

/// <summary>A Matrix error answer: a status and the errcodes that come with it.</summary>
internal sealed record ApiError(int Status, string Description, params string[] Errcodes);

/// <summary>A Tencent error code a command may answer beyond those of every admin call.</summary>
internal readonly record struct ApiCode(int Code, string Meaning);

/// <summary>What the OpenAPI document says about one endpoint (one function); <see cref="OpenApiCatalog"/> holds them by function name.</summary>
internal sealed record ApiDoc(ApiSurface Surface, string Summary)
{
    public string? Description { get; init; }

    /// <summary>No authentication at all (keys, versions, the documentation).</summary>
    public bool Public { get; init; }

    public IOpenApiSchema? Body { get; init; }

    /// <summary>False where an empty body means <c>{}</c> (join, leave).</summary>
    public bool BodyRequired { get; init; } = true;

    public JsonNode? BodyExample { get; init; }

    public IOpenApiSchema? Response { get; init; }

    public JsonNode? ResponseExample { get; init; }

    public string ResponseDescription { get; init; } = "Success.";

    public string ResponseType { get; init; } = "application/json";

    public IReadOnlyList<OpenApiParameter> Query { get; init; } = [];

    /// <summary>Client, federation and service endpoints: the error statuses.</summary>
    public IReadOnlyList<ApiError> Errors { get; init; } = [];

    /// <summary>Admin commands: the codes of this command (those of every admin call are on the envelope schema).</summary>
    public IReadOnlyList<ApiCode> Codes { get; init; } = [];
}

/// <summary>
/// The documentation of every endpoint, keyed by function name (the endpoint name each surface's <c>Map</c> gives it, which
/// is also its function folder). An endpoint missing here still appears in the document, bare, and the OpenAPI test fails.
/// </summary>
internal static partial class OpenApiCatalog
{
    /// <summary>Example messages of the errcodes, for the error examples.</summary>
    public static readonly IReadOnlyDictionary<string, string> ErrcodeExamples = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["M_MISSING_TOKEN"] = "Missing access token",
        ["M_UNKNOWN_TOKEN"] = "Unrecognised access token",
        ["M_NOT_JSON"] = "Content not JSON.",
        ["M_BAD_JSON"] = "'user_id' must be a string",
        ["M_MISSING_PARAM"] = "Missing params: ['user_id']",
        ["M_INVALID_PARAM"] = "'@bob' is not a valid user ID: it has no server name",
        ["M_FORBIDDEN"] = "@bob:localhost may not kick @alice:localhost: their power level 0 is below the kick level 50",
        ["M_BAD_STATE"] = "@bob:localhost is banned from !team-sync:localhost; only unban or ban can change that",
        ["M_NOT_FOUND"] = "Room !team-sync:localhost is not known to this server",
        ["M_TOO_LARGE"] = "Request body is larger than 65536 bytes",
        ["M_UNKNOWN"] = "Storage is unavailable; try again",
        ["M_ROOM_IN_USE"] = "Room alias #lobby:localhost is already in use",
        ["M_UNSUPPORTED_ROOM_VERSION"] = "Room version '9' is not supported; this server creates rooms of versions 10 and 11",
        ["M_INCOMPATIBLE_ROOM_VERSION"] = "Room version '42' is not supported by this server",
        ["M_UNAUTHORIZED"] = "Missing Authorization: X-Matrix header; federation requests must be signed by their origin",
        ["M_UNRECOGNIZED"] = "Unrecognized request",
        ["M_LIMIT_EXCEEDED"] = "Too many requests; retry in 1 s",
    };

    private static readonly ApiError Unauthenticated = new(401, "No access token, more than one, or one this server does not know.", "M_MISSING_TOKEN", "M_UNKNOWN_TOKEN");

    private static readonly ApiError BadRequest = new(400, "The body is not JSON, a field has the wrong type, is missing or is not a valid identifier.", "M_NOT_JSON", "M_BAD_JSON", "M_MISSING_PARAM", "M_INVALID_PARAM");

    private static readonly ApiError BadQuery = new(400, "A query parameter is not valid.", "M_INVALID_PARAM");

    private static readonly ApiError Refused = new(403, "The rules refuse the change: M_FORBIDDEN says who may not do what and why; M_BAD_STATE is a change to a banned user other than ban or unban, or an unban of someone not banned.", "M_FORBIDDEN", "M_BAD_STATE");

    private static readonly ApiError NotMember = new(403, "The caller is not in the room and never was (or has forgotten it).", "M_FORBIDDEN");

    private static readonly ApiError UnknownRoom = new(404, "The room is not known to this server (or was destroyed).", "M_NOT_FOUND");

    private static readonly ApiError TooLarge = new(413, "The body is larger than 64 KiB.", "M_TOO_LARGE");

    /// <summary>Client writes (POST, PUT) over the per-token budget; the transformer adds it to every such operation.</summary>
    public static readonly ApiError RateLimited = new(429, "Too many writes with this access token; wait Retry-After seconds (also retry_after_ms).", "M_LIMIT_EXCEEDED");

    private static readonly ApiError StorageDown = new(503, "Storage is unavailable; nothing was written, so retrying is safe.", "M_UNKNOWN");

    /// <summary>Every endpoint's documentation by function name.</summary>
    public static Dictionary<string, ApiDoc> Build(OpenApiSchemas s)
    {
        var docs = new Dictionary<string, ApiDoc>(StringComparer.Ordinal);
        AddClient(docs, s);
        AddFederation(docs, s);
        AddAdmin(docs, s);
        AddRoomEngine(docs, s);
        AddRoomConfig(docs, s);
        AddService(docs);
        return docs;
    }

    private static JsonNode Json(string json) => JsonNode.Parse(json)!;

    private static OpenApiParameter Query(string name, string description, IOpenApiSchema schema, bool required = false) => new()
    {
        Name = name,
        In = ParameterLocation.Query,
        Description = description,
        Required = required,
        Schema = schema,
    };
}
