using System.Text.Json.Nodes;
using Membership.Functions.Client;
using Membership.Functions.Hosting;

namespace Membership.Functions.Federation.InviteV2;

/// <summary>
/// PUT /_matrix/federation/v2/invite/{roomId}/{eventId} — body <c>{"room_version", "event", "invite_room_state"}</c>;
/// answers <c>{"event": the invite with this server's signature added}</c>.
/// </summary>
internal static class InviteV2
{
    public static Task Handle(HttpContext http) => InboundInviteEndpoint.HandleAsync(http, Parse, signed => new JsonObject { ["event"] = signed });

    private static ParsedInvite Parse(JsonNode? node)
    {
        var body = InboundInviteEndpoint.RequireObject(node, "The v2 invite body");
        var version = body.RequiredString("room_version");
        var ev = body.OptionalObject("event") ?? throw MatrixException.MissingParam("event");
        var state = body["invite_room_state"] switch
        {
            null => null,
            JsonArray array => array,
            _ => throw MatrixException.BadJson("'invite_room_state' must be an array"),
        };
        return new ParsedInvite(version, ev, state);
    }
}
