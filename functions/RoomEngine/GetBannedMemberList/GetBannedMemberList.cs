using System.Text.Json.Nodes;
using Membership.Core.Rooms;
using Membership.Functions.Admin;

namespace Membership.Functions.RoomEngine.GetBannedMemberList;

/// <summary>
/// POST /v4/room_engine_http_srv/get_banned_member_list — <c>{"RoomId","Limit"?(1-100, default 20),"Next"?}</c>;
/// answers <c>Response.BannedAccountList[{Member_Account, BannedUntil}]</c> (Unix seconds; 0 for a ban without end, as
/// Matrix bans are) and <c>Response.NextOffset</c>, the cursor to send back as <c>Next</c> (empty on the last page).
/// Bans that have run out are not listed. Pages follow the member rows' keys, like get_room_member_list.
/// </summary>
internal static class GetBannedMemberList
{
    public const int DefaultLimit = 20;
    public const int MaxLimit = 100;

    public static async Task Handle(HttpContext http)
    {
        var request = await RoomEngineRequest.ReadAsync(http);
        var room = request.Body.RoomId();
        var limit = (int)(request.Body.OptionalInteger("Limit", 1, MaxLimit) ?? DefaultLimit);
        var after = request.Body.Cursor("Next");
        var page = await request.Rooms.ListMembersAsync(room, RoomMembership.Ban, after, limit, http.RequestAborted) ?? throw RoomEngineRequest.RoomNotFound(room);
        var list = new JsonArray();
        foreach (var member in page.Members)
        {
            list.Add((JsonNode)new JsonObject
            {
                ["Member_Account"] = request.AccountOf(member.UserId),
                ["BannedUntil"] = member.BanExpiresAt?.ToUnixTimeSeconds() ?? 0,
            });
        }

        await TencentEnvelope.WriteOkAsync(http, new JsonObject
        {
            ["Response"] = new JsonObject { ["BannedAccountList"] = list, ["NextOffset"] = RoomEngineRequest.Cursor(page.NextAfter) },
        });
    }
}
