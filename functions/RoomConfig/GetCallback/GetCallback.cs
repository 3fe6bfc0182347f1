using Membership.Functions.Admin;
using Membership.Functions.Hosting;
using Membership.Service.Webhooks;

namespace Membership.Functions.RoomConfig.GetCallback;

/// <summary>The stored callback configuration.</summary>
/// <remarks><c>100301</c> when none exists (callbacks then go to <c>Membership:Webhooks:Url</c>, if set).</remarks>
internal sealed class GetCallback(AdminRequests admin, WebhookSettings settings)
{
    [Function(nameof(GetCallback))]
    public async Task<TencentOk<GetCallbackReply>> Run([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = AdminRequests.RoomConfig + "get_callback")] HttpRequest req)
    {
        await admin.ReadAsync<EmptyObject>(req);
        var stored = await settings.ReadStoredAsync(req.HttpContext.RequestAborted) ?? throw CallbackBody.NotFound();
        return TencentOk.Of(new GetCallbackReply(new CallbackConfiguration(stored.Url, stored.CallbackCommands)));
    }
}

internal sealed record GetCallbackReply(CallbackConfiguration Response) : TencentReply;

internal sealed record CallbackConfiguration(string Url, IReadOnlyList<string> CallbackCommandList);
