using Membership.Core.Rules;
using Membership.Functions.Hosting;

namespace Membership.Functions.Client.Kick;

/// <summary>Kick a user out of a room.</summary>
/// <remarks>Kicks a user: their membership becomes <c>leave</c>, sent by the caller, who needs the room's kick level and more power than the target. The target must be joined, invited or knocking. Repeating the same change is a 200 no-op.</remarks>
internal sealed class Kick(ClientRequests client, ClientMembership membership)
{
    [Function(nameof(Kick))]
    public async Task<MatrixJson<EmptyObject>> Run([HttpTrigger(AuthorizationLevel.Anonymous, "post", "options", Route = ClientRequests.Prefix + "rooms/{roomId}/kick")] HttpRequest req)
    {
        var call = await client.ReadInRoomAsync<TargetedMembershipBody>(req);
        await membership.TargetedAsync(call.Room, call.User, MembershipAction.Kick, call.Body, req.HttpContext.RequestAborted);
        return MatrixJson.Empty;
    }
}
