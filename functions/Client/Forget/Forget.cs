using Membership.Functions.Hosting;

namespace Membership.Functions.Client.Forget;

/// <summary>POST /_matrix/client/v3/rooms/{roomId}/forget — 400 M_UNKNOWN while still in the room.</summary>
internal static class Forget
{
    public static async Task Handle(HttpContext http)
    {
        var user = await ClientAuth.RequireUserAsync(http);
        var room = ClientJson.RoomIdFromPath(http);
        _ = await JsonBody.ReadObjectAsync(http);
        var result = await MembershipActions.Rooms(http).ForgetAsync(room, user, http.RequestAborted);
        ClientJson.ThrowIfFailed(result, room);
        await ClientJson.WriteEmptyAsync(http);
    }
}
