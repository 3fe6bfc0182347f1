using Membership.Functions.Hosting;

namespace Membership.Functions.Client.Forget;

/// <summary>Forget a room the caller has left.</summary>
/// <remarks>After this the room's state is no longer readable by the caller. 400 <c>M_UNKNOWN</c> while the caller is still in the room.</remarks>
internal sealed class Forget(ClientRequests client, ClientMembership membership)
{
    [Function(nameof(Forget))]
    public async Task<MatrixJson<EmptyObject>> Run([HttpTrigger(AuthorizationLevel.Anonymous, "post", "options", Route = ClientRequests.Prefix + "rooms/{roomId}/forget")] HttpRequest req)
    {
        var call = await client.ReadInRoomAsync<EmptyObject>(req);
        ClientMembership.ThrowIfFailed(await membership.Rooms.ForgetAsync(call.Room, call.User, req.HttpContext.RequestAborted), call.Room);
        return MatrixJson.Empty;
    }
}
