using Membership.Functions.Admin;
using Membership.Functions.Hosting;
using Membership.Service;

namespace Membership.Functions.RoomEngine.ChangeRoomOwner;

/// <summary>Make another member the room's owner.</summary>
/// <remarks>
/// The new owner must be a joined member (else 100005); they get power level 100 and the previous owner 0, in one
/// <c>m.room.power_levels</c> event sent by the admin. <c>From_Account</c>, when given, must be the current owner.
/// </remarks>
internal sealed class ChangeRoomOwner(AdminRequests admin, RoomService rooms)
{
    [Function(nameof(ChangeRoomOwner))]
    public async Task<TencentOk<TencentReply>> Run([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = AdminRequests.RoomEngine + "change_room_owner")] HttpRequest req)
    {
        var call = await admin.ReadAsync<ChangeRoomOwnerBody>(req);
        var room = admin.Room(call.Body.RoomId);
        var newOwner = admin.Account(call.Body.NewOwner_Account, nameof(call.Body.NewOwner_Account));
        var from = call.Body.From_Account is { } account ? admin.Account(account, nameof(call.Body.From_Account)) : (Core.Identifiers.UserId?)null;
        var result = await rooms.ChangeOwnerAsync(room, admin.ActingUser(call.Identifier), from, newOwner, req.HttpContext.RequestAborted);
        admin.ThrowIfFailed(result, room, nameof(call.Body.From_Account));
        return TencentOk.Empty;
    }
}

internal sealed record ChangeRoomOwnerBody : RoomBody
{
    [MaxBytes(RoomEngineLimits.MaxAccountBytes)]
    public required string NewOwner_Account { get; init; }

    [MaxBytes(RoomEngineLimits.MaxAccountBytes)]
    public string? From_Account { get; init; }
}
