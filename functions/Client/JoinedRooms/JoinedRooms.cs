using Membership.Functions.Hosting;

namespace Membership.Functions.Client.JoinedRooms;

/// <summary>The rooms the caller is joined to.</summary>
/// <remarks>Only rooms whose membership is <c>join</c>: not invites, not rooms left.</remarks>
internal sealed class JoinedRooms(ClientRequests client, ClientMembership membership)
{
    [Function(nameof(JoinedRooms))]
    public async Task<MatrixJson<JoinedRoomsReply>> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", "options", Route = ClientRequests.Prefix + "joined_rooms")] HttpRequest req)
    {
        var user = await client.AuthenticateAsync(req);
        var rows = await membership.Rooms.UserRoomsAsync(user, req.HttpContext.RequestAborted);
        return MatrixJson.Of(new JoinedRoomsReply([.. rows.Where(r => r.Membership == "join").Select(r => r.RoomId)]));
    }
}

internal sealed record JoinedRoomsReply(IReadOnlyList<string> JoinedRooms);
