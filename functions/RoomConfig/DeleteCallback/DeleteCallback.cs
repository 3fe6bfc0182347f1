using Membership.Functions.Admin;
using Membership.Functions.Hosting;
using Membership.Service.Webhooks;

namespace Membership.Functions.RoomConfig.DeleteCallback;

/// <summary>Remove the stored callback configuration.</summary>
/// <remarks>Callbacks then go to <c>Membership:Webhooks:Url</c> if it is set, else stop; <c>100301</c> when none exists.</remarks>
internal sealed class DeleteCallback(AdminRequests admin, WebhookSettings settings)
{
    [Function(nameof(DeleteCallback))]
    public async Task<TencentOk<TencentReply>> Run([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = AdminRequests.RoomConfig + "delete_callback")] HttpRequest req)
    {
        await admin.ReadAsync<EmptyObject>(req);
        return await settings.DeleteAsync(req.HttpContext.RequestAborted) ? TencentOk.Empty : throw CallbackBody.NotFound();
    }
}
