using System.Text.Json.Nodes;

namespace Membership.Functions.Federation.InviteV1;

/// <summary>
/// PUT /_matrix/federation/v1/invite/{roomId}/{eventId} — the body is the invite PDU itself, its stripped state in
/// <c>unsigned.invite_room_state</c>. A v1 invite is of room version 1 (the spec: "1" or "2", which sign and identify
/// events alike; Synapse reads them as 1). Answers <c>[200, {"event": ...}]</c>, the historical shape the spec froze.
/// </summary>
internal static class InviteV1
{
    /// <summary>The room version the v1 endpoint implies.</summary>
    public const string RoomVersion = "1";

    public static Task Handle(HttpContext http) =>
        InboundInviteEndpoint.HandleAsync(http, Parse, signed => new JsonArray(200, new JsonObject { ["event"] = signed }));

    private static ParsedInvite Parse(JsonNode? node)
    {
        var ev = InboundInviteEndpoint.RequireObject(node, "The v1 invite body (the invite event)");
        var state = (ev["unsigned"] as JsonObject)?["invite_room_state"] as JsonArray;
        return new ParsedInvite(RoomVersion, ev, state);
    }
}
