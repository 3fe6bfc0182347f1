using Microsoft.OpenApi;
using static Membership.Functions.Hosting.OpenApiSchemas;

namespace Membership.Functions.Hosting;

/// <summary>The Matrix federation endpoints (functions/Federation/FederationEndpoints.cs).</summary>
internal static partial class OpenApiCatalog
{
    private static void AddFederation(Dictionary<string, ApiDoc> docs, OpenApiSchemas s)
    {
        IReadOnlyList<ApiError> inviteErrors =
        [
            new(400, "Malformed body, the path's room or event ID disagreeing with the event's own, not an m.room.member invite from a user of the origin, "
                + "an invitee who is not a user of this server, or (M_INCOMPATIBLE_ROOM_VERSION, with room_version) a room version this server does not know.",
                "M_NOT_JSON", "M_BAD_JSON", "M_MISSING_PARAM", "M_INVALID_PARAM", "M_INCOMPATIBLE_ROOM_VERSION"),
            new(401, "The X-Matrix header is missing or malformed, addressed to another server, signed with an unknown, retired or unfetchable key, or does not verify.", "M_UNAUTHORIZED"),
            new(403, "The event's signature or content hash does not verify, or the room is one hosted here.", "M_FORBIDDEN"),
            new(413, "The body is larger than 256 KiB.", "M_TOO_LARGE"),
            StorageDown,
        ];
        var signedInvite = Json("""
            {"room_id":"!abc:remote.example","sender":"@carol:remote.example","type":"m.room.member","state_key":"@alice:localhost",
             "content":{"membership":"invite"},"origin_server_ts":1767225600000,"depth":12,
             "auth_events":["$create","$power","$carolJoin"],"prev_events":["$carolJoin"],
             "hashes":{"sha256":"7tq2vJ4p1p6m1Q0GJb8y9R1n3J4kV2sY8c5tE3wX0aA"},
             "signatures":{"remote.example":{"ed25519:a1":"<base64 signature>"},"localhost":{"ed25519:local":"<base64 signature>"}},
             "unsigned":{}}
            """);
        var inviteDescription = " Steps, each refusing with its own error: the X-Matrix signature over the raw request target; the room version; "
            + "the event's room and event ID against the path; an m.room.member invite from a user of the origin; the origin's signature and the content hash; "
            + "an invitee of this server in a room not hosted here. The invite is then co-signed, stored, and answered; the same invite again gets the same answer.";

        docs["ServerKeys"] = new(ApiSurface.Federation, "This server's signing keys")
        {
            Description = "The ed25519 verify key, self-signed; keys retired by a rotation under old_verify_keys.",
            Public = true,
            Response = s.Ref(OpenApiSchemas.ServerKeys),
            ResponseExample = Json("""
                {"server_name":"localhost","valid_until_ts":1767312000000,
                 "verify_keys":{"ed25519:local":{"key":"Noi6WqcDj0QmPxCNQqgezwTlBKrfqehY1u2FyWP9uYw"}},
                 "old_verify_keys":{},
                 "signatures":{"localhost":{"ed25519:local":"<base64 signature>"}}}
                """),
        };

        docs["ServerVersion"] = new(ApiSurface.Federation, "Implementation name and version")
        {
            Public = true,
            Response = Object("The implementation.", Req("server", Object("Name and version.", Req("name", Str("Name.", "membership")), Req("version", Str("Version.", "1.0.0"))))),
            ResponseExample = Json("""{"server":{"name":"membership","version":"1.0.0"}}"""),
        };

        docs["InviteV1"] = new(ApiSurface.Federation, "Receive an invite (v1, room versions 1 and 2)")
        {
            Description = "The body is the invite event itself, its stripped state in unsigned.invite_room_state; read as room version 1. "
                + "Answers [200, {\"event\": ...}], the historical shape the spec froze." + inviteDescription,
            Body = s.Ref(Pdu),
            BodyExample = Json("""
                {"room_id":"!abc:remote.example","sender":"@carol:remote.example","type":"m.room.member","state_key":"@alice:localhost",
                 "event_id":"$1767225600000abc:remote.example","content":{"membership":"invite"},"origin_server_ts":1767225600000,"depth":12,
                 "auth_events":[],"prev_events":[],"hashes":{"sha256":"<base64>"},
                 "signatures":{"remote.example":{"ed25519:a1":"<base64 signature>"}},
                 "unsigned":{"invite_room_state":[{"type":"m.room.name","state_key":"","sender":"@carol:remote.example","content":{"name":"Team"}}]}}
                """),
            Response = new OpenApiSchema
            {
                Type = JsonSchemaType.Array,
                Description = "Two items: the number 200, then {\"event\": the invite with this server's signature added}.",
                MinItems = 2,
                MaxItems = 2,
                Items = new OpenApiSchema { OneOf = [Int("Always 200."), Object("The co-signed invite.", Req("event", s.Ref(Pdu)))] },
            },
            ResponseExample = new System.Text.Json.Nodes.JsonArray(200, new System.Text.Json.Nodes.JsonObject { ["event"] = signedInvite.DeepClone() }),
            Errors = inviteErrors,
        };

        docs["InviteV2"] = new(ApiSurface.Federation, "Receive an invite (v2)")
        {
            Description = "The invite event with its room version and the room's stripped state. Answers {\"event\": ...} with this server's signature added."
                + inviteDescription,
            Body = Object(
                "The invite.",
                Req("room_version", Str("The room's version (1 to 11 are understood).", "10")),
                Req("event", s.Ref(Pdu)),
                Opt("invite_room_state", Array(s.Ref(StrippedState), "State that describes the room to the invitee."))),
            BodyExample = Json("""
                {"room_version":"10",
                 "event":{"room_id":"!abc:remote.example","sender":"@carol:remote.example","type":"m.room.member","state_key":"@alice:localhost",
                          "content":{"membership":"invite"},"origin_server_ts":1767225600000,"depth":12,
                          "auth_events":["$create","$power","$carolJoin"],"prev_events":["$carolJoin"],
                          "hashes":{"sha256":"<base64>"},"signatures":{"remote.example":{"ed25519:a1":"<base64 signature>"}}},
                 "invite_room_state":[{"type":"m.room.name","state_key":"","sender":"@carol:remote.example","content":{"name":"Team"}}]}
                """),
            Response = Object("The co-signed invite.", Req("event", s.Ref(Pdu))),
            ResponseExample = new System.Text.Json.Nodes.JsonObject { ["event"] = signedInvite },
            Errors = inviteErrors,
        };
    }
}
