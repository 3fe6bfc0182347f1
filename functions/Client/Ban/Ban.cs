using Membership.Core.Rules;
using Membership.Functions.Hosting;

namespace Membership.Functions.Client.Ban;

/// <summary>Ban a user from a room.</summary>
/// <remarks>Bans a user (a member or not): their membership becomes <c>ban</c>. The caller needs the room's ban level and more power than the target. Repeating the same change is a 200 no-op.</remarks>
internal sealed class Ban(ClientRequests client, ClientMembership membership)
{
    [Function(nameof(Ban))]
    public async Task<MatrixJson<EmptyObject>> Run([HttpTrigger(AuthorizationLevel.Anonymous, "post", "options", Route = ClientRequests.Prefix + "rooms/{roomId}/ban")] HttpRequest req)
    {
        var call = await client.ReadInRoomAsync<TargetedMembershipBody>(req);
        await membership.TargetedAsync(call.Room, call.User, MembershipAction.Ban, call.Body, req.HttpContext.RequestAborted);
        return MatrixJson.Empty;
    }
}
