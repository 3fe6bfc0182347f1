using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.OpenApi;

namespace Membership.Functions.Hosting;

/// <summary>A property of a hand-written object schema.</summary>
internal readonly record struct Property(string Name, IOpenApiSchema Schema, bool Required);

/// <summary>
/// Constructors for the hand-written JSON schemas of the OpenAPI document, and the shared schemas under
/// <c>components/schemas</c>. The handlers are <see cref="RequestDelegate"/>s over <see cref="JsonNode"/>, so no CLR
/// type describes a body and the generator has nothing to reflect on: every schema is written here, as data (no
/// reflection, so the Native AOT build stays warning-free).
/// </summary>
internal sealed class OpenApiSchemas(Microsoft.OpenApi.OpenApiDocument document)
{
    public const string MatrixError = "MatrixError";
    public const string UserId = "UserId";
    public const string RoomId = "RoomId";
    public const string MemberContent = "MemberContent";
    public const string PowerLevelsContent = "PowerLevelsContent";
    public const string JoinRulesContent = "JoinRulesContent";
    public const string MemberEvent = "MemberEvent";
    public const string Pdu = "PersistentDataUnit";
    public const string StrippedState = "StrippedStateEvent";
    public const string ServerKeys = "ServerKeys";
    public const string TencentEnvelope = "TencentEnvelope";
    public const string Account = "Account";
    public const string RoomEngineRoomId = "RoomEngineRoomId";

    /// <summary>A reference to a schema under <c>components/schemas</c>.</summary>
    public IOpenApiSchema Ref(string id) => new OpenApiSchemaReference(id, document);

    public static Property Req(string name, IOpenApiSchema schema) => new(name, schema, true);

    public static Property Opt(string name, IOpenApiSchema schema) => new(name, schema, false);

    public static OpenApiSchema Str(string description, string? example = null, int? maxLength = null, string? pattern = null) => new()
    {
        Type = JsonSchemaType.String,
        Description = description,
        Examples = example is null ? null : [JsonValue.Create(example)],
        MaxLength = maxLength,
        Pattern = pattern,
    };

    /// <summary>A string with a closed set of values.</summary>
    public static OpenApiSchema Enum(string description, params string[] values) => new()
    {
        Type = JsonSchemaType.String,
        Description = description,
        Enum = [.. values.Select(v => (JsonNode)JsonValue.Create(v))],
    };

    public static OpenApiSchema Int(string description, long? minimum = null, long? maximum = null, long? example = null) => new()
    {
        Type = JsonSchemaType.Integer,
        Format = "int64",
        Description = description,
        Minimum = minimum?.ToString(CultureInfo.InvariantCulture),
        Maximum = maximum?.ToString(CultureInfo.InvariantCulture),
        Examples = example is null ? null : [JsonValue.Create(example.Value)],
    };

    public static OpenApiSchema Bool(string description) => new() { Type = JsonSchemaType.Boolean, Description = description };

    public static OpenApiSchema Array(IOpenApiSchema items, string description, int? minItems = null, int? maxItems = null) => new()
    {
        Type = JsonSchemaType.Array,
        Description = description,
        Items = items,
        MinItems = minItems,
        MaxItems = maxItems,
    };

    /// <summary>An object whose keys are free (user IDs, key IDs) and whose values follow <paramref name="values"/>.</summary>
    public static OpenApiSchema Map(IOpenApiSchema values, string description) => new()
    {
        Type = JsonSchemaType.Object,
        Description = description,
        AdditionalProperties = values,
    };

    /// <summary>Any JSON object.</summary>
    public static OpenApiSchema AnyObject(string description) => new() { Type = JsonSchemaType.Object, Description = description };

    /// <summary>An object with the given properties; others are allowed unless <paramref name="closed"/>.</summary>
    public static OpenApiSchema Object(string description, params Property[] properties) => Object(description, false, properties);

    public static OpenApiSchema Object(string description, bool closed, params Property[] properties)
    {
        var schema = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = description,
            Properties = properties.ToDictionary(p => p.Name, p => p.Schema, StringComparer.Ordinal),
        };
        if (properties.Any(p => p.Required))
        {
            schema.Required = properties.Where(p => p.Required).Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        }

        if (closed)
        {
            schema.AdditionalPropertiesAllowed = false;
        }

        return schema;
    }

    /// <summary>An admin answer: the Tencent envelope plus the command's own fields.</summary>
    public IOpenApiSchema Envelope(string description, params Property[] fields) => fields.Length == 0
        ? Ref(TencentEnvelope)
        : new OpenApiSchema { Description = description, AllOf = [Ref(TencentEnvelope), Object("The command's own fields.", fields)] };

    /// <summary>The schemas several operations share, under <c>components/schemas</c>.</summary>
    public static Dictionary<string, IOpenApiSchema> Components() => new(StringComparer.Ordinal)
    {
        [MatrixError] = Object(
            "The error body of the Matrix surfaces; the HTTP status comes from one errcode-to-status table.",
            Req("errcode", Str("Machine-readable code.", "M_FORBIDDEN")),
            Req("error", Str("Human-readable reason: who may not do what and why.", "@bob:localhost may not kick @alice:localhost: their power level 0 is below the kick level 50")),
            Opt("retry_after_ms", Int("With 429 M_LIMIT_EXCEEDED: milliseconds to wait (also in the Retry-After header).", 0))),
        [UserId] = Str("A Matrix user ID, @localpart:server.", "@alice:localhost", 255, "^@[^:]+:.+$"),
        [RoomId] = Str("A Matrix room ID, !opaque:server. URL-encode it in paths (! is %21, : is %3A).", "!team-sync:localhost", 255, "^![^:]+:.+$"),
        [MemberContent] = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "Content of an m.room.member event. Keys other than these are kept as given.",
            Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
            {
                ["membership"] = Enum("The membership.", "join", "invite", "knock", "leave", "ban"),
                ["reason"] = Str("Why (kick, ban, leave, knock, invite); at most 1000 bytes.", "off topic", 1000),
                ["displayname"] = Str("Display name the member chose.", "Alice"),
                ["avatar_url"] = Str("mxc:// URI of the member's avatar."),
                ["is_direct"] = Bool("Marks an invite to a direct chat."),
            },
            Required = new HashSet<string>(StringComparer.Ordinal) { "membership" },
        },
        [PowerLevelsContent] = Object(
            "Content of m.room.power_levels. Levels are integers; absent keys take the spec's defaults.",
            Opt("users", Map(Int("Power level."), "Power level per user ID.")),
            Opt("users_default", Int("Level of users not listed.", example: 0)),
            Opt("events", Map(Int("Power level."), "Level needed to send each event type.")),
            Opt("events_default", Int("Level needed for other message events.", example: 0)),
            Opt("state_default", Int("Level needed for other state events.", example: 50)),
            Opt("invite", Int("Level needed to invite.", example: 0)),
            Opt("kick", Int("Level needed to kick.", example: 50)),
            Opt("ban", Int("Level needed to ban and unban.", example: 50)),
            Opt("redact", Int("Level needed to redact others' events.", example: 50))),
        [JoinRulesContent] = Object(
            "Content of m.room.join_rules.",
            Req("join_rule", Enum("Who may join without an invite.", "public", "invite", "knock", "private"))),
        [MemberEvent] = Object(
            "An m.room.member state event as clients see it.",
            Req("type", Enum("Always m.room.member.", "m.room.member")),
            Req("state_key", Str("The member's user ID.", "@alice:localhost")),
            Req("sender", Str("Who made the change.", "@alice:localhost")),
            Req("content", new OpenApiSchemaReference(MemberContent)),
            Req("event_id", Str("The event's ID (its reference hash).", "$Wr7pK0n1dYQm3hJ0bq2cG8Xv4sT9uF6aZ1eL5oN8iRk")),
            Req("origin_server_ts", Int("When it was sent, milliseconds since the Unix epoch.")),
            Req("room_id", Str("The room.", "!team-sync:localhost")),
            Opt("unsigned", AnyObject("Unsigned data; empty here."))),
        [Pdu] = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "A signed Matrix event (PDU) in the format of its room version: event_id is present only in versions 1 and 2; "
                + "from version 3 on the ID is the event's reference hash. Other keys of the room version's format are allowed.",
            Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
            {
                ["room_id"] = Str("The room.", "!abc:remote.example"),
                ["sender"] = Str("The sender, a user of the origin server.", "@carol:remote.example"),
                ["type"] = Str("Event type.", "m.room.member"),
                ["state_key"] = Str("For m.room.member: the invitee.", "@alice:localhost"),
                ["content"] = AnyObject("Event content; for an invite {\"membership\":\"invite\"}."),
                ["origin_server_ts"] = Int("Milliseconds since the Unix epoch."),
                ["depth"] = Int("Depth in the room's event graph."),
                ["auth_events"] = Array(Str("Event ID."), "Events that authorise this one (room version 3 and later: IDs)."),
                ["prev_events"] = Array(Str("Event ID."), "The events this one follows."),
                ["hashes"] = Object("Content hash.", Req("sha256", Str("Unpadded base64 SHA-256 of the content."))),
                ["signatures"] = Map(Map(Str("Unpadded base64 ed25519 signature."), "Signatures by key ID."), "Signatures by server name."),
                ["unsigned"] = AnyObject("Unsigned data; on a v1 invite, invite_room_state holds the stripped state."),
                ["event_id"] = Str("Room versions 1 and 2 only."),
            },
            Required = new HashSet<string>(StringComparer.Ordinal) { "room_id", "sender", "type", "content", "origin_server_ts", "signatures" },
        },
        [StrippedState] = Object(
            "A stripped state event describing the room to the invitee (full PDUs are accepted too).",
            Req("type", Str("Event type.", "m.room.name")),
            Req("state_key", Str("State key.", string.Empty)),
            Req("sender", Str("Sender.", "@carol:remote.example")),
            Req("content", AnyObject("Event content."))),
        [ServerKeys] = Object(
            "A server's published verify keys, signed by the server itself.",
            Req("server_name", Str("The server's name.", "localhost")),
            Req("valid_until_ts", Int("Until when others may cache these keys (ms since the Unix epoch).")),
            Req("verify_keys", Map(Object("A current key.", Req("key", Str("Unpadded base64 ed25519 public key."))), "Current keys by key ID (ed25519:...).")),
            Req("old_verify_keys", Map(
                Object("A retired key.", Req("key", Str("Unpadded base64 ed25519 public key.")), Req("expired_ts", Int("When it stopped being used (ms)."))),
                "Keys used before a rotation, by key ID, so older events stay verifiable.")),
            Req("signatures", Map(Map(Str("Signature."), "By key ID."), "The server's own signature over this object."))),
        [TencentEnvelope] = Object(
            "Every admin answer is HTTP 200 with this envelope; ErrorCode tells the outcome. Codes any command may answer: "
                + "0 success; 60002 malformed request (random not a 32-bit unsigned integer, contenttype not json, not POST); "
                + "60003 body empty, not a JSON object, duplicate key, invalid UTF-8 or over 1 MiB; 60004 identifier missing; "
                + "60006 sdkappid not this App's; 60007 over the call limit of the command (slow down); 60009 unknown command; "
                + "60010 identifier not an App administrator; 60012 sdkappid missing; 70001 UserSig expired; 70002 UserSig empty; "
                + "70003 UserSig does not verify; 70009 not a v2 UserSig; 70013 UserSig made for another identifier; "
                + "70014 UserSig made for another SDKAppID; 100001 storage unavailable, nothing written (retry).",
            Req("ActionStatus", Enum("OK on success, FAIL otherwise.", "OK", "FAIL")),
            Req("ErrorCode", Int("0 on success, else the error code.", example: 0)),
            Req("ErrorInfo", Str("Empty on success, else what went wrong.", string.Empty)),
            Req("RequestId", Str("Unique per request; also in the service's logs and traces.", "Id-4f1c2d8e9a0b4c7d8e9f0a1b2c3d4e5f-O-Seq-42"))),
        [Account] = Str("A Tencent account: the local part of a Matrix user of this server (alice is @alice:{server}); a full @user:server ID is accepted too.", "alice"),
        [RoomEngineRoomId] = Str("A Room Engine RoomId: the opaque part of the Matrix room ID (team-sync is !team-sync:{server}); at most 48 bytes.", "team-sync", 48),
    };
}
