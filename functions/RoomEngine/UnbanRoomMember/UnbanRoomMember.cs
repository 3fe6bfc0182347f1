using Membership.Functions.Admin;
using Membership.Functions.Hosting;
using Membership.Service;

namespace Membership.Functions.RoomEngine.UnbanRoomMember;

/// <summary>Lift the bans of 1 to 20 accounts.</summary>
/// <remarks>One transaction, each an unban event sent by the admin; an account that is not banned needs nothing.</remarks>
internal sealed class UnbanRoomMember(AdminRequests admin, RoomService rooms)
{
    [Function(nameof(UnbanRoomMember))]
    public async Task<TencentOk<TencentReply>> Run([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = AdminRequests.RoomEngine + "unban_room_member")] HttpRequest req)
    {
        var call = await admin.ReadAsync<RoomAccountsBody>(req);
        var room = admin.Room(call.Body.RoomId);
        var targets = admin.Accounts(call.Body.MemberList_Account, nameof(call.Body.MemberList_Account));
        admin.ThrowIfFailed(await rooms.UnbanAsync(room, admin.ActingUser(call.Identifier), targets, req.HttpContext.RequestAborted), room);
        return TencentOk.Empty;
    }
}
