using System.Text.Json.Nodes;
using Membership.Functions.Admin;
using Membership.Service;

namespace Membership.Functions.RoomEngine.UpdateRoomMemberInfo;

/// <summary>
/// POST /v4/room_engine_http_srv/update_room_member_info —
/// <c>{"RoomId","MemberInfo":{"Member_Account","NameCard"?(≤32 bytes),"Role"?("Admin"|"Member"),"CustomInfo"?(≤60 bytes)}}</c>.
/// The member must be joined (else 100005). <c>Role</c> is a power level (Admin 50, Member 0) set by an
/// <c>m.room.power_levels</c> event; NameCard and CustomInfo are kept on the member's row.
/// </summary>
internal static class UpdateRoomMemberInfo
{
    public static async Task Handle(HttpContext http)
    {
        var request = await RoomEngineRequest.ReadAsync(http);
        var room = request.Body.RoomId();
        var info = request.Body.Object("MemberInfo");
        var member = info.Account("Member_Account");
        var level = info.OptionalOneOf("Role", "Admin", "Member") switch
        {
            "Admin" => RoomService.AdminLevel,
            "Member" => 0L,
            _ => (long?)null,
        };

        var fields = new JsonObject();
        foreach (var (name, maxBytes) in new[] { ("NameCard", 32), ("CustomInfo", 60) })
        {
            if (info.OptionalString(name, maxBytes) is { } value)
            {
                fields[name] = value;
            }
        }

        var result = await request.Rooms.UpdateMemberAsync(room, request.Admin, member, level, fields.Count > 0 ? fields : null, http.RequestAborted);
        request.ThrowIfFailed(result, room, "MemberInfo.Role");
        await TencentEnvelope.WriteOkAsync(http);
    }
}
