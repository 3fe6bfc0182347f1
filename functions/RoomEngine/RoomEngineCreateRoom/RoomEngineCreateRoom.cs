using System.Text.Json.Nodes;
using Membership.Core.Rooms;
using Membership.Functions.Admin;
using Membership.Service;

namespace Membership.Functions.RoomEngine.RoomEngineCreateRoom;

/// <summary>
/// POST /v4/room_engine_http_srv/create_room — <c>{"RoomInfo":{...},"ScheduleInviteeList_Account"?:[0-20]}</c>
/// (named RoomEngineCreateRoom because the Matrix surface has a CreateRoom function). RoomInfo: <c>RoomId</c> (≤48
/// bytes), <c>RoomType</c> (Conference | Live), <c>RoomName</c>?, <c>Owner_Account</c>? (default: the calling admin),
/// <c>MaxMemberCount</c>? (default 1000; counts every joined member, the owner included), <c>ScheduleStartTime</c>?,
/// <c>ScheduleEndTime</c>?, the five <c>Is*Disabled</c> switches, <c>CustomInfo</c>? (≤500 bytes),
/// <c>IsSeatEnabled</c>?, <c>MaxSeatCount</c>?, <c>TakeSeatMode</c>?.
/// The room is the Matrix room <c>!{RoomId}:{server}</c>, join rule public, created by the owner, who is joined at
/// power 100 (Matrix needs a room's first member to be its creator); the create event names the admin in
/// <c>org.membership.created_by</c>. Invitees get Matrix invites from the owner. A taken RoomId is 100003.
/// </summary>
internal static class RoomEngineCreateRoom
{
    public static async Task Handle(HttpContext http)
    {
        var request = await RoomEngineRequest.ReadAsync(http);
        var info = request.Body.Object("RoomInfo");
        var room = info.RoomId();
        var type = info.OptionalOneOf("RoomType", RoomInfoFields.RoomTypes) ?? throw TencentException.InvalidParameter("RoomInfo.RoomType is mandatory");
        var name = info.OptionalString("RoomName", RoomInfoFields.MaxRoomNameBytes);
        var owner = info.OptionalAccount("Owner_Account") ?? request.Admin;
        if (!request.Rooms.Server.IsLocal(owner))
        {
            throw TencentException.InvalidParameter($"RoomInfo.Owner_Account {owner} is not a user of this server");
        }

        var maxMembers = RoomInfoFields.ReadMaxMemberCount(info) ?? RoomInfoFields.DefaultMaxMemberCount;
        var now = request.Clock.GetUtcNow().ToUnixTimeSeconds();
        var start = info.OptionalInteger("ScheduleStartTime", 0, uint.MaxValue) ?? now;
        var end = info.OptionalInteger("ScheduleEndTime", 0, uint.MaxValue) ?? start + 3600;
        if (end < start + 300)
        {
            throw TencentException.InvalidParameter("RoomInfo.ScheduleEndTime must be at least 5 minutes after ScheduleStartTime");
        }

        var seats = info.OptionalBool("IsSeatEnabled") ?? false;
        var settings = RoomInfoFields.ReadSettings(info);
        settings[RoomService.OwnerKey] = owner.Value;
        settings["RoomType"] = type;
        settings["ScheduleStartTime"] = start;
        settings["ScheduleEndTime"] = end;
        settings["IsSeatEnabled"] = seats;
        settings["MaxSeatCount"] = info.OptionalInteger("MaxSeatCount", 0, 1000) ?? 0;
        settings["TakeSeatMode"] ??= seats ? RoomInfoFields.TakeSeatModes[0] : "None";

        var invitees = request.Body.Accounts("ScheduleInviteeList_Account", RoomEngineFields.MaxAccounts, optional: true);
        if (invitees.Contains(owner) || invitees.Any(u => !request.Rooms.Server.IsLocal(u)))
        {
            throw TencentException.InvalidParameter("ScheduleInviteeList_Account must list users of this server other than the owner (invites over federation are not sent yet)");
        }

        var spec = new CreateRoomSpec(owner, RoomService.AdminSurface)
        {
            RoomId = room,
            JoinRule = JoinRule.Public,
            InviteLevel = RoomService.AdminLevel,
            Name = name,
            MaxMembers = maxMembers,
            AdminInfo = settings.ToJsonString(),
            CreationContent = new JsonObject { ["org.membership.created_by"] = request.Admin.Value },
            Invites = invitees,
        };

        try
        {
            await request.Rooms.CreateRoomAsync(spec, http.RequestAborted);
        }
        catch (MembershipException ex) when (ex.Code == ErrorCode.RoomInUse)
        {
            throw new TencentException(TencentCodes.RoomExists, $"RoomId {RoomEngineRequest.RoomIdOf(room)} is taken (rooms that were destroyed keep their ID)");
        }

        await TencentEnvelope.WriteOkAsync(http);
    }
}
