using System.Text.Json.Nodes;
using Membership.Functions.Admin;
using Membership.Service.Webhooks;

namespace Membership.Functions.RoomConfig.GetCallback;

/// <summary>
/// POST /v4/room_config/get_callback — <c>{}</c>: answers <c>Response.Url</c> and <c>Response.CallbackCommandList</c>
/// of the stored configuration; <c>100301</c> when none exists (callbacks then go to <c>Membership:Webhooks:Url</c>, if set).
/// </summary>
internal static class GetCallback
{
    public static async Task Handle(HttpContext http)
    {
        await AdminRequest.ReadAsync(http, http.RequestServices.GetRequiredService<TimeProvider>());
        var stored = await http.RequestServices.GetRequiredService<WebhookSettings>().ReadStoredAsync(http.RequestAborted) ?? throw CallbackFields.NotFound();
        await TencentEnvelope.WriteOkAsync(http, new JsonObject
        {
            ["Response"] = new JsonObject
            {
                ["Url"] = stored.Url,
                ["CallbackCommandList"] = new JsonArray([.. stored.CallbackCommands.Select(c => (JsonNode)c)]),
            },
        });
    }
}
