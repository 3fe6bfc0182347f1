using System.Text.Json.Nodes;
using Membership.Functions.Admin;

namespace Membership.Functions.RoomEngine.GetRoomInfo;

/// <summary>
/// POST /v4/room_engine_http_srv/get_room_info — <c>{"RoomId"}</c>; answers <c>Response.RoomInfo</c> with the fields
/// create_room takes plus <c>MemberCount</c> (joined members), <c>CreateTime</c> (Unix seconds) and <c>RoomStatus</c>
/// (NotStarted before ScheduleStartTime, else Running). One storage read.
/// </summary>
internal static class GetRoomInfo
{
    public static async Task Handle(HttpContext http)
    {
        var request = await RoomEngineRequest.ReadAsync(http);
        var room = request.Body.RoomId();
        var head = await request.Rooms.GetHeadAsync(room, http.RequestAborted) ?? throw RoomEngineRequest.RoomNotFound(room);
        await TencentEnvelope.WriteOkAsync(http, new JsonObject
        {
            ["Response"] = new JsonObject { ["RoomInfo"] = RoomInfoFields.ToResponse(request, head) },
        });
    }
}
