using Membership.Core.Rules;
using Membership.Functions.Hosting;

namespace Membership.Functions.Client.JoinByIdOrAlias;

/// <summary>Join a room by its ID or an alias.</summary>
/// <remarks>The whole body becomes the member event's content (custom keys kept, as Synapse and Complement expect; <c>membership</c> is the server's). The <c>via</c> and <c>server_name</c> query parameters are accepted; only rooms of this server can be joined.</remarks>
internal sealed class JoinByIdOrAlias(ClientRequests client, ClientMembership membership)
{
    [Function(nameof(JoinByIdOrAlias))]
    public async Task<MatrixJson<RoomIdReply>> Run([HttpTrigger(AuthorizationLevel.Anonymous, "post", "options", Route = ClientRequests.Prefix + "join/{roomIdOrAlias}")] HttpRequest req)
    {
        var call = await client.ReadAsync<ReasonBody>(req);
        var room = await membership.ResolveAsync(req.Text("roomIdOrAlias"), req.HttpContext.RequestAborted);
        var content = call.Raw;
        content.Remove("membership");
        await membership.SelfAsync(room, call.User, MembershipAction.Join, call.Body.Reason, req.HttpContext.RequestAborted, content);
        return MatrixJson.Of(new RoomIdReply(room.Value));
    }
}
