using Membership.Core.Rules;
using Membership.Functions.Hosting;

namespace Membership.Functions.Client.Leave;

/// <summary>POST /_matrix/client/v3/rooms/{roomId}/leave — also rejects an invite or withdraws a knock.</summary>
internal static class Leave
{
    public static async Task Handle(HttpContext http)
    {
        var user = await ClientAuth.RequireUserAsync(http);
        var room = ClientJson.RoomIdFromPath(http);
        var body = await JsonBody.ReadObjectAsync(http);
        await MembershipActions.SelfAsync(http, room, user, MembershipAction.Leave, body.OptionalReason());
        await ClientJson.WriteEmptyAsync(http);
    }
}
