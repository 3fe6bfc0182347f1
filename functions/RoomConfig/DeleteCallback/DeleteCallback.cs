using Membership.Functions.Admin;
using Membership.Service.Webhooks;

namespace Membership.Functions.RoomConfig.DeleteCallback;

/// <summary>
/// POST /v4/room_config/delete_callback — <c>{}</c>: removes the stored configuration (callbacks then go to
/// <c>Membership:Webhooks:Url</c> if it is set, else stop); <c>100301</c> when none exists.
/// </summary>
internal static class DeleteCallback
{
    public static async Task Handle(HttpContext http)
    {
        await AdminRequest.ReadAsync(http, http.RequestServices.GetRequiredService<TimeProvider>());
        if (!await http.RequestServices.GetRequiredService<WebhookSettings>().DeleteAsync(http.RequestAborted))
        {
            throw CallbackFields.NotFound();
        }

        await TencentEnvelope.WriteOkAsync(http);
    }
}
