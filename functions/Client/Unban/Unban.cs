using Membership.Core.Rules;
using Membership.Functions.Hosting;

namespace Membership.Functions.Client.Unban;

/// <summary>Lift a ban.</summary>
/// <remarks>Lifts a ban: the target's membership becomes <c>leave</c>. The caller needs the ban level and more power than whoever banned. Repeating the same change is a 200 no-op.</remarks>
internal sealed class Unban(ClientRequests client, ClientMembership membership)
{
    [Function(nameof(Unban))]
    public async Task<MatrixJson<EmptyObject>> Run([HttpTrigger(AuthorizationLevel.Anonymous, "post", "options", Route = ClientRequests.Prefix + "rooms/{roomId}/unban")] HttpRequest req)
    {
        var call = await client.ReadInRoomAsync<TargetedMembershipBody>(req);
        await membership.TargetedAsync(call.Room, call.User, MembershipAction.Unban, call.Body, req.HttpContext.RequestAborted);
        return MatrixJson.Empty;
    }
}
