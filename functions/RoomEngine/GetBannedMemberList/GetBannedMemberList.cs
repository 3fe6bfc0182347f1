using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Membership.Core.Rooms;
using Membership.Functions.Admin;
using Membership.Functions.Hosting;
using Membership.Service;

namespace Membership.Functions.RoomEngine.GetBannedMemberList;

/// <summary>A page of a room's banned accounts.</summary>
/// <remarks>
/// <c>Response.BannedAccountList[{Member_Account, BannedUntil}]</c> (Unix seconds; 0 for a ban without end, as Matrix
/// bans are) and <c>Response.NextOffset</c>, the cursor to send back as <c>Next</c> (empty on the last page). Bans that
/// have run out are not listed. Pages follow the member rows' keys, like get_room_member_list.
/// </remarks>
internal sealed class GetBannedMemberList(AdminRequests admin, RoomService rooms)
{
    public const int DefaultLimit = 20;
    public const int MaxLimit = 100;

    [Function(nameof(GetBannedMemberList))]
    public async Task<TencentOk<GetBannedMemberListReply>> Run([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = AdminRequests.RoomEngine + "get_banned_member_list")] HttpRequest req)
    {
        var call = await admin.ReadAsync<GetBannedMemberListBody>(req);
        var room = admin.Room(call.Body.RoomId);
        var after = AdminRequests.AfterCursor(call.Body.Next, nameof(call.Body.Next));
        var page = await rooms.ListMembersAsync(room, RoomMembership.Ban, after, call.Body.Limit ?? DefaultLimit, req.HttpContext.RequestAborted) ?? throw AdminRequests.RoomNotFound(room);
        var list = page.Members.Select(m => new BannedAccount(admin.AccountOf(m.UserId), m.BanExpiresAt?.ToUnixTimeSeconds() ?? 0)).ToList();
        return TencentOk.Of(new GetBannedMemberListReply(new BannedPage(list, AdminRequests.Cursor(page.NextAfter))));
    }
}

internal sealed record GetBannedMemberListBody : RoomBody
{
    [Description("Accounts a page; 20 when absent.")]
    [Range(1, GetBannedMemberList.MaxLimit)]
    public int? Limit { get; init; }

    [Description("The NextOffset of the previous page; empty or absent for the first.")]
    [MaxBytes(1024)]
    public string? Next { get; init; }
}

internal sealed record GetBannedMemberListReply(BannedPage Response) : TencentReply;

internal sealed record BannedPage(IReadOnlyList<BannedAccount> BannedAccountList, string NextOffset);

internal sealed record BannedAccount(string Member_Account, long BannedUntil);
