using Membership.Core.Rules;
using Membership.Functions.Admin;
using Membership.Service;

namespace Membership.Functions.RoomEngine.KickUserOut;

/// <summary>
/// POST /v4/room_engine_http_srv/kick_user_out — <c>{"RoomId","MemberList_Account":[1-20],"Reason"}</c>. All or
/// nothing, in one transaction: every account must be in the room (join, invite or knock), else <c>100005</c> names
/// those who are not and nobody is kicked. Each kicked user's membership becomes <c>leave</c> with the reason, sent by
/// the admin, as Matrix clients see it.
/// </summary>
internal static class KickUserOut
{
    public static async Task Handle(HttpContext http)
    {
        var request = await RoomEngineRequest.ReadAsync(http);
        var room = request.Body.RoomId();
        var targets = request.Body.Accounts("MemberList_Account", RoomEngineFields.MaxAccounts);
        var reason = request.Body.RequiredString("Reason", RoomEngineFields.MaxReasonBytes);
        var changes = targets
            .Select(target => new MembershipChange(MembershipAction.Kick, request.Admin, target, MembershipChange.ContentFor(MembershipAction.Kick, reason), ByServerAdmin: true))
            .ToList();
        var result = await request.Rooms.ChangeAsync(room, changes, RoomService.AdminSurface, "kick_user_out", cancellationToken: http.RequestAborted);
        request.ThrowIfFailed(result, room);
        await TencentEnvelope.WriteOkAsync(http);
    }
}
