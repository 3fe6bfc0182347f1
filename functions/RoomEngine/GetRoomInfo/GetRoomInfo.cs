using Membership.Functions.Admin;
using Membership.Functions.Hosting;
using Membership.Service;

namespace Membership.Functions.RoomEngine.GetRoomInfo;

/// <summary>A room's information.</summary>
/// <remarks>
/// <c>Response.RoomInfo</c>: the fields create_room takes plus <c>MemberCount</c> (joined members), <c>CreateTime</c>
/// (Unix seconds) and <c>RoomStatus</c> (NotStarted before ScheduleStartTime, else Running). One storage read.
/// </remarks>
internal sealed class GetRoomInfo(AdminRequests admin, RoomService rooms)
{
    [Function(nameof(GetRoomInfo))]
    public async Task<TencentOk<GetRoomInfoReply>> Run([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = AdminRequests.RoomEngine + "get_room_info")] HttpRequest req)
    {
        var call = await admin.ReadAsync<RoomBody>(req);
        var room = admin.Room(call.Body.RoomId);
        var head = await rooms.GetHeadAsync(room, req.HttpContext.RequestAborted) ?? throw AdminRequests.RoomNotFound(room);
        return TencentOk.Of(new GetRoomInfoReply(new RoomInfoResponse(RoomInfoReply.Of(admin, head))));
    }
}

internal sealed record GetRoomInfoReply(RoomInfoResponse Response) : TencentReply;

internal sealed record RoomInfoResponse(RoomInfoReply RoomInfo);
