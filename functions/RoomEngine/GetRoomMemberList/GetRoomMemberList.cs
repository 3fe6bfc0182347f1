using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Nodes;
using Membership.Core.Identifiers;
using Membership.Core.Rooms;
using Membership.Functions.Admin;
using Membership.Functions.Hosting;
using Membership.Service;
using Membership.Storage;

namespace Membership.Functions.RoomEngine.GetRoomMemberList;

/// <summary>A page of a room's joined members.</summary>
/// <remarks>
/// Joined members, whichever surface they joined through. Pages follow the member rows' keys, so members joining or
/// leaving between calls never make a page skip or repeat anyone else; <c>Response.Next</c> is empty on the last page.
/// Role: Owner, Admin (power level 50 or more), Member; Marks: the member's tags (mark_room_member).
/// </remarks>
internal sealed class GetRoomMemberList(AdminRequests admin, RoomService rooms)
{
    public const int DefaultCount = 50;
    public const int MaxCount = 100;

    [Function(nameof(GetRoomMemberList))]
    public async Task<TencentOk<GetRoomMemberListReply>> Run([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = AdminRequests.RoomEngine + "get_room_member_list")] HttpRequest req)
    {
        var call = await admin.ReadAsync<GetRoomMemberListBody>(req);
        var room = admin.Room(call.Body.RoomId);
        var after = AdminRequests.AfterCursor(call.Body.Next, nameof(call.Body.Next));
        var page = await rooms.ListMembersAsync(room, RoomMembership.Join, after, call.Body.Count ?? DefaultCount, req.HttpContext.RequestAborted) ?? throw AdminRequests.RoomNotFound(room);
        var levels = PowerLevels.Parse(JsonNode.Parse(page.Head.PowerLevelsContent)!.AsObject());
        var owner = RoomService.OwnerOf(page.Head);
        var list = page.Members.Select(member =>
        {
            var info = string.IsNullOrEmpty(member.AdminInfo) ? [] : JsonNode.Parse(member.AdminInfo)!.AsObject();
            return new RoomMemberReply(
                admin.AccountOf(member.UserId),
                (string?)info["NameCard"] ?? DisplayName(member) ?? string.Empty,
                RoleOf(UserId.Parse(member.UserId), owner, levels),
                RoomService.MarksOf(info),
                (string?)info["CustomInfo"] ?? string.Empty);
        }).ToList();
        return TencentOk.Of(new GetRoomMemberListReply(new RoomMemberPage(AdminRequests.Cursor(page.NextAfter), list)));
    }

    private static string RoleOf(UserId user, UserId owner, PowerLevels levels) =>
        user == owner ? "Owner" : levels.LevelOf(user) >= RoomService.AdminLevel ? "Admin" : "Member";

    /// <summary>Without a NameCard, the Matrix display name the member set when joining.</summary>
    private static string? DisplayName(MemberRecord member) =>
        JsonNode.Parse(member.Content)?["displayname"] is JsonValue v && v.TryGetValue(out string? name) ? name : null;
}

internal sealed record GetRoomMemberListBody : RoomBody
{
    [Description("Members a page; 50 when absent.")]
    [Range(1, GetRoomMemberList.MaxCount)]
    public int? Count { get; init; }

    [Description("The Next of the previous page; empty or absent for the first.")]
    [MaxBytes(1024)]
    public string? Next { get; init; }
}

internal sealed record GetRoomMemberListReply(RoomMemberPage Response) : TencentReply;

internal sealed record RoomMemberPage(string Next, IReadOnlyList<RoomMemberReply> MemberList);

internal sealed record RoomMemberReply(string Member_Account, string NameCard, string Role, IReadOnlyList<long> Marks, string CustomInfo);
