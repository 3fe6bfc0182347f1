using Membership.Functions.Admin;
using Membership.Functions.Hosting;
using Membership.Service;

namespace Membership.Functions.RoomEngine.DestroyRoom;

/// <summary>Destroy a room.</summary>
/// <remarks>
/// Records an <c>org.membership.room.destroyed</c> event (sender the admin) and marks the room destroyed; from then on
/// every surface treats it as missing (Matrix 404, admin 100004). The RoomId stays taken.
/// </remarks>
internal sealed class DestroyRoom(AdminRequests admin, RoomService rooms)
{
    [Function(nameof(DestroyRoom))]
    public async Task<TencentOk<TencentReply>> Run([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = AdminRequests.RoomEngine + "destroy_room")] HttpRequest req)
    {
        var call = await admin.ReadAsync<RoomBody>(req);
        var room = admin.Room(call.Body.RoomId);
        admin.ThrowIfFailed(await rooms.DestroyRoomAsync(room, admin.ActingUser(call.Identifier), req.HttpContext.RequestAborted), room);
        return TencentOk.Empty;
    }
}
