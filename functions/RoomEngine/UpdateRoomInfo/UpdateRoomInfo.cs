using Membership.Functions.Admin;
using Membership.Service;

namespace Membership.Functions.RoomEngine.UpdateRoomInfo;

/// <summary>
/// POST /v4/room_engine_http_srv/update_room_info — <c>{"RoomInfo":{"RoomId","RoomName"?,"MaxMemberCount"?,
/// Is*Disabled?,"CustomInfo"?,"TakeSeatMode"?}}</c>. Absent fields keep their values. A new name is an
/// <c>m.room.name</c> event Matrix clients see; the other fields are recorded in an
/// <c>org.membership.room.admin_info</c> event. A MaxMemberCount below the joined count is 100002.
/// </summary>
internal static class UpdateRoomInfo
{
    public static async Task Handle(HttpContext http)
    {
        var request = await RoomEngineRequest.ReadAsync(http);
        var info = request.Body.Object("RoomInfo");
        var room = info.RoomId();
        var update = new RoomUpdate(
            info.OptionalString("RoomName", RoomInfoFields.MaxRoomNameBytes),
            RoomInfoFields.ReadMaxMemberCount(info),
            RoomInfoFields.ReadSettings(info));
        var result = await request.Rooms.UpdateRoomAsync(room, request.Admin, update, http.RequestAborted);
        request.ThrowIfFailed(result, room, "RoomInfo.MaxMemberCount");
        await TencentEnvelope.WriteOkAsync(http);
    }
}
