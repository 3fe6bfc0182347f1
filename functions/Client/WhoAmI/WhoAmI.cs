using System.Text.Json.Nodes;

namespace Membership.Functions.Client.WhoAmI;

/// <summary>GET /_matrix/client/v3/account/whoami</summary>
internal static class WhoAmI
{
    public static async Task Handle(HttpContext http)
    {
        var user = await ClientAuth.RequireUserAsync(http);
        await ClientJson.WriteAsync(http, new JsonObject { ["user_id"] = user.Value, ["is_guest"] = false });
    }
}
