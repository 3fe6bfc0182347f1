using Membership.Core.Rules;
using Membership.Functions.Admin;
using Membership.Service;

namespace Membership.Functions.RoomEngine.BanRoomMember;

/// <summary>
/// POST /v4/room_engine_http_srv/ban_room_member — <c>{"RoomId","MemberList_Account":[1-20],"Reason","Duration"}</c>.
/// Bans the accounts (members are removed; others are kept out in advance) for <c>Duration</c> seconds, in one
/// transaction. The ban ends by itself: the user's next change (a join from either surface) first records the unban.
/// The end time is also in the ban event's content (<c>org.membership.banned_until_ts</c>, ms), so a repeated ban with
/// a new Duration is a new event rather than a no-op.
/// </summary>
internal static class BanRoomMember
{
    public const string BannedUntilKey = "org.membership.banned_until_ts";

    public static async Task Handle(HttpContext http)
    {
        var request = await RoomEngineRequest.ReadAsync(http);
        var room = request.Body.RoomId();
        var targets = request.Body.Accounts("MemberList_Account", RoomEngineFields.MaxAccounts);
        var reason = request.Body.RequiredString("Reason", RoomEngineFields.MaxReasonBytes);
        var duration = request.Body.OptionalInteger("Duration", 1, uint.MaxValue) ?? throw TencentException.InvalidParameter("Duration is mandatory");
        var until = request.Clock.GetUtcNow().AddSeconds(duration);
        var changes = targets
            .Select(target => new MembershipChange(
                MembershipAction.Ban,
                request.Admin,
                target,
                MembershipChange.ContentFor(MembershipAction.Ban, reason, new() { [BannedUntilKey] = until.ToUnixTimeMilliseconds() }),
                ByServerAdmin: true))
            .ToList();
        var result = await request.Rooms.ChangeAsync(room, changes, RoomService.AdminSurface, "ban_room_member", _ => until, http.RequestAborted);
        request.ThrowIfFailed(result, room);
        await TencentEnvelope.WriteOkAsync(http);
    }
}
