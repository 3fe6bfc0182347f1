using Membership.Core.Rules;
using Membership.Functions.Hosting;

namespace Membership.Functions.Client.JoinRoom;

/// <summary>Join a room by its ID.</summary>
/// <remarks>Only <c>reason</c> is copied into the membership event, as Synapse does. Public rooms take anyone; invite-only rooms need an invite; restricted rooms a membership of an allowed room. Joining rooms of other servers is not supported yet (404).</remarks>
internal sealed class JoinRoom(ClientRequests client, ClientMembership membership)
{
    [Function(nameof(JoinRoom))]
    public async Task<MatrixJson<RoomIdReply>> Run([HttpTrigger(AuthorizationLevel.Anonymous, "post", "options", Route = ClientRequests.Prefix + "rooms/{roomId}/join")] HttpRequest req)
    {
        var call = await client.ReadInRoomAsync<ReasonBody>(req);
        await membership.SelfAsync(call.Room, call.User, MembershipAction.Join, call.Body.Reason, req.HttpContext.RequestAborted);
        return MatrixJson.Of(new RoomIdReply(call.Room.Value));
    }
}
