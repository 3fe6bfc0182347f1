using Membership.Functions.Admin;
using Membership.Functions.Hosting;
using Membership.Service;

namespace Membership.Functions.RoomEngine.UpdateRoomInfo;

/// <summary>Change a room's information.</summary>
/// <remarks>
/// Absent fields keep their values. A new name is an <c>m.room.name</c> event Matrix clients see; the other fields are
/// recorded in an <c>org.membership.room.admin_info</c> event. A MaxMemberCount below the joined count is 100002.
/// </remarks>
internal sealed class UpdateRoomInfo(AdminRequests admin, RoomService rooms)
{
    [Function(nameof(UpdateRoomInfo))]
    public async Task<TencentOk<TencentReply>> Run([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = AdminRequests.RoomEngine + "update_room_info")] HttpRequest req)
    {
        var call = await admin.ReadAsync<UpdateRoomInfoBody>(req);
        var info = call.Body.RoomInfo;
        var room = admin.Room(info.RoomId, "RoomInfo.RoomId");
        var update = new RoomUpdate(info.RoomName, info.MaxMemberCount, info.Settings());
        admin.ThrowIfFailed(await rooms.UpdateRoomAsync(room, admin.ActingUser(call.Identifier), update, req.HttpContext.RequestAborted), room, "RoomInfo.MaxMemberCount");
        return TencentOk.Empty;
    }
}

internal sealed record UpdateRoomInfoBody
{
    public required RoomSettingsBody RoomInfo { get; init; }
}
