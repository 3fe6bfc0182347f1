using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Membership.Core.Rules;
using Membership.Functions.Admin;
using Membership.Functions.Hosting;
using Membership.Service;

namespace Membership.Functions.RoomEngine.BanRoomMember;

/// <summary>Ban 1 to 20 accounts from a room for a while.</summary>
/// <remarks>
/// Members are removed; others are kept out in advance; all in one transaction. The ban ends by itself after
/// <c>Duration</c> seconds: the user's next change (a join from either surface) first records the unban. The end time
/// is also in the ban event's content (<c>org.membership.banned_until_ts</c>, ms), so a repeated ban with a new
/// Duration is a new event rather than a no-op.
/// </remarks>
internal sealed class BanRoomMember(AdminRequests admin, RoomService rooms)
{
    public const string BannedUntilKey = "org.membership.banned_until_ts";

    [Function(nameof(BanRoomMember))]
    public async Task<TencentOk<TencentReply>> Run([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = AdminRequests.RoomEngine + "ban_room_member")] HttpRequest req)
    {
        var call = await admin.ReadAsync<BanRoomMemberBody>(req);
        var sender = admin.ActingUser(call.Identifier);
        var room = admin.Room(call.Body.RoomId);
        var until = admin.Clock.GetUtcNow().AddSeconds(call.Body.Duration);
        var changes = admin.Accounts(call.Body.MemberList_Account, nameof(call.Body.MemberList_Account))
            .Select(target => new MembershipChange(
                MembershipAction.Ban,
                sender,
                target,
                MembershipChange.ContentFor(MembershipAction.Ban, call.Body.Reason, new() { [BannedUntilKey] = until.ToUnixTimeMilliseconds() }),
                ByServerAdmin: true))
            .ToList();
        var result = await rooms.ChangeAsync(room, changes, RoomService.AdminSurface, "ban_room_member", _ => until, req.HttpContext.RequestAborted);
        admin.ThrowIfFailed(result, room);
        return TencentOk.Empty;
    }
}

internal sealed record BanRoomMemberBody : RoomAccountsBody
{
    [Description("Why; copied into each ban event.")]
    [MaxBytes(RoomEngineLimits.MaxReasonBytes)]
    public required string Reason { get; init; }

    [Description("How long the ban lasts, in seconds.")]
    [Range(1, uint.MaxValue)]
    public required long Duration { get; init; }
}
