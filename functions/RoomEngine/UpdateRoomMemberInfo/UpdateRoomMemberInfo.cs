using System.ComponentModel;
using System.Text.Json.Nodes;
using Membership.Functions.Admin;
using Membership.Functions.Hosting;
using Membership.Service;

namespace Membership.Functions.RoomEngine.UpdateRoomMemberInfo;

/// <summary>Change a member's role, name card or custom information.</summary>
/// <remarks>
/// The member must be joined (else 100005). <c>Role</c> is a power level (Admin 50, Member 0) set by an
/// <c>m.room.power_levels</c> event; NameCard and CustomInfo are kept on the member's row.
/// </remarks>
internal sealed class UpdateRoomMemberInfo(AdminRequests admin, RoomService rooms)
{
    public const int MaxNameCardBytes = 32;
    public const int MaxCustomInfoBytes = 60;

    [Function(nameof(UpdateRoomMemberInfo))]
    public async Task<TencentOk<TencentReply>> Run([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = AdminRequests.RoomEngine + "update_room_member_info")] HttpRequest req)
    {
        var call = await admin.ReadAsync<UpdateRoomMemberInfoBody>(req);
        var room = admin.Room(call.Body.RoomId);
        var info = call.Body.MemberInfo;
        var member = admin.Account(info.Member_Account, "MemberInfo.Member_Account");
        var level = info.Role switch
        {
            null => (long?)null,
            "Admin" => RoomService.AdminLevel,
            "Member" => 0L,
            _ => throw TencentException.InvalidParameter("MemberInfo.Role must be one of Admin, Member"),
        };

        var fields = new JsonObject();
        if (info.NameCard is not null)
        {
            fields[nameof(info.NameCard)] = info.NameCard;
        }

        if (info.CustomInfo is not null)
        {
            fields[nameof(info.CustomInfo)] = info.CustomInfo;
        }

        var result = await rooms.UpdateMemberAsync(room, admin.ActingUser(call.Identifier), member, level, fields.Count > 0 ? fields : null, req.HttpContext.RequestAborted);
        admin.ThrowIfFailed(result, room, "MemberInfo.Role");
        return TencentOk.Empty;
    }
}

internal sealed record UpdateRoomMemberInfoBody : RoomBody
{
    public required MemberInfoBody MemberInfo { get; init; }
}

internal sealed record MemberInfoBody
{
    [MaxBytes(RoomEngineLimits.MaxAccountBytes)]
    public required string Member_Account { get; init; }

    [MaxBytes(UpdateRoomMemberInfo.MaxNameCardBytes)]
    public string? NameCard { get; init; }

    [Description("Admin or Member.")]
    public string? Role { get; init; }

    [MaxBytes(UpdateRoomMemberInfo.MaxCustomInfoBytes)]
    public string? CustomInfo { get; init; }
}
