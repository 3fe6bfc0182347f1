using Membership.Core.Rules;
using Membership.Functions.Hosting;

namespace Membership.Functions.Client.Knock;

/// <summary>Knock on a room by its ID or an alias.</summary>
/// <remarks>Asks to be let in to a room whose join rule is <c>knock</c> or <c>knock_restricted</c>; a member with the invite level can then invite the knocker.</remarks>
internal sealed class Knock(ClientRequests client, ClientMembership membership)
{
    [Function(nameof(Knock))]
    public async Task<MatrixJson<RoomIdReply>> Run([HttpTrigger(AuthorizationLevel.Anonymous, "post", "options", Route = ClientRequests.Prefix + "knock/{roomIdOrAlias}")] HttpRequest req)
    {
        var call = await client.ReadAsync<ReasonBody>(req);
        var room = await membership.ResolveAsync(req.Text("roomIdOrAlias"), req.HttpContext.RequestAborted);
        await membership.SelfAsync(room, call.User, MembershipAction.Knock, call.Body.Reason, req.HttpContext.RequestAborted);
        return MatrixJson.Of(new RoomIdReply(room.Value));
    }
}
