using Membership.Core.Rooms;
using Membership.Functions.Client;
using Membership.Functions.Federation.MakeJoin;
using Membership.Functions.Hosting;
using Membership.Service.Federation;

namespace Membership.Functions.Federation.MakeLeave;

/// <summary>Template of a leave for a user of another server.</summary>
/// <remarks>
/// For a room hosted here and a user of the requesting server who is joined, invited or knocking: the
/// <c>m.room.member</c> leave this server would build now, unsigned, for that server to sign and return through
/// send_leave (a remote user leaving, or rejecting an invite made here). 403 when the rules refuse (the user is not in
/// the room, or is banned), 404 for a room not hosted here. Nothing is written.
/// </remarks>
internal sealed class MakeLeave(FederationRequests federation, ResidentMembership resident)
{
    [Function(nameof(MakeLeave))]
    public async Task<MatrixJson<MemberTemplateReply>> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", "options", Route = "_matrix/federation/v1/make_leave/{roomId}/{userId}")] HttpRequest req)
    {
        var origin = await federation.AuthenticateAsync(req);
        var (version, template) = await resident.MakeAsync(origin, req.RoomId(), req.Text("userId"), RoomMembership.Leave, null, req.HttpContext.RequestAborted);
        return MatrixJson.Of(new MemberTemplateReply(version, template));
    }
}
