using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Nodes;
using Membership.Core.Rooms;
using Membership.Functions.Admin;
using Membership.Functions.Hosting;
using Membership.Service;

namespace Membership.Functions.RoomEngine.RoomEngineCreateRoom;

/// <summary>Create a room (Room Engine's create_room).</summary>
/// <remarks>
/// Named RoomEngineCreateRoom because the Matrix surface has a CreateRoom function. The room is the Matrix room
/// <c>!{RoomId}:{server}</c>, join rule public, created by the owner (default: the calling admin), who is joined at
/// power 100 (Matrix needs a room's first member to be its creator); the create event names the admin in
/// <c>org.membership.created_by</c>. MaxMemberCount (default 1000) counts every joined member, the owner included.
/// Invitees get Matrix invites from the owner. A taken RoomId is 100003.
/// </remarks>
internal sealed class RoomEngineCreateRoom(AdminRequests admin, RoomService rooms)
{
    [Function(nameof(RoomEngineCreateRoom))]
    public async Task<TencentOk<TencentReply>> Run([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = AdminRequests.RoomEngine + "create_room")] HttpRequest req)
    {
        var call = await admin.ReadAsync<RoomEngineCreateRoomBody>(req);
        var info = call.Body.RoomInfo;
        var room = admin.Room(info.RoomId, "RoomInfo.RoomId");
        if (!RoomEngineLimits.RoomTypes.Contains(info.RoomType, StringComparer.Ordinal))
        {
            throw TencentException.InvalidParameter($"RoomInfo.RoomType must be one of {string.Join(", ", RoomEngineLimits.RoomTypes)}");
        }

        var caller = admin.ActingUser(call.Identifier);
        var owner = info.Owner_Account is { } account ? admin.Account(account, "RoomInfo.Owner_Account") : caller;
        if (!rooms.Server.IsLocal(owner))
        {
            throw TencentException.InvalidParameter($"RoomInfo.Owner_Account {owner} is not a user of this server");
        }

        var now = admin.Clock.GetUtcNow().ToUnixTimeSeconds();
        var start = info.ScheduleStartTime ?? now;
        var end = info.ScheduleEndTime ?? start + 3600;
        if (end < start + 300)
        {
            throw TencentException.InvalidParameter("RoomInfo.ScheduleEndTime must be at least 5 minutes after ScheduleStartTime");
        }

        var seats = info.IsSeatEnabled ?? false;
        var settings = info.Settings();
        settings[RoomService.OwnerKey] = owner.Value;
        settings["RoomType"] = info.RoomType;
        settings["ScheduleStartTime"] = start;
        settings["ScheduleEndTime"] = end;
        settings["IsSeatEnabled"] = seats;
        settings["MaxSeatCount"] = info.MaxSeatCount ?? 0;
        settings["TakeSeatMode"] ??= seats ? RoomEngineLimits.TakeSeatModes[0] : "None";

        var invitees = admin.Accounts(call.Body.ScheduleInviteeList_Account, nameof(call.Body.ScheduleInviteeList_Account));
        if (invitees.Contains(owner) || invitees.Any(u => !rooms.Server.IsLocal(u)))
        {
            throw TencentException.InvalidParameter("ScheduleInviteeList_Account must list users of this server other than the owner (invites over federation are not sent yet)");
        }

        var spec = new CreateRoomSpec(owner, RoomService.AdminSurface)
        {
            RoomId = room,
            JoinRule = JoinRule.Public,
            InviteLevel = RoomService.AdminLevel,
            Name = info.RoomName,
            MaxMembers = info.MaxMemberCount ?? RoomEngineLimits.DefaultMaxMemberCount,
            AdminInfo = settings.ToJsonString(),
            CreationContent = new JsonObject { ["org.membership.created_by"] = caller.Value },
            Invites = invitees,
        };

        try
        {
            await rooms.CreateRoomAsync(spec, req.HttpContext.RequestAborted);
        }
        catch (MembershipException ex) when (ex.Code == ErrorCode.RoomInUse)
        {
            throw new TencentException(TencentCodes.RoomExists, $"RoomId {AdminRequests.RoomIdOf(room)} is taken (rooms that were destroyed keep their ID)");
        }

        return TencentOk.Empty;
    }
}

internal sealed record RoomEngineCreateRoomBody
{
    public required CreateRoomInfo RoomInfo { get; init; }

    [Description("Accounts to invite when the room is created.")]
    [ItemCount(0, RoomEngineLimits.MaxAccounts)]
    public IReadOnlyList<string>? ScheduleInviteeList_Account { get; init; }
}

/// <summary>create_room's <c>RoomInfo</c>: the settings update_room_info also takes, and the fields fixed at creation.</summary>
internal sealed record CreateRoomInfo : RoomSettingsBody
{
    [Description("Conference or Live.")]
    public required string RoomType { get; init; }

    [Description("The owner's account; the calling admin when absent.")]
    [MaxBytes(RoomEngineLimits.MaxAccountBytes)]
    public string? Owner_Account { get; init; }

    [Description("Unix seconds; now when absent.")]
    [Range(0, uint.MaxValue)]
    public long? ScheduleStartTime { get; init; }

    [Description("Unix seconds, at least 5 minutes after the start; an hour after it when absent.")]
    [Range(0, uint.MaxValue)]
    public long? ScheduleEndTime { get; init; }

    public bool? IsSeatEnabled { get; init; }

    [Range(0, 1000)]
    public long? MaxSeatCount { get; init; }
}
