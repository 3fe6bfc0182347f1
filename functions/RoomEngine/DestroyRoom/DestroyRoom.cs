using Membership.Functions.Admin;

namespace Membership.Functions.RoomEngine.DestroyRoom;

/// <summary>
/// POST /v4/room_engine_http_srv/destroy_room — <c>{"RoomId"}</c>. Records an <c>org.membership.room.destroyed</c>
/// event (sender the admin) and marks the room destroyed; from then on every surface treats it as missing (Matrix
/// 404, admin 100004). The RoomId stays taken.
/// </summary>
internal static class DestroyRoom
{
    public static async Task Handle(HttpContext http)
    {
        var request = await RoomEngineRequest.ReadAsync(http);
        var room = request.Body.RoomId();
        var result = await request.Rooms.DestroyRoomAsync(room, request.Admin, http.RequestAborted);
        request.ThrowIfFailed(result, room);
        await TencentEnvelope.WriteOkAsync(http);
    }
}
