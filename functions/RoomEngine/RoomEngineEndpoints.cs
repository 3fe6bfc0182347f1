namespace Membership.Functions.RoomEngine;

/// <summary>
/// The Tencent Room Engine-style commands (service <c>room_engine_http_srv</c>), one line each; every one is POST and
/// runs the admin pipeline first. Seat commands (<c>room_engine_http_mic</c>) are not built and fall to UnknownCommand
/// (60009). Each function's folder holds its code and a <c>function.json</c> with the same method and route.
/// </summary>
internal static class RoomEngineEndpoints
{
    private const string Service = "v4/room_engine_http_srv";

    public static void MapRoomEngineApi(this IEndpointRouteBuilder app)
    {
        app.Map("KickUserOut", $"{Service}/kick_user_out", KickUserOut.KickUserOut.Handle);
        app.Map("RoomEngineCreateRoom", $"{Service}/create_room", RoomEngineCreateRoom.RoomEngineCreateRoom.Handle);
        app.Map("DestroyRoom", $"{Service}/destroy_room", DestroyRoom.DestroyRoom.Handle);
        app.Map("GetRoomInfo", $"{Service}/get_room_info", GetRoomInfo.GetRoomInfo.Handle);
        app.Map("UpdateRoomInfo", $"{Service}/update_room_info", UpdateRoomInfo.UpdateRoomInfo.Handle);
        app.Map("GetRoomMemberList", $"{Service}/get_room_member_list", GetRoomMemberList.GetRoomMemberList.Handle);
        app.Map("UpdateRoomMemberInfo", $"{Service}/update_room_member_info", UpdateRoomMemberInfo.UpdateRoomMemberInfo.Handle);
        app.Map("ChangeRoomOwner", $"{Service}/change_room_owner", ChangeRoomOwner.ChangeRoomOwner.Handle);
        app.Map("BanRoomMember", $"{Service}/ban_room_member", BanRoomMember.BanRoomMember.Handle);
        app.Map("UnbanRoomMember", $"{Service}/unban_room_member", UnbanRoomMember.UnbanRoomMember.Handle);
        app.Map("GetBannedMemberList", $"{Service}/get_banned_member_list", GetBannedMemberList.GetBannedMemberList.Handle);
    }

    private static void Map(this IEndpointRouteBuilder app, string function, string route, RequestDelegate handler) =>
        app.MapMethods("/" + route, ["POST"], handler)
            .WithName(function)
            .WithDisplayName(function);
}
