using Membership.Functions.Admin;
using Membership.Functions.Hosting;
using Membership.Service.Webhooks;

namespace Membership.Functions.RoomConfig.SetCallback;

/// <summary>Store the callback configuration.</summary>
/// <remarks>
/// It overrides <c>Membership:Webhooks:Url</c> from now on (replacing any stored one). A new configuration receives the
/// changes made after it was set; replacing one keeps that point, so nothing pending is skipped.
/// </remarks>
internal sealed class SetCallback(AdminRequests admin, WebhookSettings settings)
{
    [Function(nameof(SetCallback))]
    public async Task<TencentOk<TencentReply>> Run([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = AdminRequests.RoomConfig + "set_callback")] HttpRequest req)
    {
        var call = await admin.ReadAsync<CallbackBody>(req);
        var url = call.Body.ParsedUrl();
        var commands = call.Body.Commands();
        var existing = await settings.ReadStoredAsync(req.HttpContext.RequestAborted);
        await settings.SaveAsync(url, commands, existing?.Since ?? admin.Clock.GetUtcNow(), req.HttpContext.RequestAborted);
        return TencentOk.Empty;
    }
}
