using Membership.Functions.Admin;

namespace Membership.Functions.RoomEngine.ChangeRoomOwner;

/// <summary>
/// POST /v4/room_engine_http_srv/change_room_owner — <c>{"RoomId","NewOwner_Account","From_Account"?}</c>. The new
/// owner must be a joined member (else 100005); they get power level 100 and the previous owner 0, in one
/// <c>m.room.power_levels</c> event sent by the admin. <c>From_Account</c>, when given, must be the current owner.
/// </summary>
internal static class ChangeRoomOwner
{
    public static async Task Handle(HttpContext http)
    {
        var request = await RoomEngineRequest.ReadAsync(http);
        var room = request.Body.RoomId();
        var newOwner = request.Body.Account("NewOwner_Account");
        var from = request.Body.OptionalAccount("From_Account");
        var result = await request.Rooms.ChangeOwnerAsync(room, request.Admin, from, newOwner, http.RequestAborted);
        request.ThrowIfFailed(result, room, "From_Account");
        await TencentEnvelope.WriteOkAsync(http);
    }
}
