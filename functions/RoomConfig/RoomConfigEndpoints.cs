namespace Membership.Functions.RoomConfig;

/// <summary>
/// The callback configuration commands (service <c>room_config</c>), one line each; every one is POST and runs the
/// admin pipeline first. Each function's folder holds its code and a <c>function.json</c> with the same method and route.
/// </summary>
internal static class RoomConfigEndpoints
{
    private const string Service = "v4/room_config";

    public static void MapRoomConfigApi(this IEndpointRouteBuilder app)
    {
        app.Map("SetCallback", $"{Service}/set_callback", SetCallback.SetCallback.Handle);
        app.Map("GetCallback", $"{Service}/get_callback", GetCallback.GetCallback.Handle);
        app.Map("UpdateCallback", $"{Service}/update_callback", UpdateCallback.UpdateCallback.Handle);
        app.Map("DeleteCallback", $"{Service}/delete_callback", DeleteCallback.DeleteCallback.Handle);
        app.Map("GetCallbackDeliveries", $"{Service}/get_callback_deliveries", GetCallbackDeliveries.GetCallbackDeliveries.Handle);
    }

    private static void Map(this IEndpointRouteBuilder app, string function, string route, RequestDelegate handler) =>
        app.MapMethods("/" + route, ["POST"], handler)
            .WithName(function)
            .WithDisplayName(function);
}
