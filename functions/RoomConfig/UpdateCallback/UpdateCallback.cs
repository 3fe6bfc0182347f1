using Membership.Functions.Admin;
using Membership.Service.Webhooks;

namespace Membership.Functions.RoomConfig.UpdateCallback;

/// <summary>
/// POST /v4/room_config/update_callback — <c>{"Url","CallbackCommandList":[...]}</c>, both mandatory: replaces the stored
/// callback configuration; <c>100301</c> when none exists (set_callback creates one).
/// </summary>
internal static class UpdateCallback
{
    public static async Task Handle(HttpContext http)
    {
        var clock = http.RequestServices.GetRequiredService<TimeProvider>();
        var (_, body) = await AdminRequest.ReadAsync(http, clock);
        var url = CallbackFields.Url(body);
        var commands = CallbackFields.Commands(body);
        var settings = http.RequestServices.GetRequiredService<WebhookSettings>();
        var existing = await settings.ReadStoredAsync(http.RequestAborted) ?? throw CallbackFields.NotFound();
        await settings.SaveAsync(url, commands, existing.Since, http.RequestAborted);
        await TencentEnvelope.WriteOkAsync(http);
    }
}
