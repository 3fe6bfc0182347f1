using Membership.Core.Rules;
using Membership.Functions.Hosting;

namespace Membership.Functions.Client.Leave;

/// <summary>Leave a room, reject an invite or withdraw a knock.</summary>
/// <remarks>
/// The caller's membership becomes <c>leave</c>. A banned user cannot leave (the ban stays). An invite to a room hosted
/// on another server is rejected through the inviting server (make_leave, send_leave); when that server cannot be
/// reached, fails or refuses, this server records a leave of its own (out of band) instead, so the invite is gone
/// either way and the answer is <c>{}</c>; the log says which happened.
/// </remarks>
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
