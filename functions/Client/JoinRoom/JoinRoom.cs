using System.Text.Json.Nodes;
using Membership.Core.Rules;
using Membership.Functions.Hosting;

namespace Membership.Functions.Client.JoinRoom;

/// <summary>POST /_matrix/client/v3/rooms/{roomId}/join — only <c>reason</c> is copied into the event, as Synapse does.</summary>
internal static class JoinRoom
{
    public static async Task Handle(HttpContext http)
    {
        var user = await ClientAuth.RequireUserAsync(http);
        var room = ClientJson.RoomIdFromPath(http);
        var body = await JsonBody.ReadObjectAsync(http);
        await MembershipActions.SelfAsync(http, room, user, MembershipAction.Join, body.OptionalReason());
        await ClientJson.WriteAsync(http, new JsonObject { ["room_id"] = room.Value });
    }
}
