using System.Text.Json.Nodes;
using Membership.Core.Identifiers;
using Membership.Core.Rooms;
using Membership.Functions.Admin;
using Membership.Service;
using Membership.Storage;

namespace Membership.Functions.RoomEngine.GetRoomMemberList;

/// <summary>
/// POST /v4/room_engine_http_srv/get_room_member_list — <c>{"RoomId","Count"?(1-100, default 50),"Next"?}</c>; answers
/// <c>Response.Next</c> (empty on the last page) and <c>Response.MemberList[{Member_Account, NameCard, Role, Marks,
/// CustomInfo}]</c> of the joined members, whichever surface they joined through. Pages follow the member rows' keys,
/// so members joining or leaving between calls never make a page skip or repeat anyone else. Role: Owner, Admin
/// (power level 50 or more), Member.
/// </summary>
internal static class GetRoomMemberList
{
    public const int DefaultCount = 50;
    public const int MaxCount = 100;

    public static async Task Handle(HttpContext http)
    {
        var request = await RoomEngineRequest.ReadAsync(http);
        var room = request.Body.RoomId();
        var count = (int)(request.Body.OptionalInteger("Count", 1, MaxCount) ?? DefaultCount);
        var after = request.Body.Cursor("Next");
        var page = await request.Rooms.ListMembersAsync(room, RoomMembership.Join, after, count, http.RequestAborted) ?? throw RoomEngineRequest.RoomNotFound(room);
        var levels = PowerLevels.Parse(JsonNode.Parse(page.Head.PowerLevelsContent)!.AsObject());
        var owner = RoomService.OwnerOf(page.Head);
        var list = new JsonArray();
        foreach (var member in page.Members)
        {
            var info = string.IsNullOrEmpty(member.AdminInfo) ? [] : JsonNode.Parse(member.AdminInfo)!.AsObject();
            list.Add((JsonNode)new JsonObject
            {
                ["Member_Account"] = request.AccountOf(member.UserId),
                ["NameCard"] = (string?)info["NameCard"] ?? DisplayName(member) ?? string.Empty,
                ["Role"] = RoleOf(UserId.Parse(member.UserId), owner, levels),
                ["Marks"] = new JsonArray(),
                ["CustomInfo"] = (string?)info["CustomInfo"] ?? string.Empty,
            });
        }

        await TencentEnvelope.WriteOkAsync(http, new JsonObject
        {
            ["Response"] = new JsonObject { ["Next"] = RoomEngineRequest.Cursor(page.NextAfter), ["MemberList"] = list },
        });
    }

    private static string RoleOf(UserId user, UserId owner, PowerLevels levels) =>
        user == owner ? "Owner" : levels.LevelOf(user) >= RoomService.AdminLevel ? "Admin" : "Member";

    /// <summary>Without a NameCard, the Matrix display name the member set when joining.</summary>
    private static string? DisplayName(MemberRecord member) =>
        JsonNode.Parse(member.Content)?["displayname"] is JsonValue v && v.TryGetValue(out string? name) ? name : null;
}
