using Membership.Functions.Admin;
using Membership.Functions.Hosting;
using Membership.Service.Webhooks;

namespace Membership.Functions.RoomConfig.UpdateCallback;

/// <summary>Replace the stored callback configuration.</summary>
/// <remarks>Both fields are mandatory; <c>100301</c> when no configuration exists (set_callback creates one).</remarks>
internal sealed class UpdateCallback(AdminRequests admin, WebhookSettings settings)
{
    [Function(nameof(UpdateCallback))]
    public async Task<TencentOk<TencentReply>> Run([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = AdminRequests.RoomConfig + "update_callback")] HttpRequest req)
    {
        var call = await admin.ReadAsync<CallbackBody>(req);
        var url = call.Body.ParsedUrl();
        var commands = call.Body.Commands();
        var existing = await settings.ReadStoredAsync(req.HttpContext.RequestAborted) ?? throw CallbackBody.NotFound();
        await settings.SaveAsync(url, commands, existing.Since, req.HttpContext.RequestAborted);
        return TencentOk.Empty;
    }
}
