using System.Text.Json.Nodes;

namespace Membership.Functions.Client.JoinedRooms;

/// <summary>GET /_matrix/client/v3/joined_rooms — only rooms whose membership is join (not invites, not left rooms).</summary>
internal static class JoinedRooms
{
    public static async Task Handle(HttpContext http)
    {
        var user = await ClientAuth.RequireUserAsync(http);
        var rows = await MembershipActions.Rooms(http).UserRoomsAsync(user, http.RequestAborted);
        var rooms = new JsonArray([.. rows.Where(r => r.Membership == "join").Select(r => (JsonNode)JsonValue.Create(r.RoomId)!)]);
        await ClientJson.WriteAsync(http, new JsonObject { ["joined_rooms"] = rooms });
    }
}
