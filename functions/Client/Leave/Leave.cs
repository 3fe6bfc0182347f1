using Membership.Core.Rules;
using Membership.Functions.Hosting;

namespace Membership.Functions.Client.Leave;

/// <summary>Leave a room, reject an invite or withdraw a knock.</summary>
/// <remarks>The caller's membership becomes <c>leave</c>. A banned user cannot leave (the ban stays).</remarks>
internal sealed class Leave(ClientRequests client, ClientMembership membership)
{
    [Function(nameof(Leave))]
    public async Task<MatrixJson<EmptyObject>> Run([HttpTrigger(AuthorizationLevel.Anonymous, "post", "options", Route = ClientRequests.Prefix + "rooms/{roomId}/leave")] HttpRequest req)
    {
        var call = await client.ReadInRoomAsync<ReasonBody>(req);
        await membership.SelfAsync(call.Room, call.User, MembershipAction.Leave, call.Body.Reason, req.HttpContext.RequestAborted);
        return MatrixJson.Empty;
    }
}
