using Membership.Functions.Admin;
using Membership.Service.Webhooks;

namespace Membership.Functions.RoomConfig.SetCallback;

/// <summary>
/// POST /v4/room_config/set_callback — <c>{"Url","CallbackCommandList":[...]}</c>: stores the callback configuration,
/// which overrides <c>Membership:Webhooks:Url</c> from now on (replacing any stored one). A new configuration receives
/// the changes made after it was set; replacing one keeps that point, so nothing pending is skipped.
/// </summary>
internal static class SetCallback
{
    public static async Task Handle(HttpContext http)
    {
        var clock = http.RequestServices.GetRequiredService<TimeProvider>();
        var (_, body) = await AdminRequest.ReadAsync(http, clock);
        var url = CallbackFields.Url(body);
        var commands = CallbackFields.Commands(body);
        var settings = http.RequestServices.GetRequiredService<WebhookSettings>();
        var existing = await settings.ReadStoredAsync(http.RequestAborted);
        await settings.SaveAsync(url, commands, existing?.Since ?? clock.GetUtcNow(), http.RequestAborted);
        await TencentEnvelope.WriteOkAsync(http);
    }
}
