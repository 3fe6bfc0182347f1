using System.ComponentModel;
using Membership.Core.Rules;
using Membership.Functions.Admin;
using Membership.Functions.Hosting;
using Membership.Service;

namespace Membership.Functions.RoomEngine.KickUserOut;

/// <summary>Kick 1 to 20 members out of a room, all or nothing.</summary>
/// <remarks>
/// One transaction: every account must be in the room (joined, invited or knocking), else <c>100005</c> names those who
/// are not and nobody is kicked. Each kicked user's membership becomes <c>leave</c> with the reason, sent by the admin,
/// as Matrix clients see it.
/// </remarks>
internal sealed class KickUserOut(AdminRequests admin, RoomService rooms)
{
    [Function(nameof(KickUserOut))]
    public async Task<TencentOk<TencentReply>> Run([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = AdminRequests.RoomEngine + "kick_user_out")] HttpRequest req)
    {
        var call = await admin.ReadAsync<KickUserOutBody>(req);
        var sender = admin.ActingUser(call.Identifier);
        var room = admin.Room(call.Body.RoomId);
        var changes = admin.Accounts(call.Body.MemberList_Account, nameof(call.Body.MemberList_Account))
            .Select(target => new MembershipChange(MembershipAction.Kick, sender, target, MembershipChange.ContentFor(MembershipAction.Kick, call.Body.Reason), ByServerAdmin: true))
            .ToList();
        admin.ThrowIfFailed(await rooms.ChangeAsync(room, changes, RoomService.AdminSurface, "kick_user_out", cancellationToken: req.HttpContext.RequestAborted), room);
        return TencentOk.Empty;
    }
}

internal sealed record KickUserOutBody : RoomAccountsBody
{
    [Description("Why; copied into each member event.")]
    [MaxBytes(RoomEngineLimits.MaxReasonBytes)]
    public required string Reason { get; init; }
}
