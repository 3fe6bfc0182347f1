using Membership.Functions.Admin;

namespace Membership.Functions.RoomEngine.UnbanRoomMember;

/// <summary>
/// POST /v4/room_engine_http_srv/unban_room_member — <c>{"RoomId","MemberList_Account":[1-20]}</c>. Lifts the bans in
/// one transaction (each an unban event sent by the admin); an account that is not banned needs nothing.
/// </summary>
internal static class UnbanRoomMember
{
    public static async Task Handle(HttpContext http)
    {
        var request = await RoomEngineRequest.ReadAsync(http);
        var room = request.Body.RoomId();
        var targets = request.Body.Accounts("MemberList_Account", RoomEngineFields.MaxAccounts);
        var result = await request.Rooms.UnbanAsync(room, request.Admin, targets, http.RequestAborted);
        request.ThrowIfFailed(result, room);
        await TencentEnvelope.WriteOkAsync(http);
    }
}
