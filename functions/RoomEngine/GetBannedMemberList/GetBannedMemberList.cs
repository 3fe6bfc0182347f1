using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Membership.Core.Rooms;
using Membership.Functions.Admin;
using Membership.Functions.Hosting;
using Membership.Service;

namespace Membership.Functions.RoomEngine.GetBannedMemberList;

/// <summary>A page of a room's banned accounts.</summary>
/// <remarks>
/// <c>Response.BannedAccountList[{Member_Account, BannedUntil}]</c> (Unix seconds; 0 for a ban without end, as Matrix
/// bans are) and <c>Response.NextOffset</c>. Tencent's page names the cursor <c>Next</c> (a string) in its field table
/// and sends <c>"Offset": 0</c> in its sample, and its clients start from 0 and loop until <c>NextOffset</c> is 0:
/// both request fields are taken (<c>Offset</c> a number, <c>Next</c> a number or a string of digits), and
/// <c>NextOffset</c> is a number, the offset of the next page, 0 on the last one — which also ends a loop that tests
/// it for emptiness. Bans that have run out are not listed. Offsets count banned accounts in the member rows' key
/// order, so a ban lifted between two calls can shift the next page by one.
/// </remarks>
internal sealed class GetBannedMemberList(AdminRequests admin, RoomService rooms)
{
    public const int DefaultLimit = 20;
    public const int MaxLimit = 100;

    /// <summary>An offset beyond any room's banned list (rooms hold at most 100,000 members).</summary>
    public const int MaxOffset = 1_000_000;

    [Function(nameof(GetBannedMemberList))]
    public async Task<TencentOk<GetBannedMemberListReply>> Run([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = AdminRequests.RoomEngine + "get_banned_member_list")] HttpRequest req)
    {
        var call = await admin.ReadAsync<GetBannedMemberListBody>(req);
        var room = admin.Room(call.Body.RoomId);
        var offset = call.Body.StartOffset();
        var limit = call.Body.Limit ?? DefaultLimit;
        var page = await rooms.ListMembersAsync(room, RoomMembership.Ban, afterUserId: null, offset + limit, req.HttpContext.RequestAborted) ?? throw AdminRequests.RoomNotFound(room);
        var list = page.Members.Skip(offset).Select(m => new BannedAccount(admin.AccountOf(m.UserId), m.BanExpiresAt?.ToUnixTimeSeconds() ?? 0)).ToList();
        var next = page.NextAfter is null ? 0 : offset + list.Count;
        return TencentOk.Of(new GetBannedMemberListReply(new BannedPage(list, next)));
    }
}

internal sealed record GetBannedMemberListBody : RoomBody
{
    [Description("Accounts a page; 20 when absent.")]
    [Range(1, GetBannedMemberList.MaxLimit)]
    public int? Limit { get; init; }

    [Description("Where the page starts: 0 (or absent) for the first, then the previous page's NextOffset.")]
    [Range(0, GetBannedMemberList.MaxOffset)]
    public int? Offset { get; init; }

    [Description("The same as Offset, under the name Tencent's field table gives it: a number or a string of digits.")]
    public JsonNode? Next { get; init; }

    public int StartOffset()
    {
        if (Next is null)
        {
            return Offset ?? 0;
        }

        var text = Next.GetValueKind() switch
        {
            JsonValueKind.Number => Next.ToJsonString(),
            JsonValueKind.String => Next.GetValue<string>(),
            _ => null,
        };
        return text is { Length: 0 } ? Offset ?? 0
            : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var next) && next <= GetBannedMemberList.MaxOffset ? next
            : throw TencentException.InvalidParameter($"Next must be an offset: a whole number from 0 to {GetBannedMemberList.MaxOffset} (the NextOffset of the previous page)");
    }
}

internal sealed record GetBannedMemberListReply(BannedPage Response) : TencentReply;

internal sealed record BannedPage(IReadOnlyList<BannedAccount> BannedAccountList, int NextOffset);

internal sealed record BannedAccount(string Member_Account, long BannedUntil);
