using Membership.Core.Rules;
using Membership.Functions.Hosting;

namespace Membership.Functions.Client.Invite;

/// <summary>Invite a user to a room.</summary>
/// <remarks>Invites a user. A user of this server is invited at once; a user of another server through a federation invite, which their server must co-sign before anything is committed (403 when it refuses, 502/504 when it cannot be reached). Repeating the same change is a 200 no-op.</remarks>
internal sealed class Invite(ClientRequests client, ClientMembership membership)
{
    [Function(nameof(Invite))]
    public async Task<MatrixJson<EmptyObject>> Run([HttpTrigger(AuthorizationLevel.Anonymous, "post", "options", Route = ClientRequests.Prefix + "rooms/{roomId}/invite")] HttpRequest req)
    {
        var call = await client.ReadInRoomAsync<TargetedMembershipBody>(req);
        await membership.TargetedAsync(call.Room, call.User, MembershipAction.Invite, call.Body, req.HttpContext.RequestAborted);
        return MatrixJson.Empty;
    }
}
